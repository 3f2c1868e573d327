#pragma once
// Authorization attributes of a request, as k8s.io/apiserver's RequestInfo parser derives them
// (aggregated-api.md §3.4): resource requests under /apis/<group>/<version>/..., everything else is a
// non-resource request on its path.
#include <string>

#include "server/auth/user_info.hpp"
#include "server/http/router.hpp"

namespace fedmetrics::auth {

struct RequestAttributes {
  UserInfo user;
  std::string verb;               ///< get, list, ... (resource) or the lower-cased HTTP method (non-resource)
  bool resource_request = false;
  std::string path;               ///< non-resource requests
  std::string namespace_;
  std::string api_group;
  std::string api_version;
  std::string resource;           ///< "pods", "deployments.apps", "metrics", an external metric name
  std::string subresource;        ///< the custom metric name
  std::string name;               ///< "*" for selector reads
  bool operator==(const RequestAttributes&) const = default;
};

/// Pure: attributes of `method` on the decoded `target` (user left empty).
RequestAttributes request_attributes(const std::string& method, const http::Target& target);

}  // namespace fedmetrics::auth
