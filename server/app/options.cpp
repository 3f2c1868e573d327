#include "server/app/options.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "clients/base/log.hpp"
#include "server/app/duration.hpp"
#include "server/app/flag_set.hpp"
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

/// "host:port", ":port" (all interfaces), "[v6]:port", or "0" (off), as Go's net.Listen takes it (the host
/// must be an IP address or localhost here).
Result<std::optional<Config::MetricsListener>> parse_metrics_bind_address(const std::string& text) {
  if (text == "0") return std::optional<Config::MetricsListener>{};
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return make_error(Errc::InvalidArgument, "\"" + text + "\" is not host:port or 0");
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec) return make_error(Errc::InvalidArgument, "\"" + host + "\" is not an IP address (or localhost)");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535) {
    return make_error(Errc::InvalidArgument, "\"" + port + "\" is not a port number");
  }
  return std::optional<Config::MetricsListener>{Config::MetricsListener{host, static_cast<std::uint16_t>(std::stoi(port)), false}};
}

// One function per --help section (kube's NamedFlagSets), in the order --help shows them. Flags of the
// reference keep its names, types, defaults and wording; docs/flags.md is generated from the result.

void add_secure_serving_flags(FlagSet f, Options& o) {
  f.string("--bind-address", o.bind_address,
           "The IP address on which to listen for the --secure-port port (0.0.0.0 or :: for all interfaces).", "ip");
  f.integer("--secure-port", o.secure_port, "The port on which to serve HTTPS with authentication and authorization "
                                            "(0 = any free port, printed on stdout).");
  f.string("--cert-dir", o.cert_dir,
           "The directory where the TLS certs are located. If --tls-cert-file and --tls-private-key-file are "
           "provided, this flag will be ignored.");
  f.string("--tls-cert-file", o.tls_cert_file,
           "File containing the default x509 Certificate for HTTPS. (CA cert, if any, concatenated after server "
           "cert). If neither this nor --tls-private-key-file is given, a self-signed certificate is generated "
           "in --cert-dir.");
  f.string("--tls-private-key-file", o.tls_private_key_file,
           "File containing the default x509 private key matching --tls-cert-file.");
  f.strings("--tls-cipher-suites", o.tls_cipher_suites,
            "Comma-separated list of cipher suites for the server (Go/kube names, e.g. "
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256). If omitted, ECDHE with AES-GCM or ChaCha20.");
  f.string("--tls-min-version", o.tls_min_version,
           "Minimum TLS version supported. Possible values: VersionTLS12, VersionTLS13 (VersionTLS10/11 are refused: "
           "OpenSSL 3 disables them).");
  f.duration("--tls-reload-interval", o.tls_reload_interval,
             "How often certificate, key and CA files are checked for changes and reloaded.");
  f.strings("--self-signed-cert-names", o.self_signed_cert_names,
            "Extra DNS names or IPs for the self-signed certificate, e.g. the APIService Service name "
            "fedmetrics-adapter.karmada-system.svc (localhost, 127.0.0.1 and --bind-address are always included).");
  f.boolean("--permit-port-sharing", o.permit_port_sharing,
            "If true, SO_REUSEPORT will be used when binding the port, which allows more than one instance to bind "
            "on the same address and port.");
  f.no_effect("--permit-address-sharing", "bool", "",
              "If true, SO_REUSEADDR will be used when binding the port.",
              "SO_REUSEADDR is always set, so sockets in TIME_WAIT never block a restart.");
  f.no_effect("--tls-sni-cert-key", "namedCertKey", "[]",
              "A pair of x509 certificate and private key file paths, optionally suffixed with a list of domain "
              "patterns (SNI certificates).",
              "one serving certificate (--tls-cert-file) answers every server name.");
  f.no_effect("--disable-http2-serving", "bool", "", "If true, HTTP2 serving will be disabled.",
              "HTTP/2 is never served (ALPN offers http/1.1 only), as if this were always true.");
  f.no_effect("--http2-max-streams-per-connection", "int", "",
              "The limit that the server gives to clients for the maximum number of streams in an HTTP/2 connection.",
              "HTTP/2 is never served.");
}

