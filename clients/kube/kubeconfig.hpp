#pragma once
// Where the control-plane (Karmada) apiserver is and how to authenticate to it: a kubeconfig file
// (clusters, contexts, users, current-context or --context) or, when no kubeconfig is given, the in-cluster
// service-account configuration. Parsing is strict and every problem names its file and field path, e.g.
// `kubeconfig /x: users[0].user.client-certificate-data: not base64`.
//
// Supported: server, certificate-authority(-data), insecure-skip-tls-verify, tls-server-name, proxy-url
// (http:// only: the transport tunnels with CONNECT), client-certificate(-data), client-key(-data), token,
// tokenFile, context namespace. Rejected with a precise error: exec and auth-provider plugins, basic auth
// (username/password), impersonation (as/as-groups), socks5/https proxies. `$KUBECONFIG` is not consulted.
#include <optional>
#include <string>

#include "clients/base/result.hpp"
#include "clients/transport/https_client.hpp"

namespace fedmetrics::kube {

/// The resolved connection parameters (client-go's rest.Config, reduced to what fedmetrics needs).
/// Paths are absolute (relative kubeconfig paths are resolved against the kubeconfig's directory);
/// *-data fields hold the decoded PEM.
struct RestConfig {
  std::string server;                  ///< "https://host:port[/prefix]"
  transport::PemSource ca;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  transport::PemSource client_cert;
  transport::PemSource client_key;
  std::string bearer_token;
  std::string bearer_token_file;       ///< re-read by the transport when it changes (rotated SA tokens)
  std::string proxy_url;
  std::string namespace_name = "default";  ///< context namespace, or the service account's namespace
  std::string source;                  ///< for messages: "kubeconfig /x context y" or "in-cluster"

  bool operator==(const RestConfig&) const = default;
};

/// Parses kubeconfig text. `path` is used in messages and to resolve relative file paths; `context`
/// overrides current-context when non-empty. Referenced files (CA, client cert/key, tokenFile) must exist.
/// Errors: InvalidArgument "kubeconfig <path>: <field>: <problem>".
[[nodiscard]] Result<RestConfig> parse_kubeconfig(std::string_view yaml_text, std::string path,
                                                  std::string context = {});
/// Reads and parses the file at `path` (as parse_kubeconfig). Errors: InvalidArgument (unreadable file too).
[[nodiscard]] Result<RestConfig> load_kubeconfig(std::string path, std::string context = {});

/// Inputs of the in-cluster configuration; the defaults are the real pod paths, tests override them.
struct InClusterSource {
  std::optional<std::string> service_host;  ///< KUBERNETES_SERVICE_HOST
  std::optional<std::string> service_port;  ///< KUBERNETES_SERVICE_PORT
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

  /// Host and port from the process environment, default paths.
  static InClusterSource from_environment();
};

/// rest.InClusterConfig: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the service-account CA
/// and token file (re-read on rotation), namespace from the namespace file ("default" if absent).
/// Errors: InvalidArgument when the env variables are unset (not in a pod) or the token/CA is missing.
[[nodiscard]] Result<RestConfig> load_in_cluster_config(const InClusterSource& source);

/// `--kubeconfig`/`--context` semantics: a non-empty path loads that file, otherwise the in-cluster config.
[[nodiscard]] Result<RestConfig> load_rest_config(std::string kubeconfig_path, std::string context,
                                                  const InClusterSource& in_cluster);

/// Transport options for `config` (endpoint parsed from `server`). Errors: InvalidArgument for a bad server URL.
[[nodiscard]] Result<transport::HttpsClientOptions> to_https_client_options(const RestConfig& config);

}  // namespace fedmetrics::kube
