#include "server/api/name_validation.hpp"

#include <algorithm>

namespace fedmetrics::api {
namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 80;  // keep messages short for absurdly long input
  std::string out = "\"";
  out += s.substr(0, kMax);
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

}  // namespace

bool is_dns1123_label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; });
}

bool is_object_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f && c != '/' && c != '%'; });
}

bool is_resource_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-' || c == '.'; });
}

bool is_metric_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c == '.' || c == '-';
  });
}

std::optional<std::string> validate_custom_query(const provider::MetricQuery& q) {
  if (!q.namespace_.empty() && !is_dns1123_label(q.namespace_)) {
    return "invalid namespace " + quoted(q.namespace_) + ": must be a DNS-1123 label";
  }
  if (!is_resource_name(q.resource.to_string())) return "invalid resource " + quoted(q.resource.to_string());
  if (!q.name.empty() && !is_object_name(q.name)) return "invalid object name " + quoted(q.name);
  // A Namespace object's name is a namespace (the namespaces/{ns}/metrics/{m} form): DNS-1123 label too.
  if (q.resource == provider::GroupResource{"", "namespaces"} && !q.name.empty() && !is_dns1123_label(q.name)) {
    return "invalid namespace " + quoted(q.name) + ": must be a DNS-1123 label";
  }
  if (!is_metric_name(q.metric_name)) return "invalid metric name " + quoted(q.metric_name);
  return std::nullopt;
}

std::optional<std::string> validate_external_query(const provider::ExternalQuery& q) {
  if (!is_dns1123_label(q.namespace_)) {
    return "invalid namespace " + quoted(q.namespace_) + ": must be a DNS-1123 label";
  }
  if (!is_metric_name(q.metric_name)) return "invalid metric name " + quoted(q.metric_name);
  return std::nullopt;
}

std::optional<std::string> validate_resource_query(const provider::ResourceQuery& q) {
  if (!q.namespace_.empty() && !is_dns1123_label(q.namespace_)) {
    return "invalid namespace " + quoted(q.namespace_) + ": must be a DNS-1123 label";
  }
  if (!q.name.empty() && !is_object_name(q.name)) return "invalid object name " + quoted(q.name);
  return std::nullopt;
}

}  // namespace fedmetrics::api
