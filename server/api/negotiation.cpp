#include "server/api/negotiation.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace fedmetrics::api {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

/// One media range: "application/json;g=x;v=y;as=Z;q=0.5".
bool range_is_plain_json(std::string_view range) {
  const auto semi = range.find(';');
  const std::string type = lower(trim(range.substr(0, semi)));
  if (type != "application/json" && type != "application/*" && type != "*/*") return false;
  std::string_view params = semi == std::string_view::npos ? std::string_view() : range.substr(semi + 1);
  while (!params.empty()) {
    const auto next = params.find(';');
    const auto param = trim(params.substr(0, next));
    const auto eq = param.find('=');
    const std::string key = lower(trim(param.substr(0, eq)));
    const auto value = eq == std::string_view::npos ? std::string_view() : trim(param.substr(eq + 1));
    if (key == "as") return false;  // a profile (Table, APIGroupDiscoveryList, ...) we do not convert to
    if (key == "q") {
      try {
        if (std::stod(std::string(value)) <= 0.0) return false;
      } catch (...) {
        return false;
      }
    }
    if (next == std::string_view::npos) break;
    params.remove_prefix(next + 1);
  }
  return true;
}

}  // namespace

bool accepts_plain_json(std::optional<std::string_view> accept) {
  if (!accept || trim(*accept).empty()) return true;
  std::string_view rest = *accept;
  while (true) {
    const auto comma = rest.find(',');
    if (range_is_plain_json(rest.substr(0, comma))) return true;
    if (comma == std::string_view::npos) return false;
    rest.remove_prefix(comma + 1);
  }
}

}  // namespace fedmetrics::api
