// libFuzzer target: http::parse_target and the API's route table (server/api/api_handler.cpp make_router).
// Invariants: accepted targets have only non-empty, non-dot segments without '/' or NUL; re-encoding the
// decoded segments and query gives back the same Target; a route match binds exactly its segments.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/router.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace fedmetrics;
using namespace fedmetrics::http;

namespace {

// The templates of server/api/api_handler.cpp make_router(), in the same order.
const char* const kRoutes[] = {
    "/healthz",
    "/healthz/{check}",
    "/livez",
    "/livez/{check}",
    "/readyz",
    "/readyz/{check}",
    "/version",
    "/metrics",
    "/openapi/v2",
    "/openapi/v3",
    "/openapi/v3/apis/{group}/{version}",
    "/api",
    "/apis",
    "/apis/{group}",
    "/apis/{group}/{version}",
    "/apis/external.metrics.k8s.io/{version}/namespaces/{namespace}/{metric}",
    "/apis/custom.metrics.k8s.io/{version}/namespaces/{namespace}/{resource}/{name}/{metric}",
    "/apis/custom.metrics.k8s.io/{version}/namespaces/{namespace}/metrics/{metric}",
    "/apis/custom.metrics.k8s.io/{version}/{resource}/{name}/{metric}",
};

const Router& router() {
  static const Router r = [] {
    Router out;
    int id = 0;
    for (const char* p : kRoutes) out.add(p, id++);
    return out;
  }();
  return r;
}

std::string percent_encode_all(std::string_view s) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::vector<std::string> split_template(std::string_view pattern) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= pattern.size()) {
    const auto end = pattern.find('/', start);
    parts.emplace_back(pattern.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

bool is_param(const std::string& part) { return part.size() > 2 && part.front() == '{' && part.back() == '}'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto target = parse_target(text);
  if (!target) {
    FUZZ_CHECK(target.error().code == Errc::InvalidArgument, target.error().message);
    return 0;
  }
  for (const auto& seg : target->segments) {
    FUZZ_CHECK(!seg.empty() && seg != "." && seg != ".." && seg.find('/') == std::string::npos &&
                   seg.find('\0') == std::string::npos,
               "bad segment accepted: \"" + seg + "\"");
  }
  (void)target->param("labelSelector");
  (void)target->has_param("metricLabelSelector");

  // Re-encode everything and parse again: the decoded view must not change.
  std::string rebuilt;
  for (const auto& seg : target->segments) rebuilt += "/" + percent_encode_all(seg);
  if (rebuilt.empty() || target->trailing_slash) rebuilt += "/";
  if (!target->query.empty()) {
    char sep = '?';
    for (const auto& [k, v] : target->query) {
      rebuilt += sep + percent_encode_all(k) + "=" + percent_encode_all(v);
      sep = '&';
    }
  }
  const auto again = parse_target(rebuilt);
  FUZZ_CHECK(again.has_value(), "re-encoded target rejected: \"" + rebuilt + "\": " +
                                    (again ? std::string() : again.error().message));
  FUZZ_CHECK(again->segments == target->segments, "segments changed by re-encoding: \"" + rebuilt + "\"");
  FUZZ_CHECK(again->query == target->query, "query changed by re-encoding: \"" + rebuilt + "\"");
  if (!target->segments.empty()) {
    FUZZ_CHECK(again->trailing_slash == target->trailing_slash, "trailing slash changed: \"" + rebuilt + "\"");
  }

  // Reference matcher: the first template of the same length whose literals equal the segments.
  int expected = -1;
  for (int id = 0; id < static_cast<int>(std::size(kRoutes)) && expected < 0; ++id) {
    const auto parts = split_template(kRoutes[id]);
    if (parts.size() != target->segments.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      ok = is_param(parts[i]) || parts[i] == target->segments[i];
    }
    if (ok) expected = id;
  }
  const auto match = router().match(target->segments);
  FUZZ_CHECK(match.has_value() == (expected >= 0), "router and reference matcher disagree on \"" + target->path + "\"");
  if (match) {
    FUZZ_CHECK(match->id == expected && match->pattern == kRoutes[expected],
               "router matched " + match->pattern + ", expected " + kRoutes[expected]);
    const auto parts = split_template(match->pattern);
    std::size_t bound = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (!is_param(parts[i])) continue;
      const auto it = match->params.find(parts[i].substr(1, parts[i].size() - 2));
      FUZZ_CHECK(it != match->params.end() && it->second == target->segments[i], "param not bound: " + parts[i]);
      ++bound;
    }
    FUZZ_CHECK(bound == match->params.size(), "extra params bound for " + match->pattern);
  }
  return 0;
}
