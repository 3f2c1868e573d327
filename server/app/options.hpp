#pragma once
// Command-line flags (kube-style names) → Options → validate() → an immutable Config.
// CLI11 lives only in options.cpp.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/app/config.hpp"

namespace fedmetrics::app {

/// Flag values as typed by the user (durations still strings), with kube defaults.
struct Options {
  std::string bind_address = "0.0.0.0";
  int secure_port = 443;  ///< the generic apiserver's (and karmada-metrics-adapter's) default
  std::string cert_dir = "apiserver.local.config/certificates";
  std::string tls_cert_file;
  std::string tls_private_key_file;
  std::string tls_min_version = "VersionTLS12";
  std::vector<std::string> tls_cipher_suites;
  std::string tls_reload_interval = "10s";
  std::vector<std::string> self_signed_cert_names;
  bool permit_port_sharing = false;
  std::string client_ca_file;
  std::string requestheader_client_ca_file;
  std::vector<std::string> requestheader_allowed_names;
  std::vector<std::string> requestheader_username_headers{"X-Remote-User"};
  std::vector<std::string> requestheader_group_headers{"X-Remote-Group"};
  std::vector<std::string> requestheader_extra_headers_prefix{"X-Remote-Extra-"};
  std::vector<std::string> requestheader_uid_headers;
  bool anonymous_auth = true;
  std::string authentication_kubeconfig;
  bool authentication_skip_lookup = false;
  bool authentication_tolerate_lookup_failure = false;
  std::string authorization_kubeconfig;
  std::string authentication_token_webhook_cache_ttl = "10s";
  std::string authorization_webhook_cache_authorized_ttl = "10s";
  std::string authorization_webhook_cache_unauthorized_ttl = "10s";
  std::vector<std::string> authorization_always_allow_paths{"/healthz", "/readyz", "/livez"};

  int threads = 0;  ///< 0 = one per core
  std::string shutdown_grace_period = "10s";
  std::string tls_handshake_timeout = "10s";
  std::string request_read_timeout = "10s";
  std::string idle_timeout = "90s";
  std::int64_t max_request_header_bytes = 64 * 1024;
  std::int64_t max_request_body_bytes = 1024 * 1024;
  std::int64_t max_buffered_request_bytes = 64 * 1024 * 1024;
  std::int64_t max_connections = 10000;
  int max_requests_inflight = 400;  ///< kube's default; 0 = no limit

  int verbosity = 0;
  std::string logging_format = "text";
  std::string vmodule;  ///< "pattern=N,..." per-file verbosity (klog)

  std::string audit_log_path;
  std::string audit_policy_file;
  int audit_log_maxage = 0;
  int audit_log_maxbackup = 0;
  int audit_log_maxsize = 0;

  // The reference's own flags (karmada-metrics-adapter options.go).
  std::string metrics_bind_address = ":8080";  ///< plain-HTTP /metrics; "0" disables
  bool metrics_bind_address_given = false;     ///< set on the command line (then failing to bind is fatal)
  double kube_api_qps = 40;                    ///< the control-plane client's rate limit
  int kube_api_burst = 60;
  double cluster_api_qps = 40;                 ///< each member's rate limit, shared by its clients
  int cluster_api_burst = 60;

  bool leader_elect = false;
  std::string leader_elect_lease_duration = "15s";
  std::string leader_elect_renew_deadline = "10s";
  std::string leader_elect_retry_period = "2s";
  std::string leader_elect_resource_name = "fedmetrics-adapter";
  std::string leader_elect_resource_namespace = "karmada-system";

  std::string metrics_file;
  std::string members_config;
  std::string members;     ///< "", "static" or "karmada" ("" = static with --members-config, else karmada with --kubeconfig)
  std::string kubeconfig;  ///< the Karmada control plane (Cluster objects and their Secrets)
  std::string members_reload_interval = "5s";
  std::string member_timeout = "5s";
  std::string request_timeout = "30s";
  std::string metrics_cache_ttl = "0s";
  std::string discovery_refresh_interval = "60s";
  std::int64_t member_max_in_flight = 64;

  // The embedded FederatedHPA loop (kube-controller-manager / karmada-controller-manager flag names).
  bool enable_federatedhpa_controller = false;
  std::string hpa_sync_period = "15s";
  double hpa_tolerance = 0.1;
  std::string hpa_cpu_initialization_period = "5m";
  std::string hpa_initial_readiness_delay = "30s";
  std::string hpa_downscale_stabilization = "5m";
  int concurrent_hpa_syncs = 5;
  std::string federatedhpa_profile = "fedmetrics";
};

/// Validates every field and reports every problem at once (one message each).
std::vector<std::string> validate(const Options& options, Config& config);

/// `explain NAMESPACE/NAME [-o text|json]`: one FederatedHPA, evaluated as the loop would now.
struct ExplainRequest {
  std::string namespace_name;  ///< from NAMESPACE/NAME, or -n/--namespace with a bare NAME ("default")
  std::string name;
  bool json = false;           ///< -o json: {"scenario", "decision"}
  std::string program = "fedmetrics-adapter";  ///< how the user called us: "kubectl fedmetrics" as a plugin
};

/// What the command line asked for.
struct Invocation {
  enum class Kind { Serve, Simulate, Explain, Exit } kind = Kind::Serve;
  int exit_code = 0;            ///< for Exit: 0 after --help/--version, 2 after a bad flag
  Config config;                ///< for Serve and Explain (explain takes the server's flags)
  std::string scenario_file;    ///< for Simulate ("-" = stdin)
  ExplainRequest explain;       ///< for Explain
};

/// True when argv[0]'s file name is `kubectl-fedmetrics` (installed as a kubectl plugin, a symlink to
/// fedmetrics-adapter): then `kubectl fedmetrics explain ns/name` runs `explain`, and no subcommand prints
/// the usage instead of starting a server.
bool is_kubectl_plugin(const char* argv0);

/// The kubeconfig `explain` uses when --kubeconfig is not given, as kubectl finds it: the first existing
/// file of $KUBECONFIG (a ':'-separated list), else ~/.kube/config if it exists, else "" (in-cluster).
std::string default_kubeconfig(const char* kubeconfig_env, const char* home_env);

/// Parses argv and initializes the logger (--logging-format, --v, --vmodule; text when those are bad).
/// Prints --help/--version output to stdout; flag errors go through the logger (one error line each,
/// `err` naming the flag) followed by a plain usage hint. The caller only acts on the returned Invocation.
Invocation parse_command_line(int argc, const char* const* argv);

}  // namespace fedmetrics::app
