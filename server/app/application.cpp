#include "server/app/application.hpp"

#include <prometheus/registry.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <iostream>  // the port line on stdout
#include <optional>
#include <thread>

#include "aggregation/cron/cron_controller.hpp"
#include "aggregation/cron/zone_database.hpp"
#include "aggregation/federated_metrics_provider.hpp"
#include "aggregation/fhpa/controller.hpp"
#include "aggregation/fhpa/member_kube_clients.hpp"
#include "aggregation/static_metrics_provider.hpp"
#include "clients/base/clock.hpp"
#include "clients/base/log.hpp"
#include "clients/members/karmada_cluster_directory.hpp"
#include "clients/members/kube_member_client.hpp"
#include "clients/members/member_client_cache.hpp"
#include "clients/members/member_rate_limits.hpp"
#include "clients/members/static_cluster_directory.hpp"
#include "server/api/api_handler.hpp"
#include "server/api/health.hpp"
#include "server/api/metrics_endpoint.hpp"
#include "server/auth/delegated.hpp"
#include "server/auth/gate.hpp"
#include "clients/kube/https_rest_client.hpp"
#include "clients/kube/kubeconfig.hpp"
#include "server/app/authentication_lookup.hpp"
#include "server/app/federation.hpp"
#include "server/app/leadership.hpp"
#include "server/app/operational_metrics.hpp"
#include "server/app/version.hpp"
#include "server/http/https_server.hpp"
#include "server/http/self_signed_cert.hpp"
#include "server/http/tls_server_context.hpp"

