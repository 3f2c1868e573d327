#include "server/http/message.hpp"

#include <algorithm>
#include <cctype>

namespace fedmetrics::http {
namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}
}  // namespace

RequestFraming request_framing(std::string_view method, std::optional<std::uint64_t> content_length, bool chunked,
                               std::size_t max_body_bytes) {
  RequestFraming out;
  out.close_after = chunked || (content_length && *content_length > 0);
  if (!out.close_after) return out;
  if (method == "GET" || method == "HEAD") {
    out.reject_status = 400;
    out.message = "a " + std::string(method) + " request must not have a body";
  } else if (content_length && *content_length > max_body_bytes) {
    out.reject_status = 413;
    out.message = "request entity too large (limit " + std::to_string(max_body_bytes) + " bytes)";
  }
  return out;
}

void Headers::add(std::string_view name, std::string_view value) { entries_.emplace_back(lower(name), value); }

std::optional<std::string_view> Headers::get(std::string_view name) const {
  const auto key = lower(name);
  for (const auto& [k, v] : entries_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  const auto key = lower(name);
  std::vector<std::string_view> out;
  for (const auto& [k, v] : entries_) {
    if (k == key) out.emplace_back(v);
  }
  return out;
}

void Headers::remove(std::string_view name) {
  const auto key = lower(name);
  std::erase_if(entries_, [&](const auto& e) { return e.first == key; });
}

}  // namespace fedmetrics::http
