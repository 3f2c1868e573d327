#pragma once
// Thin structured-logging facade (klog-like text or JSON lines on stderr). Nothing else in fedmetrics
// writes to stdout/stderr, except the CLI's own user-facing output (--help, `simulate`, the port line).
//
//   log::info("member request failed", {{"cluster", name}, {"error", e.message}});
//   if (log::enabled(2)) log::info("decision", {...});   // shown with -v=2 and above
#include <initializer_list>
#include <string>
#include <string_view>

namespace fedmetrics::log {

enum class Format { Text, Json };

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  template <class N, class = std::enable_if_t<std::is_arithmetic_v<N>>>
  Field(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
};

/// Configure once at startup (before threads start). Default: text, verbosity 0.
void init(Format format, int verbosity);
/// True when -v is at least `level`; guard expensive log lines with it.
bool enabled(int level);

void info(std::string_view msg, std::initializer_list<Field> fields = {});
/// Info line shown only at -v >= level.
void verbose(int level, std::string_view msg, std::initializer_list<Field> fields = {});
void warning(std::string_view msg, std::initializer_list<Field> fields = {});
void error(std::string_view msg, std::initializer_list<Field> fields = {});

}  // namespace fedmetrics::log
