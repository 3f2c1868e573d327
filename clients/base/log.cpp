#include "clients/base/log.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

namespace fedmetrics::log {
namespace {

std::atomic<int> g_verbosity{0};
std::atomic<Format> g_format{Format::Text};

spdlog::logger& sink() {
  // stderr, no pattern decoration: we format the whole line ourselves (klog text or JSON).
  static auto logger = [] {
    auto l = std::make_shared<spdlog::logger>("fedmetrics", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%v");
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void emit(char severity, int level, std::string_view msg, std::initializer_list<Field> fields) {
  const auto now = std::chrono::system_clock::now();
  std::string line;
  if (g_format.load(std::memory_order_relaxed) == Format::Json) {
    // The shape of component-base's JSON logger: ts (seconds as float), v, msg, then key/values.
    const double ts = std::chrono::duration<double>(now.time_since_epoch()).count();
    line = fmt::format("{{\"ts\":{:.6f},", ts);
    if (severity == 'E') {
      line += "\"err\":";
    } else {
      line += fmt::format("\"v\":{},\"msg\":", level);
    }
    append_json_string(line, msg);
    for (const auto& f : fields) {
      line.push_back(',');
      append_json_string(line, f.key);
      line.push_back(':');
      append_json_string(line, f.value);
    }
    line.push_back('}');
  } else {
    // klog text header: Lmmdd hh:mm:ss.uuuuuu pid] "msg" key="value"
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    line = fmt::format("{}{:02}{:02} {:02}:{:02}:{:02}.{:06} {:>7}] ", severity, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, micros, getpid());
    append_json_string(line, msg);
    for (const auto& f : fields) {
      line.push_back(' ');
      line.append(f.key);
      line.push_back('=');
      append_json_string(line, f.value);
    }
  }
  sink().info(line);
}

}  // namespace

void init(Format format, int verbosity) {
  g_format.store(format);
  g_verbosity.store(verbosity);
}

bool enabled(int level) { return g_verbosity.load(std::memory_order_relaxed) >= level; }

void info(std::string_view msg, std::initializer_list<Field> fields) { emit('I', 0, msg, fields); }
void verbose(int level, std::string_view msg, std::initializer_list<Field> fields) {
  if (enabled(level)) emit('I', level, msg, fields);
}
void warning(std::string_view msg, std::initializer_list<Field> fields) { emit('W', 0, msg, fields); }
void error(std::string_view msg, std::initializer_list<Field> fields) { emit('E', 0, msg, fields); }

}  // namespace fedmetrics::log
