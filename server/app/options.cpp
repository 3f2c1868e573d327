#include "server/app/options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "clients/base/log.hpp"
#include "server/app/duration.hpp"
#include "server/app/leadership.hpp"
#include "server/app/version.hpp"
#include "server/http/tls_server_context.hpp"

namespace fedmetrics::app {
namespace {

void check_duration(const std::string& flag, const std::string& text, std::chrono::milliseconds& out,
                    std::vector<std::string>& problems, bool allow_zero = true) {
  auto d = parse_duration(text);
  if (!d) {
    problems.push_back("--" + flag + ": " + d.error().message);
  } else if (!allow_zero && d->count() == 0) {
    problems.push_back("--" + flag + ": must be greater than 0");
  } else {
    out = *d;
  }
}

void check_readable(const std::string& flag, const std::string& path, std::vector<std::string>& problems) {
  if (path.empty()) return;
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    problems.push_back("--" + flag + ": cannot read " + path);
  } else {
    std::fclose(f);
  }
}

/// --logging-format as typed, for errors found before the flags are parsed.
log::Format requested_format(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--logging-format=json" || (a == "--logging-format" && i + 1 < argc && std::string_view(argv[i + 1]) == "json")) {
      return log::Format::Json;
    }
  }
  return log::Format::Text;
}

