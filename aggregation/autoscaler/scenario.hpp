#pragma once
// Everything one reconcile decision depends on (a "scenario") and what it produces (a "Decision").
// The controller builds a Scenario from live reads; `simulate` builds it from JSON
// (spec/simulate-scenario.md). Plain values; units as in federated_hpa.hpp.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aggregation/autoscaler/federated_hpa.hpp"

namespace fedmetrics::autoscaler {

enum class Profile { Fedmetrics, Kube, Karmada };
enum class ToleranceForm { Bounds, Abs };
enum class MissingContainerMetric { Skip, Error };
enum class MissingContainerRequest { Error, Zero };
enum class PodKey { ClusterName, Name };
enum class ZeroReplicaRegime { Classic, ScaledToZero };
enum class CustomMetricDuplicates { Last, Sum };

/// Controller options; a profile supplies defaults (simulate-scenario.md "Profiles").
struct Options {
  Profile profile = Profile::Fedmetrics;
  double tolerance = 0.1;
  Millis cpu_initialization_period = 300'000;
  Millis initial_readiness_delay = 30'000;
  Millis downscale_stabilization_window = 300'000;
  double scale_up_limit_factor = 2.0;
  double scale_up_limit_minimum = 4.0;
  bool calibration = true;
  bool object_average_value_double_calibration = false;
  bool ignore_succeeded_pods = true;
  bool per_hpa_tolerance = true;
  ToleranceForm tolerance_form = ToleranceForm::Bounds;
  MissingContainerMetric missing_container_metric = MissingContainerMetric::Skip;
  MissingContainerRequest missing_container_request = MissingContainerRequest::Error;
  PodKey pod_key = PodKey::ClusterName;
  bool support_external_metrics = true;
  bool partial_statuses_on_failure = true;
  ZeroReplicaRegime zero_replica_regime = ZeroReplicaRegime::Classic;
  CustomMetricDuplicates custom_metric_duplicates = CustomMetricDuplicates::Last;
};

/// The option values of a profile (every numeric default is the same for all profiles).
Options profile_defaults(Profile p);

struct Container {
  std::string name;
  std::map<std::string, std::int64_t> requests;  ///< resource -> milli
};

struct Pod {
  std::string name;
  std::string cluster;
  std::string phase = "Running";
  std::optional<std::string> ready;  ///< "True"/"False"/"Unknown"; nullopt = no Ready condition
  Millis ready_transition_time = kZeroTime;
  std::optional<Millis> start_time;
  bool deleting = false;
  std::vector<Container> containers;
};

struct ContainerUsage {
  std::string name;
  std::map<std::string, std::int64_t> usage;  ///< resource -> milli
};

/// One item of the resource metrics API (metrics.k8s.io PodMetrics).
struct PodMetricsItem {
  std::string pod;
  std::string cluster;
  Millis timestamp = 0;
  Millis window = 0;
  std::vector<ContainerUsage> containers;
};

/// One custom-metrics API sample for a pod (Pods metrics).
struct PodSample {
  std::string pod;
  std::string cluster;
  std::int64_t value = 0;
  Millis timestamp = 0;
  Millis window = 60'000;
};

/// One member's answer to an Object/External metric read.
struct ClusterValues {
  std::string cluster;
  std::vector<std::int64_t> values;  ///< what it answered (External: every series; may be empty)
  std::optional<std::string> error;  ///< it failed (or answered NotFound) with this text
  bool operator==(const ClusterValues&) const = default;
};

/// What the metrics API answered for metric i (parallel to hpa.metrics). Resource types ignore it.
struct MetricData {
  std::optional<std::string> error;     ///< the fetch failed with this text
  std::vector<PodSample> samples;       ///< Pods
  std::vector<std::int64_t> values;     ///< Object (per-cluster answers, summed) / External series
  /// Object/External, per member (the live loop always fills it). When set, `values` is not used: the
  /// metric is the sum over the target clusters' entries (included clusters in federated mode, every
  /// entry otherwise), and a target cluster without an entry, or whose entry has an error, makes the
  /// metric invalid: a sum that misses a member would scale down on a partial answer (issue #12).
  std::optional<std::vector<ClusterValues>> by_cluster;
};

struct Recommendation {
  std::int32_t replicas = 0;
  Millis timestamp = 0;
  bool operator==(const Recommendation&) const = default;
};

struct ScaleEvent {
  std::int32_t change = 0;  ///< always positive
  Millis timestamp = 0;
  bool outdated = false;
  bool operator==(const ScaleEvent&) const = default;
};

/// Per-HPA in-memory controller state (hpa-algorithm.md §1.2).
struct History {
  std::optional<std::vector<Recommendation>> recommendations;  ///< nullopt = never initialised
  std::vector<ScaleEvent> scale_up_events;
  std::vector<ScaleEvent> scale_down_events;
  bool operator==(const History&) const = default;
};

enum class SelectorState { Ok, Missing, Unparsable, Ambiguous };

/// The target /scale (kube) or the template /scale (federated).
struct TargetScale {
  std::int32_t spec_replicas = 0;
  std::int32_t status_replicas = 0;
  SelectorState selector_state = SelectorState::Ok;
};

struct MemberCluster {
  std::string name;
  bool ready = true;
  bool reachable = true;
  std::int32_t spec_replicas = 0;
  std::int32_t status_replicas = 0;
};

struct Faults {
  bool get_scale = false;
  bool update_scale = false;
  bool get_scale_target_ref = false;  ///< federated only
  bool get_binding = false;           ///< federated only
};

struct Scenario {
  Millis now = 0;
  Options options;
  HpaSpec hpa;
  HpaStatus status;
  TargetScale target;
  std::optional<std::vector<MemberCluster>> clusters;  ///< nullopt = plain kube
  std::vector<Pod> pods;
  std::optional<std::vector<PodMetricsItem>> pod_metrics;  ///< nullopt = the call fails
  std::vector<MetricData> metric_data;
  History history;
  Faults faults;
};

/// How groupPods classified the pods of one metric, plus the ratios (informative).
struct MetricTrace {
  std::optional<std::int32_t> ready_count;
  std::vector<std::string> unready, missing, ignored;  ///< pod keys, sorted
  std::optional<double> ratio;
  std::optional<double> new_ratio;  ///< after the missing/unready rebalance
  std::optional<std::int32_t> ready_pods;  ///< Object/External Value multiplier
};

struct MetricResult {
  int index = 0;
  MetricSourceType type = MetricSourceType::Invalid;
  std::string type_name;
  std::string name;  ///< display name (hpa-algorithm.md §1.6)
  bool valid = false;
  std::int32_t replicas = 0;
  std::string error;
  std::string reason;  ///< condition reason when invalid
  MetricStatus current;
  MetricTrace trace;
};

struct Event {
  std::string type, reason, message;
  bool operator==(const Event&) const = default;
};

struct Decision {
  std::int32_t desired_replicas = 0;
  std::optional<std::int32_t> replicas;  ///< the scale's spec.replicas afterwards; nullopt if unreadable
  std::optional<std::int32_t> current_replicas;
  std::int32_t status_replicas = 0;
  double calibration = 1.0;
  bool rescale = false;
  bool scale_updated = false;
  std::string branch;  ///< failedGetScale | disabled | aboveMax | belowMin | metrics
  std::optional<std::int32_t> proposal;
  std::string proposal_metric;
  std::optional<std::int32_t> stabilized;
  std::string limit_reason;
  std::string rescale_reason;
  std::vector<MetricResult> metrics;
  std::vector<Event> events;
  std::optional<std::string> error;
  HpaStatus status;
  bool status_changed = false;
  History history;
};

}  // namespace fedmetrics::autoscaler
