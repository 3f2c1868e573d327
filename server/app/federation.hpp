#pragma once
// The clients to the federation, built from the Config the same way for the server and for `explain`:
// the control plane (the Karmada apiserver of --kubeconfig), the member directory (--members-config or
// the control plane's Cluster objects), the member rate limits and metric clients, the federated metrics
// provider over them, and the FederatedHPA loop's member kube clients. Nothing is started here.
#include <memory>
#include <string>

#include "aggregation/federated_metrics_provider.hpp"
#include "aggregation/fhpa/member_kube_clients.hpp"
#include "clients/base/clock.hpp"
#include "clients/base/net.hpp"
#include "clients/base/result.hpp"
#include "clients/kube/https_rest_client.hpp"
#include "clients/members/karmada_cluster_directory.hpp"
#include "clients/members/member_client_cache.hpp"
#include "clients/members/member_rate_limits.hpp"
#include "clients/members/static_cluster_directory.hpp"
#include "server/app/config.hpp"

namespace prometheus {
class Registry;
}

namespace fedmetrics::app {

/// Members are destroyed in reverse order: the users before what they use. Not movable (the provider
/// and the clients hold references into it): keep it where it was built.
struct Federation {
  Federation() = default;
  Federation(const Federation&) = delete;
  Federation& operator=(const Federation&) = delete;

  std::unique_ptr<kube::HttpsRestClient> control_plane;  ///< null unless needed (see connect_federation)
  std::string control_plane_server;
  std::unique_ptr<members::ClusterDirectory> directory;  ///< null: no members (MembersSource::None)
  members::StaticClusterDirectory* static_directory = nullptr;    ///< into `directory`
  members::KarmadaClusterDirectory* karmada_directory = nullptr;  ///< into `directory`
  std::unique_ptr<members::MemberRateLimits> member_limits;  ///< --cluster-api-qps/burst, per member
  std::unique_ptr<members::MemberClientCache> member_clients;
  std::unique_ptr<aggregation::FederatedMetricsProvider> federated;  ///< with `directory`
  std::unique_ptr<fhpa::MemberKubeClients> member_kube_clients;      ///< with `directory`
};

/// Builds `out` from `c`. The control plane client is built when the members come from Karmada, or
/// `need_control_plane`. `clock` and `registry` must outlive `out`; the provider's member calls run on
/// strands of `executor`. Errors: InvalidArgument naming the flag (--kubeconfig, --members-config).
Result<void> connect_federation(const Config& c, bool need_control_plane, net::any_io_executor executor,
                                Clock& clock, prometheus::Registry& registry, Federation& out);

}  // namespace fedmetrics::app
