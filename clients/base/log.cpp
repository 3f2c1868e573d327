#include "clients/base/log.hpp"

#include <fmt/format.h>
#include <fnmatch.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <mutex>
#include <shared_mutex>

namespace fedmetrics::log {
namespace {

struct State {
  std::atomic<int> verbosity{0};
  std::atomic<Format> format{Format::Text};
  std::atomic<bool> info{true};
  std::vector<VmoduleRule> vmodule;  // written by init() only, before threads start
  // --vmodule verdicts per source file (file_name() pointers are stable string literals).
  std::shared_mutex cache_mu;
  std::map<const char*, int> cache;
};

State& state() {
  static State s;
  return s;
}

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

// JSON string escapes, or Go's strconv.Quote for the ASCII range (what klog writes for string values).
void append_quoted(std::string& out, std::string_view s, Format format) {
  const bool go = format == Format::Text;
  out.push_back('"');
  for (const unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (go && (c == '\a' || c == '\b' || c == '\f' || c == '\v')) {
      out.push_back('\\');
      out.push_back("abtnvfr"[c - '\a']);
    } else if (c < 0x20 || c == 0x7f) {
      out += go ? fmt::format("\\x{:02x}", c) : fmt::format("\\u{:04x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

void append_json_string(std::string& out, std::string_view s) { append_quoted(out, s, Format::Json); }

void append_value(std::string& out, const Field& f, Format format) {
  switch (f.kind) {
    case Field::Kind::String:
      append_quoted(out, f.text, format);
      return;
    case Field::Kind::Int: out += fmt::format("{}", f.i); return;
    case Field::Kind::Uint: out += fmt::format("{}", f.u); return;
    case Field::Kind::Bool: out += f.b ? "true" : "false"; return;
    case Field::Kind::Float:
      if (std::isfinite(f.f)) {
        out += fmt::format("{}", f.f);
      } else {
        // JSON has no NaN/Inf: zap writes them as strings; klog writes them bare.
        const std::string text = std::isnan(f.f) ? "NaN" : (f.f > 0 ? "+Inf" : "-Inf");
        format == Format::Json ? append_json_string(out, text) : void(out += text);
      }
      return;
  }
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// zap's ShortCallerEncoder: the last directory and the file.
std::string_view short_caller(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return path;
  const auto before = path.rfind('/', slash - 1);
  return before == std::string_view::npos ? path : path.substr(before + 1);
}

std::string_view strip_extension(std::string_view path) {
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return path;
  return path.substr(0, dot);
}

bool is_error_key(std::string_view key) { return key == "err" || key == "error"; }

int verbosity_at(const Where& where) {
  auto& s = state();
  const int v = s.verbosity.load(std::memory_order_relaxed);
  if (s.vmodule.empty()) return v;
  {
    std::shared_lock lock(s.cache_mu);
    if (auto it = s.cache.find(where.file); it != s.cache.end()) return it->second;
  }
  const int level = file_verbosity(where.file, v, s.vmodule);
  std::unique_lock lock(s.cache_mu);
  s.cache.emplace(where.file, level);
  return level;
}

void emit(char severity, int level, std::string_view msg, std::initializer_list<Field> fields,
          const Where& where) {
  sink().info(format_line(state().format.load(std::memory_order_relaxed), severity, level, msg, fields,
                          where.file, where.line, std::chrono::system_clock::now(), getpid()));
}

}  // namespace

std::vector<VmoduleRule> parse_vmodule(std::string_view text, std::string& error) {
  std::vector<VmoduleRule> rules;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (entry.empty()) continue;  // klog skips empty entries ("a=1,,b=2")
    const auto eq = entry.find('=');
    int level = 0;
    const std::string_view number = eq == std::string_view::npos ? std::string_view{} : entry.substr(eq + 1);
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), level);
    if (eq == std::string_view::npos || eq == 0 || number.empty() || ec != std::errc() ||
        end != number.data() + number.size() || level < 0) {
      error = "\"" + std::string(entry) + "\" is not pattern=N with N a non-negative integer";
      return rules;
    }
    rules.push_back({std::string(entry.substr(0, eq)), level});
  }
  return rules;
}

int file_verbosity(std::string_view file, int verbosity, const std::vector<VmoduleRule>& rules) {
  const std::string whole(strip_extension(file));
  const std::string base(strip_extension(base_name(file)));
  for (const auto& r : rules) {
    const bool path_pattern = r.pattern.find('/') != std::string::npos;
    // A path pattern matches the end of the path (paths here are absolute; klog's are module-relative).
    const std::string pattern = path_pattern && r.pattern.front() != '/' ? "*/" + r.pattern : r.pattern;
    if (fnmatch(pattern.c_str(), (path_pattern ? whole : base).c_str(), 0) == 0) return r.level;
  }
  return verbosity;
}

std::string format_line(Format format, char severity, int level, std::string_view msg,
                        std::initializer_list<Field> fields, std::string_view file, unsigned line,
                        std::chrono::system_clock::time_point now, int pid) {
  const Field* err = nullptr;
  if (severity == 'E') {
    for (const auto& f : fields) {
      if (is_error_key(f.key)) {
        err = &f;
        break;
      }
    }
  }
  std::string out;
  if (format == Format::Json) {
    const double ts = std::chrono::duration<double>(now.time_since_epoch()).count();
    out = fmt::format("{{\"ts\":{:.6f},\"caller\":", ts);
    append_json_string(out, fmt::format("{}:{}", short_caller(file), line));
    out += ",\"msg\":";
    append_json_string(out, msg);
    if (err != nullptr) {
      out += ",\"err\":";
      append_value(out, *err, format);
    } else if (severity != 'E') {
      out += fmt::format(",\"v\":{}", level);
    }
    for (const auto& f : fields) {
      if (&f == err) continue;
      out.push_back(',');
      append_json_string(out, f.key);
      out.push_back(':');
      append_value(out, f, format);
    }
    out.push_back('}');
    return out;
  }
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  out = fmt::format("{}{:02}{:02} {:02}:{:02}:{:02}.{:06} {:>7} {}:{}] ", severity, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour, tm.tm_min, tm.tm_sec, micros, pid, base_name(file), line);
  append_quoted(out, msg, format);
  if (err != nullptr) {
    out += " err=";
    append_value(out, *err, format);
  }
  for (const auto& f : fields) {
    if (&f == err) continue;
    out.push_back(' ');
    out.append(f.key);
    out.push_back('=');
    append_value(out, f, format);
  }
  return out;
}

void init(Format format, int verbosity, std::vector<VmoduleRule> vmodule) {
  auto& s = state();
  s.format.store(format);
  s.verbosity.store(verbosity);
  s.vmodule = std::move(vmodule);
  std::unique_lock lock(s.cache_mu);
  s.cache.clear();
}

bool enabled(int level, Where where) { return verbosity_at(where) >= level; }

void set_info_lines(bool on) { state().info.store(on); }
void info(std::string_view msg, std::initializer_list<Field> fields, Where where) {
  if (state().info.load()) emit('I', 0, msg, fields, where);
}
void verbose(int level, std::string_view msg, std::initializer_list<Field> fields, Where where) {
  if (state().info.load() && enabled(level, where)) emit('I', level, msg, fields, where);
}
void warning(std::string_view msg, std::initializer_list<Field> fields, Where where) {
  emit('W', 0, msg, fields, where);
}
void error(std::string_view msg, std::initializer_list<Field> fields, Where where) {
  emit('E', 0, msg, fields, where);
}

std::function<void(std::exception_ptr)> on_task_failure(std::string what, Where where) {
  return [what = std::move(what), where](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      emit('E', 0, what + " failed", {{"err", ex.what()}}, where);
    } catch (...) {
      emit('E', 0, what + " failed", {{"err", "unknown exception"}}, where);
    }
  };
}

}  // namespace fedmetrics::log
