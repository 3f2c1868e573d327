#pragma once
// Thin structured-logging facade on stderr, in the two formats of Kubernetes components. Nothing else in
// fedmetrics writes to stdout/stderr, except the CLI's own user-facing output (--help, `simulate`, the
// port line).
//
//   log::info("member request failed", {{"cluster", name}, {"err", e.message}, {"attempt", 3}});
//   if (log::enabled(2)) log::info("decision", {...});   // shown with -v=2 (or --vmodule) and above
//
// --logging-format=text is klog's text format (k8s.io/klog/v2, as `klog.InfoS` writes it):
//   I1204 14:28:07.123456    1234 application.cpp:317] "serving" url="https://127.0.0.1:6443" threads=2
// i.e. severity (I, W, E), month, day, local time with microseconds, the process id right-aligned in 7
// columns, the source file's base name and line, `] `, then the quoted message and key=value pairs:
// strings quoted (Go strconv.Quote escapes), numbers and booleans bare.
//
// --logging-format=json is component-base's JSON format (k8s.io/component-base/logs/json, zap + zapr):
//   {"ts":1733322487.123456,"caller":"app/application.cpp:317","msg":"serving","v":0,"url":"...","threads":2}
// `ts` is seconds since the epoch, `caller` the last directory and file with the line, `v` the verbosity of
// an info line (absent on error lines), and values keep their type (numbers and booleans as JSON numbers
// and booleans).
//
// Errors: on an error line, a field named "err" or "error" is the error (klog's `ErrorS(err, msg)`); it is
// written as `err` in both formats, right after the message.
//
// Thread-safety: init() once at startup, before other threads log; everything else may be called from any
// thread. Each line is written with one write, so lines of concurrent callers never interleave.
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace fedmetrics::log {

enum class Format { Text, Json };

/// One key/value pair of a log line; the value keeps its type (string, integer, floating point, bool).
struct Field {
  enum class Kind { String, Int, Uint, Float, Bool };
  std::string_view key;
  Kind kind = Kind::String;
  std::string text;  ///< for String
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double f = 0;
  bool b = false;

  Field(std::string_view k, std::string v) : key(k), text(std::move(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), text(v) {}
  Field(std::string_view k, const char* v) : key(k), text(v) {}
  Field(std::string_view k, bool v) : key(k), kind(Kind::Bool), b(v) {}
  template <class N, class = std::enable_if_t<std::is_arithmetic_v<N> && !std::is_same_v<N, bool>>>
  Field(std::string_view k, N v) : key(k) {
    if constexpr (std::is_floating_point_v<N>) {
      kind = Kind::Float;
      f = static_cast<double>(v);
    } else if constexpr (std::is_signed_v<N>) {
      kind = Kind::Int;
      i = static_cast<std::int64_t>(v);
    } else {
      kind = Kind::Uint;
      u = static_cast<std::uint64_t>(v);
    }
  }
};

/// A --vmodule rule: files whose name matches `pattern` log at verbosity up to `level`. The pattern is a
/// glob (`*`, `?`) matched against the file's base name without extension, or against the whole path
/// without extension when the pattern contains a `/` (klog's rule, `.go` read as the C++ extension).
struct VmoduleRule {
  std::string pattern;
  int level = 0;
  bool operator==(const VmoduleRule&) const = default;
};

/// Parses --vmodule's "pattern=N,pattern=N". Returns an empty vector for "". On a malformed entry, sets
/// `error` to a message naming it (and returns what parsed before it).
std::vector<VmoduleRule> parse_vmodule(std::string_view text, std::string& error);

/// The verbosity a source file logs at: the first matching rule's level, else `verbosity`.
int file_verbosity(std::string_view file, int verbosity, const std::vector<VmoduleRule>& rules);

/// The call site of a log line. std::source_location would do, but clang 14 (the fuzz build) cannot
/// compile libstdc++ 12's <source_location>; __builtin_FILE/__builtin_LINE work in both compilers.
struct Where {
  const char* file = "";
  unsigned line = 0;
  static constexpr Where here(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) noexcept {
    return {file, line};
  }
};

/// Configure once at startup (before threads start). Default: text, verbosity 0, no vmodule rules.
void init(Format format, int verbosity, std::vector<VmoduleRule> vmodule = {});

/// Info lines on (the default) or off (warnings and errors only): a command whose output is for a person,
/// such as `explain`, turns them off unless -v is given.
void set_info_lines(bool on);

/// True when the calling file's verbosity (-v, or its --vmodule rule) is at least `level`; guard expensive
/// log lines with it.
bool enabled(int level, Where where = Where::here());

void info(std::string_view msg, std::initializer_list<Field> fields = {},
          Where where = Where::here());
/// Info line shown only when enabled(level) at the call site.
void verbose(int level, std::string_view msg, std::initializer_list<Field> fields = {},
             Where where = Where::here());
void warning(std::string_view msg, std::initializer_list<Field> fields = {},
             Where where = Where::here());
void error(std::string_view msg, std::initializer_list<Field> fields = {},
           Where where = Where::here());

/// A co_spawn completion handler that logs an escaped exception as an error line "<what> failed" (STYLE.md
/// §7: every co_spawn completion checks its exception; never rethrows).
std::function<void(std::exception_ptr)> on_task_failure(std::string what, Where where = Where::here());

/// One formatted line (without the newline): the pure core of the functions above, for tests.
/// `severity` is 'I', 'W' or 'E'; `level` is the info line's verbosity.
std::string format_line(Format format, char severity, int level, std::string_view msg,
                        std::initializer_list<Field> fields, std::string_view file, unsigned line,
                        std::chrono::system_clock::time_point now, int pid);

}  // namespace fedmetrics::log
