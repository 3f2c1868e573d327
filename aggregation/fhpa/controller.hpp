#pragma once
// The embedded FederatedHPA loop: replaces Karmada's FederatedHPA controller (karmada-reference.md §3).
//
//  * watches FederatedHPAs on the control plane (an informer); a new object or a spec change
//    (metadata.generation) is evaluated at once, every object again every sync period;
//  * a bounded pool of workers evaluates them (the reference has one), never the same object twice at once;
//  * each evaluation reads the template and member state and the metrics in-process (observe.hpp), decides
//    with autoscaler::decide() (the code path `simulate` runs), writes the template's scale subresource,
//    then status (only when changed), Events with the upstream reasons;
//  * every write goes through the fenced write path (clients/kube/fence.hpp): only while this replica owns
//    the object (kube::Ownership: the leader lease, or this replica alone), and conditional on the
//    resourceVersion read. A Conflict fails this step (FailedRescale for the scale) and the object is
//    evaluated again next period on fresh data; nothing is re-read and overwritten. Losing ownership
//    cancels the running evaluations: nothing is written after it;
//  * the recommendation and scale-event history is written to the object (kHistoryAnnotation) BEFORE the
//    scale write, so a restart or a new leader continues the stabilization windows and rate limits and
//    never scales twice for one decision (if the write then fails, the history is corrected);
//  * on gaining ownership of an object the history is re-read from it;
//  * a metrics error never scales down (decide()'s invalid-metric rule) and is retried at the next period,
//    not with an exponential backoff.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "aggregation/autoscaler/scenario.hpp"
#include "aggregation/fhpa/member_kube_clients.hpp"
#include "aggregation/provider/metrics_provider.hpp"
#include "clients/base/clock.hpp"
#include "clients/base/net.hpp"
#include "clients/kube/ownership.hpp"
#include "clients/kube/rest_client.hpp"
#include "clients/members/cluster_directory.hpp"

namespace prometheus {
class Registry;
}

namespace fedmetrics::fhpa {

struct ControllerOptions {
  std::chrono::milliseconds sync_period{std::chrono::seconds(15)};  ///< --horizontal-pod-autoscaler-sync-period
  unsigned workers = 5;                      ///< --concurrent-horizontal-pod-autoscaler-syncs
  autoscaler::Options decision;              ///< tolerance, delays, stabilization, profile switches
  std::chrono::seconds watch_timeout{10};    ///< informer watch window (event latency bound)
  std::string reporting_instance;            ///< Events' reportingInstance (the leader identity)
};

/// Metrics registered in the registry:
///   fedmetrics_federatedhpa_reconcile_duration_seconds{result}            histogram; result: success|error
///   fedmetrics_federatedhpa_metric_pull_duration_seconds{metric_type,result}  histogram
///   fedmetrics_federatedhpa_desired_replicas{namespace,name}              gauge
///   fedmetrics_federatedhpa_current_replicas{namespace,name}              gauge
///   fedmetrics_federatedhpa_decisions_total{action,reason}                counter; action: scale_up|scale_down|none
///
/// Thread-safe. Everything passed by reference must outlive the controller; stop() before destroying it
/// and before the io_context's threads are joined.
class FederatedHpaController {
 public:
  /// `ownership` says which FederatedHPAs this replica evaluates (and fences their writes); its changes
  /// are followed from start() on.
  FederatedHpaController(net::any_io_executor executor, kube::RestClient& control_plane,
                         members::ClusterDirectory& directory, MemberKubeClients& member_clients,
                         provider::MetricsProvider& metrics, kube::Ownership& ownership, const Clock& clock,
                         prometheus::Registry& registry, ControllerOptions options);
  ~FederatedHpaController();
  FederatedHpaController(const FederatedHpaController&) = delete;
  FederatedHpaController& operator=(const FederatedHpaController&) = delete;

  /// Starts the informer, the period timer and the workers. Only owned objects are evaluated.
  void start();
  /// Stops everything at the next wake-up. Idempotent.
  void stop();

  /// Evaluations finished so far (tests and /readyz-free observation).
  std::uint64_t evaluations() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fedmetrics::fhpa
