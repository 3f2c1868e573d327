#pragma once
// FederatedHPA / autoscaling/v2 HorizontalPodAutoscaler model: spec, metrics, behavior and status.
// Plain value types, no I/O. Quantities are int64 MILLI-units, times are int64 MILLISECONDS since an
// arbitrary epoch (spec/hpa-algorithm.md §0.2, spec/simulate-scenario.md "Units and numerics").
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace fedmetrics::autoscaler {

/// A point in time in milliseconds. Durations are milliseconds too.
using Millis = std::int64_t;
/// Go's zero time.Time ("never"): far in the past, yet safe to add a window to without overflow.
inline constexpr Millis kZeroTime = std::numeric_limits<std::int64_t>::min() / 4;

enum class MetricSourceType { Resource, ContainerResource, Pods, Object, External, Invalid };
enum class TargetType { Unset, Utilization, Value, AverageValue };

std::string to_string(MetricSourceType t);
std::string to_string(TargetType t);

struct MetricTarget {
  TargetType type = TargetType::Unset;  ///< Unset: pick whichever field is set (upstream order)
  std::optional<std::int32_t> average_utilization;
  std::optional<std::int64_t> value;          ///< milli
  std::optional<std::int64_t> average_value;  ///< milli
  bool operator==(const MetricTarget&) const = default;
};

struct ObjectReference {
  std::string api_version, kind, name;
  bool operator==(const ObjectReference&) const = default;
};

struct MetricSpec {
  MetricSourceType type = MetricSourceType::Resource;
  std::string type_name;      ///< the type as written (kept for InvalidMetricSourceType messages)
  std::string resource_name;  ///< Resource / ContainerResource
  std::string container;      ///< ContainerResource
  std::string metric_name;    ///< Pods / Object / External
  std::string selector_text;  ///< metric label selector rendered for display; "<nil>" when absent
  ObjectReference described_object;  ///< Object
  MetricTarget target;
  bool operator==(const MetricSpec&) const = default;
};

/// The default metric when spec.metrics is empty: cpu Utilization 80 (hpa-algorithm.md §4.1).
MetricSpec default_cpu_metric();

enum class PolicyType { Pods, Percent };
enum class SelectPolicy { Max, Min, Disabled };

struct ScalingPolicy {
  PolicyType type = PolicyType::Pods;
  std::int32_t value = 0;
  std::int32_t period_seconds = 0;
  bool operator==(const ScalingPolicy&) const = default;
};

struct ScalingRules {
  std::optional<std::int32_t> stabilization_window_seconds;
  std::optional<SelectPolicy> select_policy;
  std::optional<std::vector<ScalingPolicy>> policies;
  std::optional<double> tolerance;  ///< KEP-4951 per-direction tolerance; nil = global
  bool operator==(const ScalingRules&) const = default;
};

struct Behavior {
  std::optional<ScalingRules> scale_up;
  std::optional<ScalingRules> scale_down;
  bool operator==(const Behavior&) const = default;
};

/// API defaulting of a non-nil behavior, per direction and per nil field (§4.1). The scale-down window
/// stays nil: the controller substitutes its downscale-stabilization flag at reconcile time.
Behavior default_behavior(const Behavior& b);

struct HpaSpec {
  std::optional<std::int32_t> min_replicas;  ///< nil reads as 1
  std::int32_t max_replicas = 0;
  std::vector<MetricSpec> metrics;  ///< empty means [default_cpu_metric()]
  std::optional<Behavior> behavior; ///< nil selects the legacy normalization path
  bool operator==(const HpaSpec&) const = default;
};

struct Condition {
  std::string type, status, reason, message;
  std::optional<Millis> last_transition_time;
  bool operator==(const Condition&) const = default;
};

/// autoscaling/v2 MetricStatus, flattened. A failed metric leaves a default (type Invalid, empty) entry.
struct MetricStatus {
  std::optional<MetricSourceType> type;  ///< nullopt: the zero-valued entry of a failed metric
  std::string name;       ///< resource name or metric name
  std::string container;  ///< ContainerResource
  ObjectReference described_object;
  std::optional<std::int64_t> value;
  std::optional<std::int64_t> average_value;
  std::optional<std::int32_t> average_utilization;
  bool operator==(const MetricStatus&) const = default;
};

struct HpaStatus {
  std::int32_t current_replicas = 0;
  std::int32_t desired_replicas = 0;
  std::optional<Millis> last_scale_time;
  std::optional<std::vector<MetricStatus>> current_metrics;
  std::vector<Condition> conditions;
  bool operator==(const HpaStatus&) const = default;
};

}  // namespace fedmetrics::autoscaler