void add_serve_flags(CLI::App& app, Options& o) {
  app.add_option("--bind-address", o.bind_address,
                 "The IP address on which to listen for the --secure-port port.")
      ->capture_default_str();
  app.add_option("--secure-port", o.secure_port, "The port on which to serve HTTPS (0 = any free port).")
      ->capture_default_str();
  app.add_option("--cert-dir", o.cert_dir,
                 "The directory where a self-signed certificate is written when --tls-cert-file is not given.")
      ->capture_default_str();
  app.add_option("--tls-cert-file", o.tls_cert_file,
                 "File containing the default x509 certificate for HTTPS (CA certificates, if any, after it).");
  app.add_option("--tls-private-key-file", o.tls_private_key_file,
                 "File containing the default x509 private key matching --tls-cert-file.");
  app.add_option("--tls-min-version", o.tls_min_version, "Minimum TLS version: VersionTLS12, VersionTLS13.")
      ->capture_default_str();
  app.add_option("--tls-cipher-suites", o.tls_cipher_suites,
                 "Comma-separated cipher suites (Go/kube names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); "
                 "default: ECDHE with AES-GCM or ChaCha20.")
      ->delimiter(',');
  app.add_option("--tls-reload-interval", o.tls_reload_interval,
                 "How often certificate, key and CA files are checked for changes and reloaded.")
      ->capture_default_str();
  app.add_option("--self-signed-cert-names", o.self_signed_cert_names,
                 "Extra DNS names or IPs for the self-signed certificate, e.g. the APIService Service name "
                 "fedmetrics.karmada-system.svc (localhost, 127.0.0.1 and --bind-address are always included).")
      ->delimiter(',');
  app.add_option("--client-ca-file", o.client_ca_file,
                 "Client certificates signed by one of these CAs authenticate as their CommonName.");
  app.add_option("--requestheader-client-ca-file", o.requestheader_client_ca_file,
                 "Root certificate bundle used to verify front-proxy (aggregator) client certificates.");
  app.add_option("--requestheader-allowed-names", o.requestheader_allowed_names,
                 "Common names allowed for front-proxy client certificates (empty: any from the CA).")
      ->delimiter(',');
  app.add_option("--requestheader-username-headers", o.requestheader_username_headers,
                 "Request headers to inspect for the user name (front proxy only).")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--requestheader-group-headers", o.requestheader_group_headers,
                 "Request headers to inspect for groups (front proxy only).")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--requestheader-extra-headers-prefix", o.requestheader_extra_headers_prefix,
                 "Request header prefixes to inspect for extra user information (front proxy only).")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--requestheader-uid-headers", o.requestheader_uid_headers,
                 "Request headers to inspect for the user UID (front proxy only).")
      ->delimiter(',');
  app.add_option("--anonymous-auth", o.anonymous_auth,
                 "Serve requests without credentials as system:anonymous (only always-allowed paths pass).")
      ->capture_default_str();
  app.add_option("--authentication-kubeconfig", o.authentication_kubeconfig,
                 "kubeconfig of the control plane that reviews bearer tokens (TokenReview).");
  app.add_option("--authentication-skip-lookup", o.authentication_skip_lookup,
                 "Do not read missing client and front-proxy CAs from kube-system/extension-apiserver-authentication "
                 "through --authentication-kubeconfig.")
      ->capture_default_str();
  app.add_option("--authentication-tolerate-lookup-failure", o.authentication_tolerate_lookup_failure,
                 "Start even when that lookup fails (requests then may be anonymous).")
      ->capture_default_str();
  app.add_option("--authorization-kubeconfig", o.authorization_kubeconfig,
                 "kubeconfig of the control plane that authorizes requests (SubjectAccessReview).");
  app.add_option("--authentication-token-webhook-cache-ttl", o.authentication_token_webhook_cache_ttl,
                 "How long token review results are cached.")
      ->capture_default_str();
  app.add_option("--authorization-webhook-cache-authorized-ttl", o.authorization_webhook_cache_authorized_ttl,
                 "How long 'authorized' answers are cached.")
      ->capture_default_str();
  app.add_option("--authorization-webhook-cache-unauthorized-ttl", o.authorization_webhook_cache_unauthorized_ttl,
                 "How long 'unauthorized' answers are cached.")
      ->capture_default_str();
  app.add_option("--authorization-always-allow-paths", o.authorization_always_allow_paths,
                 "Paths everyone may read without authorization (a trailing * makes a prefix).")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Worker threads serving requests (0 = one per CPU core).")
      ->capture_default_str();
  app.add_option("--shutdown-grace-period", o.shutdown_grace_period,
                 "On SIGTERM/SIGINT, how long requests in flight may take to finish before connections are closed.")
      ->capture_default_str();
  app.add_option("--tls-handshake-timeout", o.tls_handshake_timeout, "Time limit for a client's TLS handshake.")
      ->capture_default_str();
  app.add_option("--request-read-timeout", o.request_read_timeout,
                 "Time limit for reading a whole request once its first byte arrived.")
      ->capture_default_str();
  app.add_option("--idle-timeout", o.idle_timeout, "How long a keep-alive connection may wait for its next request.")
      ->capture_default_str();
  app.add_option("--max-request-header-bytes", o.max_request_header_bytes,
                 "Largest request line plus headers accepted; larger requests get 431.")
      ->capture_default_str();
  app.add_option("--max-request-body-bytes", o.max_request_body_bytes,
                 "Largest request body accepted; larger requests get 413.")
      ->capture_default_str();
  app.add_option("--max-connections", o.max_connections, "Most simultaneous client connections.")
      ->capture_default_str();
  app.add_option("-v,--v", o.verbosity, "Number for the log level verbosity.")->capture_default_str();
  app.add_option("--logging-format", o.logging_format,
                 "Log format: text (klog's) or json (component-base's: ts, caller, msg, v, err).")
      ->capture_default_str();
  app.add_option("--vmodule", o.vmodule,
                 "Comma-separated pattern=N settings for file-filtered logging: files whose base name (without "
                 "extension) matches the glob pattern log at verbosity N, e.g. controller=4,fan_*=3.");
  app.add_option("--leader-elect", o.leader_elect,
                 "Elect a leader among replicas with a Lease on the --kubeconfig control plane; only the leader "
                 "runs the FederatedHPA loop (API serving runs on every replica).")
      ->capture_default_str();
  app.add_option("--leader-elect-lease-duration", o.leader_elect_lease_duration,
                 "How long a non-leader waits after the last renewal before taking over.")
      ->capture_default_str();
  app.add_option("--leader-elect-renew-deadline", o.leader_elect_renew_deadline,
                 "How long the leader keeps trying to renew before it stops leading.")
      ->capture_default_str();
  app.add_option("--leader-elect-retry-period", o.leader_elect_retry_period,
                 "How often candidates try to acquire and the leader renews.")
      ->capture_default_str();
  app.add_option("--leader-elect-resource-name", o.leader_elect_resource_name, "Name of the Lease.")
      ->capture_default_str();
  app.add_option("--leader-elect-resource-namespace", o.leader_elect_resource_namespace, "Namespace of the Lease.")
      ->capture_default_str();
  app.add_option("--audit-log-path", o.audit_log_path,
                 "Append one JSON line per request (user, verb, path, code, latency, members) to this file; - for stdout.");
  app.add_option("--metrics-file", o.metrics_file,
                 "Serve metrics from this JSON file instead of member clusters (see docs/flags.md).");
  app.add_option("--members-config", o.members_config,
                 "YAML file listing the member clusters to fan out to; reloaded when it changes.");
  app.add_option("--members", o.members,
                 "Where member clusters come from: static (--members-config) or karmada (Ready Cluster objects "
                 "of the --kubeconfig control plane and their Secrets). Default: static with --members-config, "
                 "else karmada with --kubeconfig.");
  app.add_option("--kubeconfig", o.kubeconfig,
                 "kubeconfig of the Karmada control plane for --members=karmada (empty: in-cluster config).");
  app.add_option("--members-reload-interval", o.members_reload_interval,
                 "How often --members-config is checked for changes; with --members=karmada, the longest a "
                 "Cluster or Secret change takes to reach the member set (watch window, whole seconds).")
      ->capture_default_str();
  app.add_option("--member-timeout", o.member_timeout, "Deadline for one member's answer to one request.")
      ->capture_default_str();
  app.add_option("--request-timeout", o.request_timeout, "Overall deadline for answering one metrics request.")
      ->capture_default_str();
  app.add_option("--metrics-cache-ttl", o.metrics_cache_ttl,
                 "Reuse a merged answer for this long (0s = off).")
      ->capture_default_str();
  app.add_option("--discovery-refresh-interval", o.discovery_refresh_interval,
                 "How often the members' metric lists are re-read for discovery.")
      ->capture_default_str();
  app.add_option("--member-max-in-flight", o.member_max_in_flight,
                 "Members one request calls at the same time; the next member is called as soon as one answers.");
  app.add_option("--enable-federatedhpa-controller", o.enable_federatedhpa_controller,
                 "Run the embedded FederatedHPA loop on the --kubeconfig control plane (disable Karmada's own "
                 "federatedHorizontalPodAutoscaler controller then). Only the leader evaluates with --leader-elect.");
  app.add_option("--horizontal-pod-autoscaler-sync-period", o.hpa_sync_period,
                 "How often every FederatedHPA is evaluated.");
  app.add_option("--horizontal-pod-autoscaler-tolerance", o.hpa_tolerance,
                 "Minimum change (from 1.0) in the desired-to-actual metrics ratio before scaling.");
  app.add_option("--horizontal-pod-autoscaler-cpu-initialization-period", o.hpa_cpu_initialization_period,
                 "Period after pod start when CPU samples may be skipped.");
  app.add_option("--horizontal-pod-autoscaler-initial-readiness-delay", o.hpa_initial_readiness_delay,
                 "Period after pod start during which readiness changes are treated as initial readiness.");
  app.add_option("--horizontal-pod-autoscaler-downscale-stabilization", o.hpa_downscale_stabilization,
                 "Period for which scale-down recommendations are looked back at (default scaleDown window).");
  app.add_option("--concurrent-horizontal-pod-autoscaler-syncs", o.concurrent_hpa_syncs,
                 "FederatedHPAs evaluated at the same time.");
  app.add_option("--federatedhpa-profile", o.federatedhpa_profile,
                 "Decision rules: fedmetrics (default), kube (newest kube-controller-manager) or karmada "
                 "(Karmada's controller, quirks included); see docs/federatedhpa.md.");
}

}  // namespace

