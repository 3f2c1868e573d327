#pragma once
// The validated, immutable configuration the Application is built from.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clients/base/log.hpp"
#include "aggregation/fhpa/controller.hpp"
#include "clients/kube/leader_election.hpp"
#include "server/api/audit_log.hpp"
#include "server/auth/gate.hpp"

namespace fedmetrics::app {

struct Config {
  std::string bind_address;
  std::uint16_t secure_port = 443;
  std::string cert_dir;
  std::string tls_cert_file;         ///< empty → self-signed in cert_dir
  std::string tls_private_key_file;
  std::string tls_min_version;
  std::vector<std::string> tls_cipher_suites;
  std::chrono::milliseconds tls_reload_interval{10'000};
  std::vector<std::string> self_signed_cert_names;
  bool permit_port_sharing = false;  ///< SO_REUSEPORT on the secure port
  std::string client_ca_file;
  std::string requestheader_client_ca_file;
  auth::GateConfig auth;
  std::string authentication_kubeconfig;   ///< TokenReview target; empty: bearer tokens are not accepted
  bool authentication_skip_lookup = false;  ///< do not read kube-system/extension-apiserver-authentication
  bool authentication_tolerate_lookup_failure = false;
  std::string authorization_kubeconfig;    ///< SubjectAccessReview target; empty: only system:masters and
                                           ///< the always-allowed paths pass
  std::chrono::milliseconds token_cache_ttl{10'000};
  std::chrono::milliseconds authorized_ttl{10'000};
  std::chrono::milliseconds unauthorized_ttl{10'000};

  unsigned threads = 1;
  std::chrono::milliseconds shutdown_grace_period{10'000};
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  std::chrono::milliseconds request_read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{90'000};
  std::size_t max_request_header_bytes = 64 * 1024;
  std::size_t max_request_body_bytes = 1024 * 1024;
  std::size_t max_buffered_request_bytes = 64 * 1024 * 1024;
  std::size_t max_connections = 10000;
  std::size_t max_requests_inflight = 400;  ///< 0 = no limit

  int verbosity = 0;
  log::Format logging_format = log::Format::Text;
  std::vector<log::VmoduleRule> vmodule;  ///< --vmodule

  std::string audit_log_path;   ///< empty: no audit log; "-": stdout
  api::AuditPolicy audit_policy = api::default_audit_policy();  ///< --audit-policy-file, read at validation
  api::AuditLogRotation audit_rotation;

  /// The plain-HTTP /metrics listener (--metrics-bind-address), as the reference serves it.
  struct MetricsListener {
    std::string host;         ///< an IP address
    std::uint16_t port = 0;   ///< 0 = any free port
    bool required = false;    ///< given on the command line: failing to bind is fatal (else a warning)
  };
  std::optional<MetricsListener> metrics_listener;  ///< none: --metrics-bind-address=0
  double kube_api_qps = 40;     ///< client-side limit towards the --kubeconfig control plane (<= 0: none)
  int kube_api_burst = 60;
  double cluster_api_qps = 40;  ///< client-side limit towards each member, shared by its clients (<= 0: none)
  int cluster_api_burst = 60;
  /// Flags of the reference that the command line set but that have no effect here (warned at startup).
  std::vector<std::string> no_effect_flags;

  std::string metrics_file;     ///< static provider fixture (no members)
  std::string members_config;   ///< static members YAML
  /// Where member clusters come from: none, --members-config, or the Karmada control plane's Cluster objects.
  enum class MembersSource { None, Static, Karmada } members_source = MembersSource::None;
  std::string kubeconfig;       ///< control plane (Karmada apiserver) for MembersSource::Karmada; empty: in-cluster
  std::chrono::milliseconds members_reload_interval{5'000};
  bool leader_elect = false;
  kube::LeaderElectionConfig leader_election;
  std::chrono::milliseconds member_timeout{5'000};
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds metrics_cache_ttl{0};
  std::chrono::milliseconds discovery_refresh_interval{60'000};
  std::size_t member_max_in_flight = 64;  ///< members one request calls at once

  bool federatedhpa_controller = false;  ///< run the embedded FederatedHPA loop (needs the control plane)
  fhpa::ControllerOptions federatedhpa;
};

}  // namespace fedmetrics::app
