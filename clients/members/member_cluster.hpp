#pragma once
// One member cluster as fedmetrics is configured to reach it (the fields Karmada reads from a Cluster
// object and its Secret, karmada-reference.md §1.3), plus how to turn it into transport options.
#include <map>
#include <string>
#include <string_view>

#include "clients/base/result.hpp"
#include "clients/transport/https_client.hpp"

namespace fedmetrics::members {

/// Where the custom.metrics.k8s.io API of a member is served.
enum class MemberMode {
  ApiServer,  ///< the member's kube-apiserver, which proxies to its registered metrics adapter (APIService)
  Adapter,    ///< the member's prometheus-adapter endpoint itself, no aggregator in between
};

std::string_view to_string(MemberMode mode);  // "apiserver" / "adapter"

/// A member cluster's access configuration. Plain value: two equal values reach the member the same way,
/// which is what the client cache compares to decide whether a client can be reused.
struct MemberCluster {
  std::string name;      ///< unique, DNS-1123 label-like; appears in logs, metrics and warnings
  std::string endpoint;  ///< https://host[:port][/path-prefix]
  MemberMode mode = MemberMode::ApiServer;

  std::string ca_file;   ///< PEM bundle; ca_file and ca_data are exclusive
  std::string ca_data;   ///< PEM text (base64 of PEM is accepted in YAML and decoded on load)
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  ///< SNI and verified name; default: the endpoint host

  std::string token;       ///< bearer token
  std::string token_file;  ///< re-read when it changes; exclusive with token

  std::string client_cert_file;
  std::string client_cert_data;
  std::string client_key_file;
  std::string client_key_data;

  std::string proxy_url;                           ///< http://host:port (HTTP CONNECT), Karmada spec.proxyURL
  std::map<std::string, std::string> proxy_headers;  ///< Karmada spec.proxyHeader

  bool operator==(const MemberCluster&) const = default;
};

/// Transport options for `member` (endpoint parsed, credentials mapped).
/// Errors: InvalidArgument naming the member and the field.
[[nodiscard]] Result<transport::HttpsClientOptions> to_client_options(const MemberCluster& member);

}  // namespace fedmetrics::members