void add_authentication_flags(FlagSet f, Options& o) {
  f.string("--client-ca-file", o.client_ca_file,
           "If set, any request presenting a client certificate signed by one of the authorities in the "
           "client-ca-file is authenticated with an identity corresponding to the CommonName of the client "
           "certificate.");
  f.string("--requestheader-client-ca-file", o.requestheader_client_ca_file,
           "Root certificate bundle to use to verify client certificates on incoming requests before trusting "
           "usernames in headers specified by --requestheader-username-headers.");
  f.strings("--requestheader-allowed-names", o.requestheader_allowed_names,
            "List of client certificate common names to allow to provide usernames in headers specified by "
            "--requestheader-username-headers. If empty, any client certificate validated by the authorities in "
            "--requestheader-client-ca-file is allowed.");
  f.strings("--requestheader-username-headers", o.requestheader_username_headers,
            "List of request headers to inspect for usernames. X-Remote-User is common.");
  f.strings("--requestheader-group-headers", o.requestheader_group_headers,
            "List of request headers to inspect for groups. X-Remote-Group is suggested.");
  f.strings("--requestheader-extra-headers-prefix", o.requestheader_extra_headers_prefix,
            "List of request header prefixes to inspect. X-Remote-Extra- is suggested.");
  f.strings("--requestheader-uid-headers", o.requestheader_uid_headers,
            "List of request headers to inspect for UIDs. X-Remote-Uid is suggested.");
  f.boolean("--anonymous-auth", o.anonymous_auth,
            "Serve requests without credentials as system:anonymous (only always-allowed paths pass).");
  f.string("--authentication-kubeconfig", o.authentication_kubeconfig,
           "kubeconfig file pointing at the 'core' kubernetes server with enough rights to create "
           "tokenreviews.authentication.k8s.io (the Karmada apiserver).");
  f.duration("--authentication-token-webhook-cache-ttl", o.authentication_token_webhook_cache_ttl,
             "The duration to cache responses from the webhook token authenticator.");
  f.boolean("--authentication-skip-lookup", o.authentication_skip_lookup,
            "If false, the authentication-kubeconfig will be used to lookup missing authentication configuration "
            "from the cluster (kube-system/extension-apiserver-authentication).");
  f.boolean("--authentication-tolerate-lookup-failure", o.authentication_tolerate_lookup_failure,
            "If true, failures to look up missing authentication configuration from the cluster are not considered "
            "fatal. Note that this can result in authentication that treats all requests as anonymous.");
}

void add_authorization_flags(FlagSet f, Options& o) {
  f.string("--authorization-kubeconfig", o.authorization_kubeconfig,
           "kubeconfig file pointing at the 'core' kubernetes server with enough rights to create "
           "subjectaccessreviews.authorization.k8s.io (the Karmada apiserver).");
  f.duration("--authorization-webhook-cache-authorized-ttl", o.authorization_webhook_cache_authorized_ttl,
             "The duration to cache 'authorized' responses from the webhook authorizer.");
  f.duration("--authorization-webhook-cache-unauthorized-ttl", o.authorization_webhook_cache_unauthorized_ttl,
             "The duration to cache 'unauthorized' responses from the webhook authorizer.");
  f.strings("--authorization-always-allow-paths", o.authorization_always_allow_paths,
            "A list of HTTP paths to skip during authorization, i.e. these are authorized without contacting the "
            "'core' kubernetes server (a trailing * makes a prefix).");
}

