#pragma once
// Go duration strings for kube-style flags: "300ms", "10s", "1m30s", "2h", "0".
#include <chrono>
#include <string>
#include <string_view>

#include "clients/base/result.hpp"

namespace fedmetrics::app {

/// Errors: InvalidArgument for anything but a sequence of <number><unit> with units ns, us, ms, s, m, h
/// (or a bare "0"), or a negative value.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
/// "1m30s", "500ms", "0s" (Go's formatting, to millisecond precision).
std::string format_duration(std::chrono::milliseconds d);

}  // namespace fedmetrics::app
