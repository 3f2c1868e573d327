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