void add_audit_flags(FlagSet f, Options& o) {
  f.string("--audit-log-path", o.audit_log_path,
           "If set, all requests coming to the apiserver will be logged to this file. '-' means standard out. "
           "One audit.k8s.io/v1 Event per line, for the requests --audit-policy-file selects.");
  f.string("--audit-policy-file", o.audit_policy_file,
           "Path to the file that defines the audit policy configuration (audit.k8s.io/v1 Policy). Without it, "
           "every request is audited at Metadata level.");
  f.integer("--audit-log-maxage", o.audit_log_maxage,
            "The maximum number of days to retain old audit log files based on the timestamp encoded in their "
            "filename.");
  f.integer("--audit-log-maxbackup", o.audit_log_maxbackup, "The maximum number of old audit log files to retain.");
  f.integer("--audit-log-maxsize", o.audit_log_maxsize,
            "The maximum size in megabytes of the audit log file before it gets rotated (0: 100).");
  f.no_effect({{"--audit-log-compress", "bool", "", "If set, the rotated log files will be compressed using gzip."},
               {"--audit-log-version", "string", "audit.k8s.io/v1",
                "API group and version used for serializing audit events written to log."}},
              "rotated files stay uncompressed; events are always audit.k8s.io/v1.");
  f.no_effect("--audit-log-format", "string", "json",
              "Format of saved audits. \"legacy\" indicates 1-line text format for each event. \"json\" indicates "
              "structured json format.",
              "the audit log is always JSON lines.");
  f.no_effect({{"--audit-log-mode", "string", "blocking",
                "Strategy for sending audit events. Blocking indicates sending events should block server "
                "responses. Batch causes the backend to buffer and write events asynchronously."},
               {"--audit-log-batch-buffer-size", "int", "10000",
                "The size of the buffer to store events before batching and writing. Only used in batch mode."},
               {"--audit-log-batch-max-size", "int", "1", "The maximum size of a batch. Only used in batch mode."},
               {"--audit-log-batch-max-wait", "duration", "",
                "The amount of time to wait before force writing the batch that hadn't reached the max size. Only "
                "used in batch mode."},
               {"--audit-log-batch-throttle-enable", "bool", "",
                "Whether batching throttling is enabled. Only used in batch mode."},
               {"--audit-log-batch-throttle-qps", "float32", "",
                "Maximum average number of batches per second. Only used in batch mode."},
               {"--audit-log-batch-throttle-burst", "int", "",
                "Maximum number of requests sent at the same moment if ThrottleQPS was not utilized before. Only used "
                "in batch mode."}},
              "audit lines are written synchronously, unbuffered.");
  f.no_effect({{"--audit-log-truncate-enabled", "bool", "", "Whether event and batch truncating is enabled."},
               {"--audit-log-truncate-max-batch-size", "int", "10485760",
                "Maximum size of the batch sent to the underlying backend."},
               {"--audit-log-truncate-max-event-size", "int", "102400",
                "Maximum size of the audit event sent to the underlying backend."}},
              "audit events are never truncated (these read-only APIs have no request bodies).");
  f.no_effect({{"--audit-webhook-config-file", "string", "",
                "Path to a kubeconfig formatted file that defines the audit webhook configuration."},
               {"--audit-webhook-initial-backoff", "duration", "10s",
                "The amount of time to wait before retrying the first failed request."},
               {"--audit-webhook-version", "string", "audit.k8s.io/v1",
                "API group and version used for serializing audit events written to webhook."},
               {"--audit-webhook-mode", "string", "batch", "Strategy for sending audit events."},
               {"--audit-webhook-batch-buffer-size", "int", "10000",
                "The size of the buffer to store events before batching and writing."},
               {"--audit-webhook-batch-max-size", "int", "400", "The maximum size of a batch."},
               {"--audit-webhook-batch-max-wait", "duration", "30s",
                "The amount of time to wait before force writing the batch that hadn't reached the max size."},
               {"--audit-webhook-batch-throttle-enable", "bool", "true", "Whether batching throttling is enabled."},
               {"--audit-webhook-batch-throttle-qps", "float32", "10", "Maximum average number of batches per second."},
               {"--audit-webhook-batch-throttle-burst", "int", "15",
                "Maximum number of requests sent at the same moment if ThrottleQPS was not utilized before."},
               {"--audit-webhook-truncate-enabled", "bool", "", "Whether event and batch truncating is enabled."},
               {"--audit-webhook-truncate-max-batch-size", "int", "10485760",
                "Maximum size of the batch sent to the underlying backend."},
               {"--audit-webhook-truncate-max-event-size", "int", "102400",
                "Maximum size of the audit event sent to the underlying backend."}},
              "there is no audit webhook backend; use --audit-log-path.");
  f.no_effect("--audit-webhook-batch-initial-backoff", "duration", "10s",
              "Deprecated, use --audit-webhook-initial-backoff.", "there is no audit webhook backend.")
      ->group("");  // hidden, as pflag hides deprecated flags
}

void add_features_flags(FlagSet f) {
  f.no_effect({{"--profiling", "bool", "true", "Enable profiling via web interface host:port/debug/pprof/."},
               {"--contention-profiling", "bool", "", "Enable block profiling, if profiling is enabled."},
               {"--debug-socket-path", "string", "",
                "Use an unprotected (no authn/authz) unix-domain socket for profiling with the given path."}},
              "there is no Go runtime to profile; use perf (docs/benchmarks.md).");
  f.no_effect("--enable-priority-and-fairness", "bool", "",
              "If true, replace the max-in-flight handler with an enhanced one that queues and dispatches with "
              "priority and fairness.",
              "requests are bounded by --max-requests-inflight, --max-connections and the per-member limits.");
}

void add_control_plane_flags(FlagSet f, Options& o) {
  f.string("--kubeconfig", o.kubeconfig,
           "Path to karmada control plane kubeconfig file (Cluster objects and their Secrets, leader election, "
           "the FederatedHPA loop; empty: in-cluster config).");
  f.number("--kube-api-qps", o.kube_api_qps,
           "QPS to use while talking with karmada-apiserver (0 or less: no client-side limit).", "float32");
  f.integer("--kube-api-burst", o.kube_api_burst, "Burst to use while talking with karmada-apiserver.");
}