std::vector<std::string> validate(const Options& o, Config& c) {
  std::vector<std::string> problems;
  c.bind_address = o.bind_address;
  if (o.bind_address.empty()) problems.push_back("--bind-address: must not be empty");
  if (o.secure_port < 0 || o.secure_port > 65535) {
    problems.push_back("--secure-port: " + std::to_string(o.secure_port) + " is not in 0-65535");
  } else {
    c.secure_port = static_cast<std::uint16_t>(o.secure_port);
  }
  c.cert_dir = o.cert_dir;
  if (o.tls_cert_file.empty() != o.tls_private_key_file.empty()) {
    problems.push_back("--tls-cert-file and --tls-private-key-file must be given together");
  }
  check_readable("tls-cert-file", o.tls_cert_file, problems);
  check_readable("tls-private-key-file", o.tls_private_key_file, problems);
  c.tls_cert_file = o.tls_cert_file;
  c.tls_private_key_file = o.tls_private_key_file;
  if (o.tls_min_version != "VersionTLS12" && o.tls_min_version != "VersionTLS13") {
    problems.push_back("--tls-min-version: \"" + o.tls_min_version + "\" is not one of VersionTLS12, VersionTLS13");
  }
  c.tls_min_version = o.tls_min_version;
  if (auto lists = http::openssl_cipher_lists(o.tls_cipher_suites); !lists) {
    problems.push_back(lists.error().message);
  }
  c.tls_cipher_suites = o.tls_cipher_suites;
  check_duration("tls-reload-interval", o.tls_reload_interval, c.tls_reload_interval, problems, false);
  c.self_signed_cert_names = o.self_signed_cert_names;
  check_readable("client-ca-file", o.client_ca_file, problems);
  check_readable("requestheader-client-ca-file", o.requestheader_client_ca_file, problems);
  c.client_ca_file = o.client_ca_file;
  c.requestheader_client_ca_file = o.requestheader_client_ca_file;
  c.auth.x509_enabled = !o.client_ca_file.empty();
  c.auth.request_header_enabled = !o.requestheader_client_ca_file.empty();
  c.auth.request_header = {o.requestheader_allowed_names, o.requestheader_username_headers,
                           o.requestheader_uid_headers, o.requestheader_group_headers,
                           o.requestheader_extra_headers_prefix};
  if (c.auth.request_header_enabled && o.requestheader_username_headers.empty()) {
    problems.push_back("--requestheader-username-headers: must not be empty with --requestheader-client-ca-file");
  }
  c.auth.anonymous = o.anonymous_auth;
  check_readable("authentication-kubeconfig", o.authentication_kubeconfig, problems);
  check_readable("authorization-kubeconfig", o.authorization_kubeconfig, problems);
  c.authentication_kubeconfig = o.authentication_kubeconfig;
  c.authentication_skip_lookup = o.authentication_skip_lookup;
  c.authentication_tolerate_lookup_failure = o.authentication_tolerate_lookup_failure;
  c.authorization_kubeconfig = o.authorization_kubeconfig;
  check_duration("authentication-token-webhook-cache-ttl", o.authentication_token_webhook_cache_ttl,
                 c.token_cache_ttl, problems);
  check_duration("authorization-webhook-cache-authorized-ttl", o.authorization_webhook_cache_authorized_ttl,
                 c.authorized_ttl, problems);
  check_duration("authorization-webhook-cache-unauthorized-ttl", o.authorization_webhook_cache_unauthorized_ttl,
                 c.unauthorized_ttl, problems);
  c.auth.always_allow_paths = o.authorization_always_allow_paths;
  for (const auto& p : o.authorization_always_allow_paths) {
    if (p.empty() || p.front() != '/') {
      problems.push_back("--authorization-always-allow-paths: \"" + p + "\" must start with /");
    }
  }

  if (o.threads < 0 || o.threads > 1024) {
    problems.push_back("--threads: must be between 0 and 1024");
  } else {
    c.threads = o.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : static_cast<unsigned>(o.threads);
  }
  check_duration("shutdown-grace-period", o.shutdown_grace_period, c.shutdown_grace_period, problems);
  check_duration("tls-handshake-timeout", o.tls_handshake_timeout, c.tls_handshake_timeout, problems, false);
  check_duration("request-read-timeout", o.request_read_timeout, c.request_read_timeout, problems, false);
  check_duration("idle-timeout", o.idle_timeout, c.idle_timeout, problems, false);
  auto positive = [&](const char* flag, std::int64_t v, std::int64_t max, std::size_t& out) {
    if (v <= 0 || v > max) {
      problems.push_back(std::string("--") + flag + ": must be between 1 and " + std::to_string(max));
    } else {
      out = static_cast<std::size_t>(v);
    }
  };
  positive("max-request-header-bytes", o.max_request_header_bytes, 16 << 20, c.max_request_header_bytes);
  positive("max-request-body-bytes", o.max_request_body_bytes, 64 << 20, c.max_request_body_bytes);
  positive("max-connections", o.max_connections, 1 << 20, c.max_connections);
  positive("member-max-in-flight", o.member_max_in_flight, 100'000, c.member_max_in_flight);

  if (o.verbosity < 0 || o.verbosity > 10) problems.push_back("--v: must be between 0 and 10");
  c.verbosity = o.verbosity;
  if (o.logging_format == "text") {
    c.logging_format = log::Format::Text;
  } else if (o.logging_format == "json") {
    c.logging_format = log::Format::Json;
  } else {
    problems.push_back("--logging-format: \"" + o.logging_format + "\" is not one of text, json");
  }
  std::string vmodule_error;
  c.vmodule = log::parse_vmodule(o.vmodule, vmodule_error);
  if (!vmodule_error.empty()) problems.push_back("--vmodule: " + vmodule_error);

  c.audit_log_path = o.audit_log_path;
  c.leader_elect = o.leader_elect;
  c.leader_election.lease_name = o.leader_elect_resource_name;
  c.leader_election.lease_namespace = o.leader_elect_resource_namespace;
  c.leader_election.identity = Leadership::default_identity();
  check_duration("leader-elect-lease-duration", o.leader_elect_lease_duration, c.leader_election.lease_duration,
                 problems, false);
  check_duration("leader-elect-renew-deadline", o.leader_elect_renew_deadline, c.leader_election.renew_deadline,
                 problems, false);
  check_duration("leader-elect-retry-period", o.leader_elect_retry_period, c.leader_election.retry_period, problems,
                 false);
  if (o.leader_elect) {
    if (auto valid = kube::validate(c.leader_election); !valid) problems.push_back(valid.error().message);
  }
  if (!o.metrics_file.empty() && !o.members_config.empty()) {
    problems.push_back("--metrics-file and --members-config cannot be used together");
  }
  check_readable("metrics-file", o.metrics_file, problems);
  check_readable("members-config", o.members_config, problems);
  c.metrics_file = o.metrics_file;
  c.members_config = o.members_config;
  check_readable("kubeconfig", o.kubeconfig, problems);
  c.kubeconfig = o.kubeconfig;
  using Source = Config::MembersSource;
  if (o.members.empty()) {
    c.members_source = !o.members_config.empty()                          ? Source::Static
                       : !o.kubeconfig.empty() && o.metrics_file.empty() ? Source::Karmada
                                                                          : Source::None;
  } else if (o.members == "static") {
    if (o.members_config.empty()) problems.push_back("--members=static needs --members-config");
    c.members_source = Source::Static;
  } else if (o.members == "karmada") {
    if (!o.members_config.empty()) problems.push_back("--members=karmada cannot be used with --members-config");
    if (!o.metrics_file.empty()) problems.push_back("--members=karmada cannot be used with --metrics-file");
    c.members_source = Source::Karmada;
  } else {
    problems.push_back("--members: \"" + o.members + "\" is not one of static, karmada");
  }
  check_duration("members-reload-interval", o.members_reload_interval, c.members_reload_interval, problems, false);
  check_duration("member-timeout", o.member_timeout, c.member_timeout, problems, false);
  check_duration("request-timeout", o.request_timeout, c.request_timeout, problems, false);
  check_duration("metrics-cache-ttl", o.metrics_cache_ttl, c.metrics_cache_ttl, problems);
  check_duration("discovery-refresh-interval", o.discovery_refresh_interval, c.discovery_refresh_interval, problems,
                 false);
  c.federatedhpa_controller = o.enable_federatedhpa_controller;
  if (o.enable_federatedhpa_controller && c.members_source == Source::None) {
    problems.push_back("--enable-federatedhpa-controller needs member clusters (--members-config or --members=karmada)");
  }
  auto& f = c.federatedhpa;
  if (o.federatedhpa_profile == "fedmetrics") {
    f.decision = autoscaler::profile_defaults(autoscaler::Profile::Fedmetrics);
  } else if (o.federatedhpa_profile == "kube") {
    f.decision = autoscaler::profile_defaults(autoscaler::Profile::Kube);
  } else if (o.federatedhpa_profile == "karmada") {
    f.decision = autoscaler::profile_defaults(autoscaler::Profile::Karmada);
  } else {
    problems.push_back("--federatedhpa-profile: \"" + o.federatedhpa_profile + "\" is not one of fedmetrics, kube, karmada");
  }
  check_duration("horizontal-pod-autoscaler-sync-period", o.hpa_sync_period, f.sync_period, problems, false);
  if (!(o.hpa_tolerance >= 0 && o.hpa_tolerance < 1e6)) {
    problems.push_back("--horizontal-pod-autoscaler-tolerance: must be a non-negative number");
  } else {
    f.decision.tolerance = o.hpa_tolerance;
  }
  // The decision options keep durations as milliseconds counts (autoscaler::Millis).
  auto millis = [&](const char* flag, const std::string& text, autoscaler::Millis& out) {
    std::chrono::milliseconds d{out};
    check_duration(flag, text, d, problems);
    out = d.count();
  };
  millis("horizontal-pod-autoscaler-cpu-initialization-period", o.hpa_cpu_initialization_period,
         f.decision.cpu_initialization_period);
  millis("horizontal-pod-autoscaler-initial-readiness-delay", o.hpa_initial_readiness_delay,
         f.decision.initial_readiness_delay);
  millis("horizontal-pod-autoscaler-downscale-stabilization", o.hpa_downscale_stabilization,
         f.decision.downscale_stabilization_window);
  if (o.concurrent_hpa_syncs < 1 || o.concurrent_hpa_syncs > 1000) {
    problems.push_back("--concurrent-horizontal-pod-autoscaler-syncs: must be between 1 and 1000");
  } else {
    f.workers = static_cast<unsigned>(o.concurrent_hpa_syncs);
  }
  f.reporting_instance = c.leader_election.identity;
  if (c.member_timeout > c.request_timeout) {
    problems.push_back("--member-timeout must not be longer than --request-timeout");
  }
  return problems;
}

Invocation parse_command_line(int argc, const char* const* argv) {
  Options options;
  CLI::App app{"fedmetrics-adapter: the custom/external metrics API of a Karmada federation, served from every "
               "member cluster at once, with an embedded FederatedHPA loop.",
               "fedmetrics-adapter"};
  app.option_defaults()->always_capture_default();
  add_serve_flags(app, options);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print version information and quit.");

  std::string scenario;
  CLI::App* simulate = app.add_subcommand(
      "simulate", "Print the FederatedHPA decisions for scenarios (docs/simulate.md), and the executions of "
                  "CronFederatedHPA rules for scenarios with a \"cron\" key (docs/cron.md); one JSON line each.");
  simulate->add_option("--scenario", scenario, "Scenario file (a JSON object or JSON Lines); - for stdin.")
      ->required();

  Invocation inv;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    inv.kind = Invocation::Kind::Exit;
    return inv;
  } catch (const CLI::ParseError& e) {
    // Before the flags are known, the logger keeps its defaults unless --logging-format=json was given.
    log::init(requested_format(argc, argv), 0);
    log::error("invalid command line", {{"err", e.what()}});
    std::cerr << "Run 'fedmetrics-adapter --help' for usage.\n";
    inv.kind = Invocation::Kind::Exit;
    inv.exit_code = 2;
    return inv;
  }
  if (show_version) {
    std::cout << "fedmetrics-adapter " << version_info().git_version << " (" << version_info().git_commit << ")\n";
    inv.kind = Invocation::Kind::Exit;
    return inv;
  }
  if (simulate->parsed()) {
    inv.kind = Invocation::Kind::Simulate;
    inv.scenario_file = scenario;
    return inv;
  }
  const auto problems = validate(options, inv.config);
  log::init(inv.config.logging_format, inv.config.verbosity, inv.config.vmodule);
  if (!problems.empty()) {
    for (const auto& p : problems) log::error("invalid flag", {{"err", p}});
    inv.kind = Invocation::Kind::Exit;
    inv.exit_code = 2;
  }
  return inv;
}

}  // namespace fedmetrics::app
