#pragma once
// Invariant checks for the libFuzzer targets: a failed check prints what broke and aborts, so libFuzzer
// records the input as a crash (crash-<sha1> in the working directory) like any sanitizer report.
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fedmetrics::fuzz {

[[noreturn]] inline void check_failed(const char* expr, const char* file, int line, const std::string& detail) {
  std::fprintf(stderr, "==FUZZ-CHECK== %s:%d: invariant failed: %s\n  %s\n", file, line, expr, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace fedmetrics::fuzz

/// FUZZ_CHECK(cond, detail): `detail` is any expression convertible to std::string, evaluated only on failure.
#define FUZZ_CHECK(cond, detail)                                                    \
  do {                                                                              \
    if (!(cond)) ::fedmetrics::fuzz::check_failed(#cond, __FILE__, __LINE__, (detail)); \
  } while (0)
