#pragma once
// The reads of one reconcile (karmada-reference.md §3.3 steps 1-6, without ResourceBinding): the
// template's scale on the control plane, each member's scale of the same-named workload and its pods, and
// every metric from the in-process MetricsProvider (no network hop to ourselves), the PodMetrics of
// Resource/ContainerResource metrics included. The result is a
// Scenario: what autoscaler::decide() needs, the same input `simulate` reads from JSON.
//
// Target clusters are the directory's members that have the workload: a member answering NotFound for
// the workload's scale is not a target; any other failure marks it unreachable (its pods are neither
// counted nor "missing", and calibration leaves it out), like a NotReady cluster in the reference.
#include <functional>
#include <string>
#include <vector>

#include "aggregation/autoscaler/scenario.hpp"
#include "aggregation/fhpa/federated_hpa_object.hpp"
#include "aggregation/fhpa/member_kube_clients.hpp"
#include "aggregation/provider/metrics_provider.hpp"
#include "clients/base/net.hpp"
#include "clients/kube/objects.hpp"
#include "clients/kube/rest_client.hpp"
#include "clients/kubeapi/metric_value.hpp"
#include "clients/kubeapi/resource_metrics.hpp"
#include "clients/members/cluster_directory.hpp"

namespace fedmetrics::fhpa {

/// Reports one metric pull: the metric type, whether it succeeded, and how long it took.
using PullObserver = std::function<void(autoscaler::MetricSourceType, bool ok, double seconds)>;

struct ObserveDeps {
  kube::RestClient* control_plane = nullptr;
  members::ClusterDirectory* directory = nullptr;
  MemberKubeClients* member_clients = nullptr;
  provider::MetricsProvider* metrics = nullptr;
  PullObserver on_pull;  ///< optional
};

struct Observation {
  autoscaler::Scenario scenario;
  kube::ResourceRef target;           ///< the template's resource, in the FederatedHPA's namespace
  kube::Scale template_scale;         ///< as read (its resourceVersion is the scale write's precondition)
  std::vector<std::string> problems;  ///< per-cluster read failures, for the log
};

/// Reads everything for `hpa` (which must be valid: spec_errors empty). `scenario.options`, `now`,
/// `status` and `history` are filled from the arguments. Never fails: failed reads become the Scenario's
/// faults, unreachable clusters and metric errors, which decide() turns into conditions and events.
net::awaitable<Observation> observe(FederatedHpa hpa, autoscaler::Options options, autoscaler::History history,
                                    Millis now, ObserveDeps deps);

/// One evaluation without a write: observe(), then autoscaler::decide() on what it read. The loop's
/// evaluation starts with it (then writes history, scale, status and events); `explain` is exactly it.
struct Evaluation {
  Observation observation;
  autoscaler::Decision decision;
};
net::awaitable<Evaluation> evaluate(FederatedHpa hpa, autoscaler::Options options, autoscaler::History history,
                                    Millis now, ObserveDeps deps);

// --- conversions (pure; exposed for tests) -------------------------------------------------------------

/// A member pod as the calculator sees it (cluster-qualified; times as Unix milliseconds).
[[nodiscard]] autoscaler::Pod to_autoscaler_pod(const kube::Pod& pod, const std::string& cluster);
/// PodMetrics of a resource metrics answer as the calculator sees them: cluster-qualified, usage in milli-units,
/// times as Unix milliseconds (a timestamp that is not RFC 3339 reads as `now`), the window in milliseconds.
[[nodiscard]] std::vector<autoscaler::PodMetricsItem> to_pod_metrics(const kubeapi::ResourceMetricsList& list,
                                                                     Millis now);
/// Pods samples from a by-cluster custom metrics answer. A timestamp that is not RFC 3339 reads as `now`;
/// a missing window as 60 s (custom-metrics default).
[[nodiscard]] std::vector<autoscaler::PodSample> to_pod_samples(const kubeapi::MetricValueList& list, Millis now);
/// The string form of a metric selector written as JSON (metav1.LabelSelector) in MetricSpec::selector_text
/// ("<nil>" or empty = everything). Errors: InvalidArgument for an unknown operator or a bad shape.
[[nodiscard]] Result<std::string> metric_selector_string(const std::string& selector_json);

}  // namespace fedmetrics::fhpa
