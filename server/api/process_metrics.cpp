#include "server/api/process_metrics.hpp"

#include <dirent.h>
#include <prometheus/metric_family.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace fedmetrics::api {
namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::optional<double> number(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<double> boot_time() {
  const std::string stat = read_file("/proc/stat");
  const auto at = stat.find("\nbtime ");
  if (at == std::string::npos) return std::nullopt;
  const auto end = stat.find('\n', at + 1);
  return number(std::string_view(stat).substr(at + 7, end - at - 7));
}

std::optional<double> open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the descriptor opendir itself holds
}

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type, double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

}  // namespace

std::optional<ProcessStats> parse_proc_stat(std::string_view stat, double ticks_per_second, double page_size,
                                            double boot_time_seconds) {
  // The command name (field 2) is in parentheses and may contain spaces: fields are counted after the last ')'.
  const auto paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  const auto f = words(stat.substr(paren + 1));  // f[0] is field 3 (state)
  if (f.size() < 22) return std::nullopt;
  const auto field = [&](int n) { return number(f[static_cast<std::size_t>(n - 3)]); };
  const auto utime = field(14), stime = field(15), threads = field(20), start = field(22), vsize = field(23),
             rss = field(24);
  if (!utime || !stime || !threads || !start || !vsize || !rss) return std::nullopt;
  ProcessStats s;
  s.cpu_seconds = (*utime + *stime) / ticks_per_second;
  s.threads = *threads;
  s.start_time_seconds = boot_time_seconds + *start / ticks_per_second;
  s.virtual_memory_bytes = *vsize;
  s.resident_memory_bytes = *rss * page_size;
  return s;
}

std::optional<double> parse_max_open_files(std::string_view limits) {
  const auto at = limits.find("Max open files");
  if (at == std::string_view::npos) return std::nullopt;
  const auto end = limits.find('\n', at);
  const auto w = words(limits.substr(at + 14, end == std::string_view::npos ? end : end - at - 14));
  if (w.empty()) return std::nullopt;
  return number(w[0]);  // "unlimited" → nullopt
}

std::vector<prometheus::MetricFamily> collect_process_metrics() {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const auto btime = boot_time();
  const auto stats = parse_proc_stat(read_file("/proc/self/stat"), static_cast<double>(sysconf(_SC_CLK_TCK)),
                                     static_cast<double>(sysconf(_SC_PAGESIZE)), btime.value_or(0));
  if (stats && btime) {
    out.push_back(family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                         MetricType::Counter, stats->cpu_seconds));
    out.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
                         stats->resident_memory_bytes));
    out.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
                         stats->virtual_memory_bytes));
    out.push_back(family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                         MetricType::Gauge, stats->start_time_seconds));
    out.push_back(family("process_threads", "Number of OS threads of the process.", MetricType::Gauge, stats->threads));
  }
  if (const auto fds = open_fds()) {
    out.push_back(family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *fds));
  }
  if (const auto max = parse_max_open_files(read_file("/proc/self/limits"))) {
    out.push_back(family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge, *max));
  }
  return out;
}

}  // namespace fedmetrics::api
