#pragma once
// Trust material from the control plane's kube-system/extension-apiserver-authentication ConfigMap, as
// k8s.io/apiserver's DelegatingAuthenticationOptions reads it (aggregated-api.md §3.1): the client CA and
// the front-proxy CA, allowed names and header names, for whatever the flags did not set.
#include <string>
#include <vector>

#include "clients/base/clock.hpp"
#include "clients/base/result.hpp"
#include "server/app/config.hpp"

namespace fedmetrics::app {

struct AuthenticationConfigMap {
  std::string client_ca_pem;         ///< client-ca-file
  std::string requestheader_ca_pem;  ///< requestheader-client-ca-file
  std::vector<std::string> allowed_names;
  std::vector<std::string> username_headers;
  std::vector<std::string> group_headers;
  std::vector<std::string> extra_headers_prefix;
  std::vector<std::string> uid_headers;
};

/// Decodes the ConfigMap's data (the requestheader-* values are JSON arrays in strings).
/// Errors: ProtocolError naming the key.
Result<AuthenticationConfigMap> decode_authentication_config_map(const std::string& configmap_json);

/// Reads the ConfigMap through `kubeconfig` (blocking, bounded by `timeout`).
/// Errors: the client's (NotFound, Forbidden, Unavailable, ...) or the decoder's.
Result<AuthenticationConfigMap> fetch_authentication_config_map(const std::string& kubeconfig, const Clock& clock,
                                                                std::chrono::milliseconds timeout);

/// Applies what the flags left unset, upstream's rule: the client CA when --client-ca-file is empty; the
/// requestheader CA, allowed names and headers when --requestheader-client-ca-file is empty. CA bundles are
/// written under `<cert-dir>/extension-apiserver-authentication/`. Errors: InvalidArgument (unwritable).
Result<void> apply_authentication_config_map(const AuthenticationConfigMap& found, Config& config);

}  // namespace fedmetrics::app