namespace fedmetrics::app {
namespace {

namespace asio = boost::asio;

bool is_ip(const std::string& s) {
  boost::system::error_code ec;
  asio::ip::make_address(s, ec);
  return !ec;
}

/// The serving certificate: the given files, or a self-signed pair in --cert-dir covering localhost,
/// 127.0.0.1, the bind address and --self-signed-cert-names.
Result<http::TlsSettings> tls_settings(const Config& c) {
  http::TlsSettings s;
  s.min_version = c.tls_min_version;
  s.cipher_suites = c.tls_cipher_suites;
  s.client_ca_file = c.client_ca_file;
  s.requestheader_client_ca_file = c.requestheader_client_ca_file;
  if (!c.tls_cert_file.empty()) {
    s.cert_file = c.tls_cert_file;
    s.key_file = c.tls_private_key_file;
    return s;
  }
  http::SelfSignedRequest req{c.cert_dir, {"127.0.0.1"}, {"localhost"}};
  const bool wildcard = c.bind_address == "0.0.0.0" || c.bind_address == "::";
  if (!wildcard && c.bind_address != "127.0.0.1") req.ip_sans.push_back(c.bind_address);
  for (const auto& name : c.self_signed_cert_names) (is_ip(name) ? req.ip_sans : req.dns_sans).push_back(name);
  auto files = http::ensure_self_signed_cert(req);
  if (!files) return files.error();
  log::info(files->generated ? "generated self-signed certificate" : "reusing self-signed certificate",
            {{"cert", files->cert_file}, {"ca", files->ca_file}});
  s.cert_file = files->cert_file;
  s.key_file = files->key_file;
  return s;
}

/// A REST client for the control plane named by a kubeconfig. Throws with the flag name on a bad file.
std::unique_ptr<kube::HttpsRestClient> control_plane_client(const std::string& path, const char* flag,
                                                            const Clock& clock,
                                                            kube::RestClientOptions options = {}) {
  auto config = kube::load_kubeconfig(path);
  if (!config) throw std::runtime_error(std::string(flag) + ": " + config.error().message);
  return kube::HttpsRestClient::from_config(*config, clock, options);
}

/// The clients of TokenReviews and SubjectAccessReviews queue a review for at most this long behind their
/// rate limit; a request whose review cannot start by then is answered 429 (issue #12 item 2: a flood of
/// random tokens queued without bound, and legitimate requests and shutdown waited behind it). One second
/// is kube's Retry-After for the same answer: at the default 50 qps about 50 reviews wait at once.
constexpr std::chrono::milliseconds kMaxReviewQueueWait{1000};

kube::RestClientOptions review_client_options() {
  kube::RestClientOptions o;
  o.max_throttle_wait = kMaxReviewQueueWait;
  return o;
}

/// Graceful shutdown: hand the leader lease over first (another replica can take the loop at once), then
/// drain the server, then close the metrics listener (scrapes until the end show the drain). Both objects live in Application::run's frame, which outlives this coroutine.
net::awaitable<void> drain(http::HttpsServer* server, http::HttpsServer* metrics_server, Leadership* leadership,
                           std::chrono::milliseconds grace) {
  if (leadership != nullptr) co_await leadership->stop(std::chrono::seconds(2));
  co_await server->shutdown(grace);
  if (metrics_server != nullptr) co_await metrics_server->shutdown(std::chrono::milliseconds(100));
}

std::string url_host(const std::string& address) {
  if (address == "0.0.0.0") return "127.0.0.1";
  if (address == "::") return "[::1]";
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

/// The reference's plain-HTTP /metrics listener, bound (not started). Null when --metrics-bind-address=0, or
/// when the implicit default cannot be bound (a warning: a second process on the host must not die of it);
/// an error when an address given on the command line cannot be bound (the reference exits then too).
Result<std::unique_ptr<http::HttpsServer>> metrics_listener(asio::io_context& ioc, http::Handler& handler,
                                                            const Config& c, http::ServerSettings settings,
                                                            std::string& url) {
  if (!c.metrics_listener) return std::unique_ptr<http::HttpsServer>();
  settings.bind_address = c.metrics_listener->host;
  settings.port = c.metrics_listener->port;
  settings.reuse_port = false;
  auto server = std::make_unique<http::HttpsServer>(ioc, handler, settings);
  auto port = server->listen();
  if (!port) {
    if (c.metrics_listener->required) return port.error();
    log::warning("not serving plain-HTTP /metrics: the default --metrics-bind-address cannot be bound",
                 {{"error", port.error().message}});
    return std::unique_ptr<http::HttpsServer>();
  }
  url = "http://" + url_host(c.metrics_listener->host) + ":" + std::to_string(*port) + "/metrics";
  log::info("serving metrics", {{"url", url}});
  return server;
}

}  // namespace

Application::Application(Config config) : config_(std::move(config)) {}

int Application::run() {
  for (const auto& flag : config_.no_effect_flags) {
    log::warning("flag accepted for compatibility with karmada-metrics-adapter but has no effect here (docs/flags.md)",
                 {{"flag", flag}});
  }
  // Like upstream aggregated servers: CAs the flags leave unset come from the control plane's
  // extension-apiserver-authentication ConfigMap (before the TLS context is built from them).
  const bool need_lookup = config_.client_ca_file.empty() || config_.requestheader_client_ca_file.empty();
  if (!config_.authentication_kubeconfig.empty() && !config_.authentication_skip_lookup && need_lookup) {
    SteadyClock lookup_clock;
    auto found = fetch_authentication_config_map(config_.authentication_kubeconfig, lookup_clock,
                                                 std::chrono::seconds(10));
    if (found) {
      if (auto applied = apply_authentication_config_map(*found, config_); !applied) {
        log::error("cannot start", {{"err", applied.error().message}});
        return 2;
      }
      log::info("read kube-system/extension-apiserver-authentication",
                {{"client_ca", config_.client_ca_file}, {"requestheader_ca", config_.requestheader_client_ca_file}});
    } else if (config_.authentication_tolerate_lookup_failure) {
      log::warning("cannot read kube-system/extension-apiserver-authentication; continuing without it",
                   {{"error", found.error().message}});
    } else {
      log::error("cannot read kube-system/extension-apiserver-authentication (use --authentication-skip-lookup "
                 "or --authentication-tolerate-lookup-failure)",
                 {{"err", found.error().message}});
      return 1;
    }
  }
  const Config& c = config_;

  auto settings = tls_settings(c);
  if (!settings) {
    log::error("cannot start", {{"err", settings.error().message}});
    return 2;
  }
  auto tls = http::TlsServerContext::create(*settings);
  if (!tls) {
    log::error("cannot start", {{"err", tls.error().message}});
    return 2;
  }

  asio::io_context ioc(static_cast<int>(c.threads));
  SteadyClock clock;
  prometheus::Registry registry;
  api::HealthChecks health;
  std::atomic<bool> shutting_down{false};
  health.add(api::HealthEndpoint::Healthz, "ping", [] { return ok(); });
  health.add(api::HealthEndpoint::Livez, "ping", [] { return ok(); });
  health.add(api::HealthEndpoint::Readyz, "ping", [] { return ok(); });
  health.add(api::HealthEndpoint::Readyz, "shutdown", [&shutting_down]() -> Result<void> {
    if (shutting_down.load()) return make_error(Errc::Unavailable, "process is shutting down");
    return ok();
  });

  // The control plane (Karmada apiserver): needed for Cluster objects, leader election and the
  // FederatedHPA loop. Metrics come from member clusters, a static file, or nothing.
  Federation federation;
  if (auto built = connect_federation(c, c.leader_elect || c.federatedhpa_controller, ioc.get_executor(), clock,
                                      registry, federation);
      !built) {
    log::error("cannot start", {{"err", built.error().message}});
    return 2;
  }
  kube::HttpsRestClient* control_plane = federation.control_plane.get();
  members::StaticClusterDirectory* static_directory = federation.static_directory;
  members::KarmadaClusterDirectory* karmada_directory = federation.karmada_directory;
  aggregation::FederatedMetricsProvider* federated = federation.federated.get();
  std::unique_ptr<provider::MetricsProvider> provider;
  if (karmada_directory) {
    log::info("member clusters from the Karmada control plane", {{"server", federation.control_plane_server}});
    health.add(api::HealthEndpoint::Readyz, "member-directory", [karmada_directory]() -> Result<void> {
      if (karmada_directory->synced()) return ok();
      return make_error(Errc::Unavailable, "Cluster and Secret informers have not synced yet");
    });
  }
  if (federated) {
    auto* fed = federated;
    health.add_informational(api::HealthEndpoint::Readyz, [fed]() {
      std::vector<std::pair<std::string, bool>> lines;
      for (const auto& m : fed->member_health()) lines.emplace_back("member:" + m.cluster, m.healthy());
      return lines;
    });
    // Readiness is this replica's ability to serve, never the members' health (a member outage must not
    // take every replica out of the Service and the APIService Unavailable): the members stay
    // informational lines above and metrics. Ready once the metric lists of discovery are filled.
    health.add(api::HealthEndpoint::Readyz, "member-discovery", [fed]() -> Result<void> {
      if (fed->discovery_synced()) return ok();
      return make_error(Errc::Unavailable, "the first discovery pass over the members has not finished");
    });
  } else if (!c.metrics_file.empty()) {
    auto loaded = aggregation::StaticMetricsProvider::load(c.metrics_file);
    if (!loaded) {
      log::error("cannot start", {{"err", loaded.error().message}});
      return 2;
    }
    provider = std::move(*loaded);
  } else {
    provider = std::make_unique<aggregation::StaticMetricsProvider>();
  }
  provider::MetricsProvider& metrics = federated ? *federated : *provider;

  // The embedded FederatedHPA loop: reads metrics from `federated` in-process. It evaluates (and writes)
  // only what this replica owns: everything while it holds the leader lease, or always without election.
  kube::WholeOwnership ownership(c.leader_elect ? "leader lease " + c.leader_election.lease_namespace + "/" +
                                                      c.leader_election.lease_name
                                                : std::string("this replica"),
                                 clock);
  std::unique_ptr<fhpa::FederatedHpaController> federatedhpa;
  if (c.federatedhpa_controller) {
    federatedhpa = std::make_unique<fhpa::FederatedHpaController>(
        ioc.get_executor(), *control_plane, *federation.directory, *federation.member_kube_clients, *federated,
        ownership, clock, registry, c.federatedhpa);
  }
  // The embedded CronFederatedHPA controller runs with the FederatedHPA loop, under the same leader gate
  // (docs/cron.md): its rules set FederatedHPA bounds or workload scales.
  std::unique_ptr<cron::ZoneDatabase> zones;
  std::unique_ptr<cron::CronFederatedHpaController> cronfederatedhpa;
  if (c.federatedhpa_controller) {
    zones = std::make_unique<cron::ZoneDatabase>();
    cron::CronControllerOptions cron_options;
    cron_options.reporting_instance = c.federatedhpa.reporting_instance;
    cronfederatedhpa = std::make_unique<cron::CronFederatedHpaController>(ioc.get_executor(), *control_plane, ownership,
                                                                          *zones, clock, registry, cron_options);
  }

  // Leader election: every replica serves the API; only the leader runs the FederatedHPA loop.
  std::unique_ptr<Leadership> leadership;
  if (c.leader_elect) {
    try {
      leadership = std::make_unique<Leadership>(*control_plane, clock, c.leader_election, registry,
                                                federatedhpa ? &ownership : nullptr);
    } catch (const std::exception& e) {
      log::error("cannot start", {{"err", std::string("leader election: ") + e.what()}});
      return 2;
    }
  }

  // Delegated authentication and authorization against the control plane. Without an authorization
  // kubeconfig only system:masters and the always-allowed paths pass, as in a kube aggregated server.
  std::unique_ptr<kube::HttpsRestClient> authn_client, authz_client;
  std::unique_ptr<auth::TokenReviewAuthenticator> token_reviews;
  std::unique_ptr<auth::SubjectAccessReviewAuthorizer> access_reviews;
  try {
    if (!c.authentication_kubeconfig.empty()) {
      authn_client = control_plane_client(c.authentication_kubeconfig, "--authentication-kubeconfig", clock,
                                          review_client_options());
      token_reviews = std::make_unique<auth::TokenReviewAuthenticator>(
          *authn_client, clock, auth::TokenReviewOptions{c.token_cache_ttl, {}, 10'000});
    }
    if (!c.authorization_kubeconfig.empty()) {
      authz_client = control_plane_client(c.authorization_kubeconfig, "--authorization-kubeconfig", clock,
                                          review_client_options());
      access_reviews = std::make_unique<auth::SubjectAccessReviewAuthorizer>(
          *authz_client, clock, auth::SubjectAccessReviewOptions{c.authorized_ttl, c.unauthorized_ttl, 10'000});
    }
  } catch (const std::exception& e) {
    log::error("cannot start", {{"err", e.what()}});
    return 2;
  }
  auth::Gate gate(c.auth, token_reviews.get(), access_reviews.get());
  std::unique_ptr<api::AuditLog> audit;
  if (!c.audit_log_path.empty()) {
    auto opened = api::AuditLog::open(c.audit_log_path, c.audit_policy, c.audit_rotation);
    if (!opened) {
      log::error("cannot start", {{"err", opened.error().message}});
      return 2;
    }
    audit = std::move(*opened);
  }
  api::ApiHandler handler(metrics, gate, health, registry, version_info(), audit.get(), c.max_requests_inflight);
  OperationalMetrics::StateSource member_states_source;
  if (federated) {
    member_states_source = [fed = federated, karmada_directory] {
      return member_states(fed->member_health(),
                           karmada_directory ? karmada_directory->left_out() : members::KarmadaClusterDirectory::LeftOut{});
    };
  }
  std::vector<WatchedCertificate> certificates{{"serving", settings->cert_file}};
  if (!c.client_ca_file.empty()) certificates.push_back({"client-ca", c.client_ca_file});
  if (!c.requestheader_client_ca_file.empty()) {
    certificates.push_back({"requestheader-client-ca", c.requestheader_client_ca_file});
  }
  const OperationalMetrics operational(std::move(member_states_source), std::move(certificates));
  handler.add_collectable(operational);
  http::ServerSettings server_settings;
  server_settings.bind_address = c.bind_address;
  server_settings.port = c.secure_port;
  server_settings.reuse_port = c.permit_port_sharing;
  server_settings.limits.max_header_bytes = c.max_request_header_bytes;
  server_settings.limits.max_body_bytes = c.max_request_body_bytes;
  server_settings.limits.max_buffered_bytes = c.max_buffered_request_bytes;
  server_settings.limits.handshake_timeout = c.tls_handshake_timeout;
  server_settings.limits.read_timeout = c.request_read_timeout;
  server_settings.limits.idle_timeout = c.idle_timeout;
  server_settings.limits.max_connections = c.max_connections;
  http::HttpsServer server(ioc, **tls, handler, server_settings);
  auto port = server.listen();
  if (!port) {
    log::error("cannot start", {{"err", "--bind-address/--secure-port: " + port.error().message}});
    return 1;
  }
  // The plain-HTTP /metrics listener of the reference (--metrics-bind-address), same registry.
  api::MetricsOnlyHandler metrics_handler(registry);
  metrics_handler.add_collectable(operational);
  std::string metrics_url;
  auto metrics_server = metrics_listener(ioc, metrics_handler, c, server_settings, metrics_url);
  if (!metrics_server) {
    log::error("cannot start", {{"err", "--metrics-bind-address: " + metrics_server.error().message}});
    return 1;
  }
  const std::string url = "https://" + url_host(c.bind_address) + ":" + std::to_string(*port);
  log::info("serving", {{"url", url}, {"threads", c.threads}, {"version", version_info().git_version}});
  std::cout << "fedmetrics-adapter serving on " << url << std::endl;
  if (*metrics_server) std::cout << "fedmetrics-adapter metrics on " << metrics_url << std::endl;

  server.start();
  if (*metrics_server) (*metrics_server)->start();
  if (static_directory) static_directory->start_polling(ioc.get_executor(), c.members_reload_interval);
  if (karmada_directory) karmada_directory->start(ioc.get_executor());
  if (leadership) leadership->start(ioc.get_executor());
  if (federated) federated->start();
  if (federatedhpa) {
    federatedhpa->start();
    if (!leadership) ownership.grant();
  }
  // Gated by the same ownership as the FederatedHPA loop (docs/federatedhpa.md "Ownership").
  if (cronfederatedhpa) cronfederatedhpa->start();

  // Certificate rotation without a restart: new connections get the new files, open ones keep theirs.
  asio::steady_timer tls_reload(ioc);
  std::function<void()> schedule_tls_reload = [&] {
    tls_reload.expires_after(c.tls_reload_interval);
    tls_reload.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      auto reloaded = (*tls)->reload_if_changed();
      if (!reloaded) {
        log::error("serving certificate reload failed; keeping the previous one", {{"error", reloaded.error().message}});
      } else if (*reloaded) {
        log::info("serving certificate reloaded", {{"cert", settings->cert_file}});
      }
      schedule_tls_reload();
    });
  };
  schedule_tls_reload();

  auto work = asio::make_work_guard(ioc);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::info("shutting down", {{"signal", signo}, {"grace_period_ms", c.shutdown_grace_period.count()},
                                {"in_flight", server.requests_in_flight()}});
    shutting_down.store(true);
    tls_reload.cancel();
    if (federatedhpa) federatedhpa->stop();
    if (cronfederatedhpa) cronfederatedhpa->stop();
    if (federated) federated->stop();
    if (static_directory) static_directory->stop();
    if (karmada_directory) karmada_directory->stop();
    asio::co_spawn(ioc, drain(&server, metrics_server->get(), leadership.get(), c.shutdown_grace_period),
                   [&](std::exception_ptr e) {
      if (e) log::error("shutdown failed");
      log::info("shutdown complete");
      work.reset();
      ioc.stop();
    });
  });

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < c.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace fedmetrics::app
