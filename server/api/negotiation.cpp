#include "server/api/negotiation.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

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

/// One media range of the header: "application/json;g=x;v=y;as=Z;q=0.5".
struct Range {
  std::string type;  ///< lower-cased "application/json"
  double q = 1.0;
  std::string as, g, v;  ///< as given (profile names are case-sensitive)
  int specificity = 0;   ///< 2 application/json, 1 application/*, 0 */*
};

std::optional<Range> parse_range(std::string_view text) {
  const auto semi = text.find(';');
  Range r;
  r.type = lower(trim(text.substr(0, semi)));
  std::string_view params = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
  while (!params.empty()) {
    const auto next = params.find(';');
    const auto param = trim(params.substr(0, next));
    const auto eq = param.find('=');
    const std::string key = lower(trim(param.substr(0, eq)));
    const auto value = eq == std::string_view::npos ? std::string_view() : trim(param.substr(eq + 1));
    if (key == "q") {
      try {
        r.q = std::stod(std::string(value));
      } catch (...) {
        return std::nullopt;
      }
    } else if (key == "as") {
      r.as = value;
    } else if (key == "g") {
      r.g = value;
    } else if (key == "v") {
      r.v = value;
    }
    if (next == std::string_view::npos) break;
    params.remove_prefix(next + 1);
  }
  if (r.type == "application/json") r.specificity = 2;
  else if (r.type == "application/*") r.specificity = 1;
  else if (r.type == "*/*") r.specificity = 0;
  else return std::nullopt;  // a type we never produce
  return r;
}

std::optional<MediaType> acceptable(const Range& r, bool conversions) {
  if (r.q <= 0) return std::nullopt;
  if (r.as.empty()) return MediaType{};
  if (!conversions || r.g != "meta.k8s.io" || (r.v != "v1" && r.v != "v1beta1")) return std::nullopt;
  const auto version = r.v == "v1" ? kubeapi::MetaVersion::V1 : kubeapi::MetaVersion::V1Beta1;
  if (r.as == "Table") return MediaType{Representation::Table, version};
  if (r.as == "PartialObjectMetadata") return MediaType{Representation::PartialObjectMetadata, version};
  if (r.as == "PartialObjectMetadataList") return MediaType{Representation::PartialObjectMetadataList, version};
  return std::nullopt;
}

}  // namespace

std::optional<MediaType> negotiate(std::optional<std::string_view> accept, bool conversions) {
  if (!accept || trim(*accept).empty()) return MediaType{};
  std::vector<Range> ranges;
  std::string_view rest = *accept;
  while (true) {
    const auto comma = rest.find(',');
    if (auto r = parse_range(rest.substr(0, comma))) ranges.push_back(std::move(*r));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::stable_sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    if (a.q != b.q) return a.q > b.q;
    return a.specificity > b.specificity;
  });
  for (const auto& r : ranges) {
    if (auto m = acceptable(r, conversions)) return m;
  }
  return std::nullopt;
}

bool accepts_plain_json(std::optional<std::string_view> accept) { return negotiate(accept, false).has_value(); }

}  // namespace fedmetrics::api
