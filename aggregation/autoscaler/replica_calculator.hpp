#pragma once
// Per-metric replica calculators (hpa-algorithm.md §2): Resource / ContainerResource (Utilization,
// AverageValue), Pods, Object (Value, AverageValue), External (Value, AverageValue), with tolerance,
// the missing/unready rebalance, Karmada calibration and int32 saturation. Pure; `now` is an input.
// Double operation order follows §7: ratio first, then ceil(ratio * n / calibration).
#include <cstdint>
#include <string>
#include <vector>

#include "aggregation/autoscaler/pod_grouping.hpp"
#include "aggregation/autoscaler/scenario.hpp"

namespace fedmetrics::autoscaler {

/// within(r) of §2.1. Bounds: (1 - down) <= r <= (1 + up). Abs (Karmada/older kube): 1 - r <= down and
/// r - 1 <= up, which differs in floating point at the edges. within(NaN) is false in both forms.
struct Tolerances {
  double down = 0.1;
  double up = 0.1;
  ToleranceForm form = ToleranceForm::Bounds;
  [[nodiscard]] bool within(double ratio) const;
};

/// int32(x) with saturation at the int32 range; NaN -> 0.
[[nodiscard]] std::int32_t saturate_int32(double x);
/// a + b saturating at the int64 range.
[[nodiscard]] std::int64_t saturating_add(std::int64_t a, std::int64_t b);

/// Everything a calculator needs besides the metric spec and its data.
struct CalcContext {
  Millis now = 0;
  const Options* options = nullptr;
  std::vector<const Pod*> pods;  ///< listed by the selector (included clusters only)
  const std::optional<std::vector<PodMetricsItem>>* pod_metrics = nullptr;
  Tolerances tolerances;
  std::int32_t current_replicas = 0;  ///< spec.replicas (kube) or template spec.replicas (federated)
  std::int32_t status_replicas = 0;   ///< status.replicas (kube) or sum of member status (federated)
  double calibration = 1.0;           ///< sum(member spec) / template spec; 1.0 when off
  /// Federated mode: the target clusters counted (ready and reachable); nullptr in plain kube mode.
  const std::vector<std::string>* included_clusters = nullptr;
};

/// Calibration (federated mode, §5.3) divides every "ratio x pods" product. Object AverageValue with
/// objectAverageValueDoubleCalibration (Karmada's quirk): r = ceil(v/A/c) (or statusReplicas when within
/// tolerance) and the result is ceil(r/c). Otherwise, and always for External AverageValue (Karmada has no
/// External path to copy a quirk from), calibration is applied once: ceil(v/A/c) outside tolerance,
/// ceil(statusReplicas/c) within.
/// Computes one metric. On failure `valid` is false and `error`/`reason` are set (reason is the
/// ScalingActive=False reason, e.g. FailedGetResourceMetric); `current` then stays default.
MetricResult compute_metric(int index, const MetricSpec& spec, const MetricData* data, const CalcContext& ctx);

/// Display name of a metric (hpa-algorithm.md §1.6), used in conditions, events and rescale reasons.
std::string metric_display_name(const MetricSpec& spec);

}  // namespace fedmetrics::autoscaler
