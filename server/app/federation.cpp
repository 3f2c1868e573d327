#include "server/app/federation.hpp"

#include "clients/kube/kubeconfig.hpp"
#include "clients/members/kube_member_client.hpp"

namespace fedmetrics::app {

Result<void> connect_federation(const Config& c, bool need_control_plane, net::any_io_executor executor,
                                Clock& clock, prometheus::Registry& registry, Federation& out) {
  if (c.members_source == Config::MembersSource::Karmada || need_control_plane) {
    auto rest = kube::load_rest_config(c.kubeconfig, "", kube::InClusterSource::from_environment());
    if (!rest) return make_error(Errc::InvalidArgument, "--kubeconfig: " + rest.error().message);
    try {
      kube::RestClientOptions limits;
      limits.qps = c.kube_api_qps;
      limits.burst = c.kube_api_burst;
      out.control_plane = kube::HttpsRestClient::from_config(*rest, clock, limits);
    } catch (const std::exception& e) {
      return make_error(Errc::InvalidArgument, std::string("--kubeconfig: ") + e.what());
    }
    out.control_plane_server = rest->server;
  }
  if (c.members_source == Config::MembersSource::Static) {
    try {
      auto d = std::make_unique<members::StaticClusterDirectory>(c.members_config);
      out.static_directory = d.get();
      out.directory = std::move(d);
    } catch (const std::exception& e) {
      return make_error(Errc::InvalidArgument, std::string("--members-config: ") + e.what());
    }
  } else if (c.members_source == Config::MembersSource::Karmada) {
    auto d = std::make_unique<members::KarmadaClusterDirectory>(
        *out.control_plane, members::KarmadaClusterDirectoryOptions{c.members_reload_interval});
    out.karmada_directory = d.get();
    out.directory = std::move(d);
  }
  // One rate limit per member, shared by the metric reads and the FederatedHPA loop's reads (--cluster-api-*).
  out.member_limits = std::make_unique<members::MemberRateLimits>(c.cluster_api_qps, c.cluster_api_burst, clock);
  if (!out.directory) return ok();
  out.member_clients = std::make_unique<members::MemberClientCache>(
      members::kube_member_client_factory(clock, {}, out.member_limits.get()));
  aggregation::FederatedMetricsProviderOptions options;
  options.member_timeout = c.member_timeout;
  options.request_timeout = c.request_timeout;
  options.cache_ttl = c.metrics_cache_ttl;
  options.discovery_interval = c.discovery_refresh_interval;
  options.max_in_flight = c.member_max_in_flight;
  out.federated = std::make_unique<aggregation::FederatedMetricsProvider>(std::move(executor), *out.directory,
                                                                          *out.member_clients, clock, registry, options);
  out.member_kube_clients =
      std::make_unique<fhpa::MemberKubeClients>(fhpa::https_member_rest_factory(clock, out.member_limits.get()));
  return ok();
}

}  // namespace fedmetrics::app