void add_member_flags(FlagSet f, Options& o) {
  f.string("--members", o.members,
           "Where member clusters come from: static (--members-config) or karmada (Ready Cluster objects of the "
           "--kubeconfig control plane and their Secrets). Default: static with --members-config, else karmada "
           "with --kubeconfig.");
  f.string("--members-config", o.members_config,
           "YAML file listing the member clusters to fan out to (manifests/members-config.example.yaml); reloaded "
           "when it changes.");
  f.duration("--members-reload-interval", o.members_reload_interval,
             "How often --members-config is checked for changes; with --members=karmada, the longest a Cluster or "
             "Secret change takes to reach the member set (watch window, whole seconds).");
  f.number("--cluster-api-qps", o.cluster_api_qps,
           "QPS to use while talking with cluster kube-apiserver (per member, shared by all its clients; 0 or less: "
           "no client-side limit).", "float32");
  f.integer("--cluster-api-burst", o.cluster_api_burst, "Burst to use while talking with cluster kube-apiserver.");
  f.duration("--member-timeout", o.member_timeout, "Deadline for one member's answer to one request.");
  f.duration("--request-timeout", o.request_timeout, "Overall deadline for answering one metrics request.");
  f.duration("--metrics-cache-ttl", o.metrics_cache_ttl, "Reuse a merged answer for this long (0s = off).");
  f.duration("--discovery-refresh-interval", o.discovery_refresh_interval,
             "How often the members' metric lists are re-read for discovery.");
  f.integer("--member-max-in-flight", o.member_max_in_flight,
            "Members one request calls at the same time; the next member is called as soon as one answers.");
  f.string("--metrics-file", o.metrics_file,
           "Serve metrics from this JSON file instead of member clusters (a fixture for demos and tests: "
           "scripts/serve).");
}

void add_limits_flags(FlagSet f, Options& o) {
  f.integer("--threads", o.threads, "Worker threads serving requests (0 = one per CPU core).");
  f.duration("--shutdown-grace-period", o.shutdown_grace_period,
             "On SIGTERM/SIGINT, how long requests in flight may take to finish before connections are closed.");
  f.duration("--tls-handshake-timeout", o.tls_handshake_timeout, "Time limit for a client's TLS handshake.");
  f.duration("--request-read-timeout", o.request_read_timeout,
             "Time limit for reading a whole request once its first byte arrived.");
  f.duration("--idle-timeout", o.idle_timeout, "How long a keep-alive connection may wait for its next request.");
  f.integer("--max-request-header-bytes", o.max_request_header_bytes,
            "Largest request line plus headers accepted; larger requests get 431.");
  f.integer("--max-request-body-bytes", o.max_request_body_bytes,
            "Largest request body a request may announce (Content-Length); larger requests get 413. Bodies are "
            "never read (the API takes none): GET/HEAD with a body get 400, other methods are answered without it.");
  f.integer("--max-buffered-request-bytes", o.max_buffered_request_bytes,
            "Request data all connections together may hold while requests are read and served (read buffers, "
            "counted twice for the parsed headers); a request that would need more gets 429.");
  f.integer("--max-connections", o.max_connections, "Most simultaneous client connections.");
  f.integer("--max-requests-inflight", o.max_requests_inflight,
            "The maximum number of requests in flight at a given time (health probes and /metrics not "
            "counted). When the server exceeds this, it rejects requests at once with 429 and Retry-After: 1, "
            "before authentication. Zero for no limit.");
}

void add_metrics_flags(FlagSet f, Options& o) {
  f.string("--metrics-bind-address", o.metrics_bind_address,
           "The TCP address that the server should bind to for serving prometheus metrics over plain HTTP (e.g. "
           "127.0.0.1:8080, :8080). It can be set to \"0\" to disable the metrics serving. When not given, a "
           "failure to bind the default is only a warning. /metrics on --secure-port is served too (authorized).");
  f.no_effect("--enable-pprof", "bool", "", "Enable profiling via web interface host:port/debug/pprof/.",
              "there is no Go runtime to profile; use perf (docs/benchmarks.md).");
  f.no_effect("--profiling-bind-address", "string", ":6060",
              "The TCP address for serving profiling (e.g. 127.0.0.1:6060, :6060). This is only applicable if "
              "profiling is enabled.", "see --enable-pprof.");
}

