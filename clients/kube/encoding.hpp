#pragma once
// Small wire encodings Kubernetes objects need and nothing else in the tree provides: standard base64
// (Secret data, kubeconfig *-data fields) and RFC 3339 times with fractions (metav1.Time, metav1.MicroTime).
// Pure functions, no I/O.
#include <chrono>
#include <string>
#include <string_view>

#include "clients/base/clock.hpp"
#include "clients/base/result.hpp"

namespace fedmetrics::kube {

/// Decodes standard base64 (RFC 4648 alphabet, '=' padding required when the length is not a multiple of 4,
/// as Go's base64.StdEncoding). CR and LF are ignored, as Go does. Errors: InvalidArgument "not base64".
[[nodiscard]] Result<std::string> base64_decode(std::string_view text);
/// Standard base64 with padding.
[[nodiscard]] std::string base64_encode(std::string_view bytes);

/// Parses RFC 3339 ("2026-08-21T03:12:09Z", "…09.123456Z", "…09+02:00") into UTC. Fractions beyond
/// microseconds are truncated. Errors: InvalidArgument naming the text.
[[nodiscard]] Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);
/// metav1.MicroTime wire form (clients/base/clock.hpp).
using fedmetrics::format_rfc3339_micro;

}  // namespace fedmetrics::kube
