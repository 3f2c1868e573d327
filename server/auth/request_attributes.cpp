#include "server/auth/request_attributes.hpp"

#include <algorithm>
#include <cctype>

namespace fedmetrics::auth {

RequestAttributes request_attributes(const std::string& method, const http::Target& target) {
  RequestAttributes a;
  std::string lower = method;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto& s = target.segments;
  std::string path = "/";
  for (std::size_t i = 0; i < s.size(); ++i) path += (i ? "/" : "") + s[i];
  if (target.trailing_slash && !s.empty()) path += "/";
  a.path = path;

  // /apis/<group>/<version>/<rest...> with at least one segment of rest is a resource request.
  if (s.size() < 4 || s[0] != "apis") {
    a.verb = lower;
    return a;
  }
  a.resource_request = true;
  a.api_group = s[1];
  a.api_version = s[2];
  std::vector<std::string> rest(s.begin() + 3, s.end());
  if (rest.size() >= 2 && rest[0] == "namespaces") {
    a.namespace_ = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
    if (rest.empty()) {
      // /apis/g/v/namespaces/<ns> addresses the Namespace object itself.
      rest = {"namespaces", a.namespace_};
      a.namespace_.clear();
    }
  }
  if (!rest.empty()) a.resource = rest[0];
  if (rest.size() >= 2) a.name = rest[1];
  if (rest.size() >= 3) a.subresource = rest[2];
  // GET with a name is "get"; without one it is "list" (HEAD maps like GET).
  if (lower == "get" || lower == "head") {
    a.verb = a.name.empty() ? "list" : "get";
  } else if (lower == "post") {
    a.verb = "create";
  } else if (lower == "put") {
    a.verb = "update";
  } else {
    a.verb = lower;
  }
  return a;
}

}  // namespace fedmetrics::auth