void add_logs_flags(FlagSet f, Options& o) {
  f.integer("-v,--v", o.verbosity, "number for the log level verbosity")->type_name("Level");
  f.string("--logging-format", o.logging_format,
           "Sets the log format. Permitted formats: \"json\" (component-base's: ts, caller, msg, v, err), \"text\" "
           "(klog's).");
  f.string("--vmodule", o.vmodule,
           "comma-separated list of pattern=N settings for file-filtered logging: files whose base name (without "
           "extension) matches the glob pattern log at verbosity N, e.g. controller=4,fan_*=3.",
           "pattern=N,...");
  f.no_effect("--log-backtrace-at", "traceLocation", ":0", "when logging hits line file:N, emit a stack trace",
              "there are no Go stack traces.");
  // component-base's logging options and klog's own flags (Karmada registers them through klogflag.Add).
  f.no_effect(
      {{"--log-flush-frequency", "duration", "5s", "Maximum number of seconds between log flushes"},
       {"--log-text-split-stream", "bool", "",
        "[Alpha] In text format, write error messages to stderr and info messages to stdout."},
       {"--log-text-info-buffer-size", "quantity", "",
        "[Alpha] In text format with split output streams, the info messages can be buffered for a while to increase "
        "performance."},
       {"--log-json-split-stream", "bool", "",
        "[Alpha] In JSON format, write error messages to stderr and info messages to stdout."},
       {"--log-json-info-buffer-size", "quantity", "",
        "[Alpha] In JSON format with split output streams, the info messages can be buffered for a while to increase "
        "performance."},
       {"--add-dir-header", "bool", "", "If true, adds the file directory to the header of the log messages"},
       {"--alsologtostderr", "bool", "", "log to standard error as well as files (no effect when -logtostderr=true)"},
       {"--log-dir", "string", "",
        "If non-empty, write log files in this directory (no effect when -logtostderr=true)"},
       {"--log-file", "string", "", "If non-empty, use this log file (no effect when -logtostderr=true)"},
       {"--log-file-max-size", "uint", "1800",
        "Defines the maximum size a log file can grow to (no effect when -logtostderr=true). Unit is megabytes."},
       {"--logtostderr", "bool", "true", "log to standard error instead of files"},
       {"--one-output", "bool", "",
        "If true, only write logs to their native severity level (no effect when -logtostderr=true)"},
       {"--skip-headers", "bool", "", "If true, avoid header prefixes in the log messages"},
       {"--skip-log-headers", "bool", "",
        "If true, avoid headers when opening log files (no effect when -logtostderr=true)"},
       {"--stderrthreshold", "severity", "2",
        "logs at or above this threshold go to stderr when writing to files and stderr (no effect when "
        "-logtostderr=true or -alsologtostderr=true)"}},
      "logs always go to standard error, one line each, flushed at once.");
}

void add_leader_election_flags(FlagSet f, Options& o) {
  f.boolean("--leader-elect", o.leader_elect,
            "Elect a leader among replicas with a Lease on the --kubeconfig control plane; only the leader runs the "
            "FederatedHPA loop (API serving runs on every replica).");
  f.duration("--leader-elect-lease-duration", o.leader_elect_lease_duration,
             "How long a non-leader waits after the last renewal before taking over.");
  f.duration("--leader-elect-renew-deadline", o.leader_elect_renew_deadline,
             "How long the leader keeps trying to renew before it stops leading.");
  f.duration("--leader-elect-retry-period", o.leader_elect_retry_period,
             "How often candidates try to acquire and the leader renews.");
  f.string("--leader-elect-resource-name", o.leader_elect_resource_name, "Name of the Lease.");
  f.string("--leader-elect-resource-namespace", o.leader_elect_resource_namespace, "Namespace of the Lease.");
}

void add_federatedhpa_flags(FlagSet f, Options& o) {
  f.boolean("--enable-federatedhpa-controller", o.enable_federatedhpa_controller,
            "Run the embedded FederatedHPA loop and CronFederatedHPA controller on the --kubeconfig control "
            "plane (disable Karmada's own federatedHorizontalPodAutoscaler and cronFederatedHorizontalPodAutoscaler "
            "controllers then). Only the leader evaluates with --leader-elect.");
  f.duration("--horizontal-pod-autoscaler-sync-period", o.hpa_sync_period,
             "How often every FederatedHPA is evaluated.");
  f.number("--horizontal-pod-autoscaler-tolerance", o.hpa_tolerance,
           "Minimum change (from 1.0) in the desired-to-actual metrics ratio before scaling.", "float");
  f.duration("--horizontal-pod-autoscaler-cpu-initialization-period", o.hpa_cpu_initialization_period,
             "Period after pod start when CPU samples may be skipped.");
  f.duration("--horizontal-pod-autoscaler-initial-readiness-delay", o.hpa_initial_readiness_delay,
             "Period after pod start during which readiness changes are treated as initial readiness.");
  f.duration("--horizontal-pod-autoscaler-downscale-stabilization", o.hpa_downscale_stabilization,
             "Period for which scale-down recommendations are looked back at (the default scaleDown window).");
  f.integer("--concurrent-horizontal-pod-autoscaler-syncs", o.concurrent_hpa_syncs,
            "FederatedHPAs evaluated at the same time.");
  f.string("--federatedhpa-profile", o.federatedhpa_profile,
           "Decision rules: fedmetrics, kube (newest kube-controller-manager) or karmada (Karmada's controller, "
           "quirks included); see docs/federatedhpa.md.");
}

void add_serve_flags(CLI::App& app, FlagStore& store, Options& o) {
  add_secure_serving_flags(FlagSet(app, store, "Secure serving"), o);
  add_authentication_flags(FlagSet(app, store, "Authentication"), o);
  add_authorization_flags(FlagSet(app, store, "Authorization"), o);
  add_audit_flags(FlagSet(app, store, "Audit"), o);
  add_features_flags(FlagSet(app, store, "Features"));
  add_control_plane_flags(FlagSet(app, store, "Karmada control plane"), o);
  add_member_flags(FlagSet(app, store, "Member clusters"), o);
  add_limits_flags(FlagSet(app, store, "Serving limits"), o);
  add_metrics_flags(FlagSet(app, store, "Metrics and profiling"), o);
  add_logs_flags(FlagSet(app, store, "Logs"), o);
  add_leader_election_flags(FlagSet(app, store, "Leader election"), o);
  add_federatedhpa_flags(FlagSet(app, store, "FederatedHPA controller"), o);
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
  c.permit_port_sharing = o.permit_port_sharing;
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
  positive("max-buffered-request-bytes", o.max_buffered_request_bytes, std::int64_t{1} << 40,
           c.max_buffered_request_bytes);
  positive("max-connections", o.max_connections, 1 << 20, c.max_connections);
  positive("member-max-in-flight", o.member_max_in_flight, 100'000, c.member_max_in_flight);
  if (o.max_requests_inflight < 0 || o.max_requests_inflight > (1 << 20)) {
    problems.push_back("--max-requests-inflight: must be between 0 (no limit) and " + std::to_string(1 << 20));
  } else {
    c.max_requests_inflight = static_cast<std::size_t>(o.max_requests_inflight);
  }

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
  if (!o.audit_policy_file.empty()) {
    if (auto policy = api::load_audit_policy(o.audit_policy_file)) {
      c.audit_policy = std::move(*policy);
    } else {
      problems.push_back(policy.error().message);
    }
  }
  if (o.audit_log_maxage < 0) problems.push_back("--audit-log-maxage: must not be negative");
  if (o.audit_log_maxbackup < 0) problems.push_back("--audit-log-maxbackup: must not be negative");
  if (o.audit_log_maxsize < 0 || o.audit_log_maxsize > 1 << 20) {
    problems.push_back("--audit-log-maxsize: must be between 0 and 1048576");
  }
  c.audit_rotation.max_age_days = o.audit_log_maxage;
  c.audit_rotation.max_backups = o.audit_log_maxbackup;
  if (o.audit_log_maxsize > 0) c.audit_rotation.max_size_bytes = static_cast<std::uint64_t>(o.audit_log_maxsize) << 20;
  if (auto listener = parse_metrics_bind_address(o.metrics_bind_address); !listener) {
    problems.push_back("--metrics-bind-address: " + listener.error().message);
  } else if (*listener) {
    c.metrics_listener = **listener;
    c.metrics_listener->required = o.metrics_bind_address_given;
  }
  auto check_rate = [&](const char* what, double qps, int burst) {
    if (!std::isfinite(qps)) problems.push_back(std::string("--") + what + "-qps: must be a number");
    if (qps > 0 && burst < 1) {
      problems.push_back(std::string("--") + what + "-burst: must be at least 1 when --" + what + "-qps is above 0");
    }
  };
  check_rate("kube-api", o.kube_api_qps, o.kube_api_burst);
  check_rate("cluster-api", o.cluster_api_qps, o.cluster_api_burst);
  c.kube_api_qps = o.kube_api_qps;
  c.kube_api_burst = o.kube_api_burst;
  c.cluster_api_qps = o.cluster_api_qps;
  c.cluster_api_burst = o.cluster_api_burst;
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

namespace {

constexpr const char* kHelpHeader =
    "fedmetrics-adapter serves the custom.metrics.k8s.io and external.metrics.k8s.io APIs of a Karmada federation\n"
    "from every member cluster at once, and can run the FederatedHPA loop itself. It accepts every flag of\n"
    "karmada-metrics-adapter v1.18.2; those that have no effect here say so below (docs/flags.md).\n"
    "\n"
    "Usage:\n"
    "  fedmetrics-adapter [flags]\n"
    "  fedmetrics-adapter simulate --scenario FILE    FederatedHPA decisions, CronFederatedHPA executions, offline\n"
    "  fedmetrics-adapter explain NAMESPACE/NAME [-o json] [flags]\n"
    "                                                 why the FederatedHPA loop would scale (or not) now; also\n"
    "                                                 `kubectl fedmetrics explain` (docs/federatedhpa.md)\n"
    "  fedmetrics-adapter version                     print the version\n"
    "  fedmetrics-adapter help                        print this help\n";

/// The command line as pflag reads it, in CLI11's terms: `_` in a flag name means `-`
/// (cliflag.WordSepNormalizeFunc, so klog's --log_dir is --log-dir); `--name=` sets an empty value (an empty
/// list for list flags); `-v=3` is `-v 3`.
std::vector<std::string> normalized_args(int argc, const char* const* argv) {
  std::vector<std::string> args;
  bool flags_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") flags_done = true;
    if (!flags_done && a.size() > 2 && a.starts_with("--")) {
      const auto eq = a.find('=');
      std::replace(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(std::min(eq, a.size())), '_', '-');
      if (eq == a.size() - 1) {
        args.push_back(a.substr(0, eq));
        args.emplace_back();
        continue;
      }
    } else if (!flags_done && a.size() > 3 && a[0] == '-' && a[1] != '-' && a[2] == '=') {
      args.push_back(a.substr(0, 2));
      args.push_back(a.substr(3));
      continue;
    }
    args.push_back(std::move(a));
  }
  return args;
}

constexpr const char* kPluginHelp =
    "kubectl fedmetrics: fedmetrics-adapter as a kubectl plugin.\n"
    "\n"
    "Usage:\n"
    "  kubectl fedmetrics explain NAMESPACE/NAME [-o json] [flags]   why the FederatedHPA loop would scale now\n"
    "  kubectl fedmetrics simulate --scenario FILE                   offline decisions (docs/federatedhpa.md)\n"
    "  kubectl fedmetrics version\n"
    "\n"
    "explain reads the kubeconfig as kubectl does (--kubeconfig, $KUBECONFIG, ~/.kube/config) and takes every\n"
    "flag of fedmetrics-adapter (--members-config, --federatedhpa-profile, --horizontal-pod-autoscaler-*):\n"
    "pass the loop's own. Run 'kubectl fedmetrics explain --help' for its flags.\n";

void explain_usage(const std::string& program, const std::string& problem) {
  log::error("invalid command line", {{"err", problem}});
  std::cerr << "Usage: " << program << " explain NAMESPACE/NAME [-o text|json] [flags]\n"
            << "Run '" << program << " explain --help' for usage.\n";
}

/// NAMESPACE/NAME, or NAME with -n. Empty on success, else what is wrong.
std::string split_target(const std::string& target, const std::string& namespace_flag, ExplainRequest& out) {
  const auto slash = target.find('/');
  if (slash == std::string::npos) {
    out.namespace_name = namespace_flag.empty() ? "default" : namespace_flag;
    out.name = target;
  } else {
    out.namespace_name = target.substr(0, slash);
    out.name = target.substr(slash + 1);
    if (!namespace_flag.empty() && namespace_flag != out.namespace_name) {
      return "\"" + target + "\" names namespace " + out.namespace_name + " but -n says " + namespace_flag;
    }
  }
  const auto bad = [](const std::string& part) {
    return part.empty() || part.find_first_of("/ \t") != std::string::npos;
  };
  if (bad(out.namespace_name) || bad(out.name)) return "\"" + target + "\" is not NAMESPACE/NAME";
  return "";
}

void print_version() {
  std::cout << "fedmetrics-adapter " << version_info().git_version << " (commit " << version_info().git_commit
            << ", tree " << version_info().git_tree_state << ", built " << version_info().build_date << ")\n";
}

}  // namespace

bool is_kubectl_plugin(const char* argv0) {
  if (argv0 == nullptr) return false;
  const std::string_view path(argv0);
  const auto slash = path.find_last_of('/');
  return path.substr(slash == std::string_view::npos ? 0 : slash + 1) == "kubectl-fedmetrics";
}

std::string default_kubeconfig(const char* kubeconfig_env, const char* home_env) {
  auto exists = [](const std::string& path) {
    std::FILE* f = path.empty() ? nullptr : std::fopen(path.c_str(), "r");
    if (f != nullptr) std::fclose(f);
    return f != nullptr;
  };
  if (kubeconfig_env != nullptr && *kubeconfig_env != '\0') {
    std::string list = kubeconfig_env;
    for (std::size_t begin = 0; begin <= list.size();) {
      const auto end = std::min(list.find(':', begin), list.size());
      if (const std::string path = list.substr(begin, end - begin); exists(path)) return path;
      begin = end + 1;
    }
  }
  if (home_env != nullptr && *home_env != '\0') {
    if (const std::string path = std::string(home_env) + "/.kube/config"; exists(path)) return path;
  }
  return "";
}

Invocation parse_command_line(int argc, const char* const* argv) {
  Options options;
  FlagStore store;
  CLI::App app{"fedmetrics-adapter", "fedmetrics-adapter"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // pflag: the last one wins
  add_serve_flags(app, store, options);
  bool show_version = false;
  app.set_help_flag("-h,--help", "help for fedmetrics-adapter")->group(kGeneralSection)->type_name("bool");
  app.add_flag("--version", show_version, "Print version information and quit.")->group(kGeneralSection)->type_name("bool");

  std::string scenario;
  CLI::App* simulate = app.add_subcommand(
      "simulate", "Print the FederatedHPA decisions for scenarios (docs/federatedhpa.md), and the executions of "
                  "CronFederatedHPA rules for scenarios with a \"cron\" key (docs/cron.md); one JSON line each.");
  simulate->add_option("--scenario", scenario, "Scenario file (a JSON object or JSON Lines); - for stdin.")
      ->required();
  const bool plugin = argc > 0 && is_kubectl_plugin(argv[0]);
  ExplainRequest explain_request;
  if (plugin) explain_request.program = "kubectl fedmetrics";
  std::string explain_target, explain_namespace, explain_output = "text";
  CLI::App* explain = app.add_subcommand(
      "explain", "Why the FederatedHPA loop would scale NAMESPACE/NAME now (or not): reads it, its history, the "
                 "member scales, pods and metrics as the loop does, decides, and writes nothing. Takes the server's "
                 "flags (--kubeconfig, --members-config, --federatedhpa-profile, ...); without --kubeconfig it "
                 "reads $KUBECONFIG or ~/.kube/config, as kubectl does.");
  explain->add_option("target", explain_target, "NAMESPACE/NAME of the FederatedHPA (or NAME with -n).");
  explain->add_option("-n,--namespace", explain_namespace, "Namespace of a NAME given without one (default: default).");
  explain->add_option("-o,--output", explain_output,
                      "text (plain words) or json: {\"scenario\", \"decision\"}; `simulate` on the scenario "
                      "prints the decision.");
  explain->fallthrough();  // the server's flags, which live on the parent
  CLI::App* version = app.add_subcommand("version", "Print the version information.");
  CLI::App* help = app.add_subcommand("help", "Help about any command.");

  Invocation inv;
  inv.kind = Invocation::Kind::Exit;
  auto args = normalized_args(argc, argv);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last-first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << (simulate->parsed() ? simulate->help()
                  : explain->parsed() ? explain->help(explain_request.program)
                  : plugin            ? std::string(kPluginHelp)
                                      : render_help(app, kHelpHeader));
    return inv;
  } catch (const CLI::ParseError& e) {
    if (explain->parsed()) {
      explain_usage(explain_request.program, e.what());
      inv.exit_code = 2;
      return inv;
    }
    // Before the flags are known, the logger keeps its defaults unless --logging-format=json was given.
    log::init(requested_format(argc, argv), 0);
    log::error("invalid command line", {{"err", e.what()}});
    std::cerr << "Run 'fedmetrics-adapter --help' for usage.\n";
    inv.exit_code = 2;
    return inv;
  }
  if (help->parsed()) {
    std::cout << render_help(app, kHelpHeader);
    return inv;
  }
  if (show_version || version->parsed()) {
    print_version();
    return inv;
  }
  if (simulate->parsed()) {
    inv.kind = Invocation::Kind::Simulate;
    inv.scenario_file = scenario;
    return inv;
  }
  if (plugin && !explain->parsed()) {
    std::cerr << kPluginHelp;
    inv.exit_code = 2;
    return inv;
  }
  if (explain->parsed()) {
    std::string problem;
    if (explain_target.empty()) {
      problem = "explain needs NAMESPACE/NAME";
    } else if (explain_output != "text" && explain_output != "json") {
      problem = "-o/--output: \"" + explain_output + "\" is not one of text, json";
    } else {
      problem = split_target(explain_target, explain_namespace, explain_request);
    }
    if (!problem.empty()) {
      log::init(requested_format(argc, argv), 0);
      explain_usage(explain_request.program, problem);
      inv.exit_code = 2;
      return inv;
    }
    explain_request.json = explain_output == "json";
    // kubectl's kubeconfig and the members it names: what a user running `kubectl fedmetrics` expects.
    if (options.kubeconfig.empty()) options.kubeconfig = default_kubeconfig(std::getenv("KUBECONFIG"), std::getenv("HOME"));
    if (options.members.empty() && options.members_config.empty() && options.metrics_file.empty()) {
      options.members = "karmada";
    }
  }
  store.drop_empty_list_items();
  options.metrics_bind_address_given = app.count("--metrics-bind-address") > 0;
  const auto problems = validate(options, inv.config);
  log::init(inv.config.logging_format, inv.config.verbosity, inv.config.vmodule);
  if (!problems.empty()) {
    for (const auto& p : problems) log::error("invalid flag", {{"err", p}});
    inv.exit_code = 2;
    return inv;
  }
  inv.config.no_effect_flags = store.given_no_effect(app);
  if (explain->parsed()) {
    inv.kind = Invocation::Kind::Explain;
    inv.explain = std::move(explain_request);
    // The output is for a person: warnings and errors only, unless -v asks for more.
    if (inv.config.verbosity == 0) log::set_info_lines(false);
    return inv;
  }
  inv.kind = Invocation::Kind::Serve;
  return inv;
}

}  // namespace fedmetrics::app
