#include "aggregation/autoscaler/decide.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "aggregation/autoscaler/conditions.hpp"
#include "aggregation/autoscaler/normalization.hpp"
#include "aggregation/autoscaler/replica_calculator.hpp"

namespace fedmetrics::autoscaler {

namespace {

// The working state of one reconcile; finish() turns it into the Decision.
struct Reconcile {
  const Scenario& sc;
  Decision d;
  HpaStatus status;
  History history;

  explicit Reconcile(const Scenario& s) : sc(s), status(s.status), history(s.history) {}

  void event(std::string type, std::string reason, std::string message) {
    d.events.push_back(Event{std::move(type), std::move(reason), std::move(message)});
  }
  void condition(std::string_view type, bool st, std::string reason, std::string message) {
    set_condition(status.conditions, type, st, std::move(reason), std::move(message), sc.now);
  }
  Decision finish() {
    d.desired_replicas = status.desired_replicas;
    d.status_changed = !(status == sc.status);
    d.status = std::move(status);
    d.history = std::move(history);
    return std::move(d);
  }
  // AbleToScale=False paths before the scale is known: only the condition changes.
  Decision fail_get_scale(std::string cond_reason, std::string event_reason, const std::string& msg) {
    d.branch = "failedGetScale";
    condition(kAbleToScale, false, std::move(cond_reason), "the HPA controller was unable to get the target's current scale: " + msg);
    event("Warning", std::move(event_reason), msg);
    d.error = msg;
    return finish();
  }
};

Tolerances tolerances_for(const Scenario& sc) {
  Tolerances t{sc.options.tolerance, sc.options.tolerance, sc.options.tolerance_form};
  if (sc.options.per_hpa_tolerance && sc.hpa.behavior) {
    const auto& b = *sc.hpa.behavior;
    if (b.scale_up && b.scale_up->tolerance) t.up = *b.scale_up->tolerance;
    if (b.scale_down && b.scale_down->tolerance) t.down = *b.scale_down->tolerance;
  }
  return t;
}

const char* selector_failure(SelectorState s, const char** event_reason) {
  switch (s) {
    case SelectorState::Missing: *event_reason = "SelectorRequired"; return "InvalidSelector";
    case SelectorState::Unparsable: *event_reason = "InvalidSelector"; return "InvalidSelector";
    case SelectorState::Ambiguous: *event_reason = "AmbiguousSelector"; return "AmbiguousSelector";
    case SelectorState::Ok: break;
  }
  return nullptr;
}

std::string selector_message(SelectorState s) {
  switch (s) {
    case SelectorState::Missing: return "selector is required";
    case SelectorState::Unparsable: return "couldn't convert selector into a corresponding internal selector object";
    case SelectorState::Ambiguous: return "pods by selector are controlled by multiple HPAs";
    case SelectorState::Ok: break;
  }
  return "";
}

}  // namespace

Decision decide(const Scenario& sc) {
  Reconcile rc(sc);
  Decision& d = rc.d;
  const Options& opt = sc.options;
  const Millis now = sc.now;
  const std::int32_t min_replicas = sc.hpa.min_replicas.value_or(1);
  const std::int32_t max_replicas = sc.hpa.max_replicas;
  const std::vector<MetricSpec> metrics =
      sc.hpa.metrics.empty() ? std::vector<MetricSpec>{default_cpu_metric()} : sc.hpa.metrics;
  const std::optional<Behavior> behavior =
      sc.hpa.behavior ? std::optional<Behavior>(default_behavior(*sc.hpa.behavior)) : std::nullopt;
  const bool federated = sc.clusters.has_value();
  const std::int32_t cur = sc.target.spec_replicas;

  // --- read the scale (kube) or the template and the member scales (Karmada, §5.2) ---
  std::int32_t status_replicas = sc.target.status_replicas;
  double calibration = 1.0;
  std::vector<const Pod*> pods;
  std::vector<std::string> included;  // federated: the ready and reachable target clusters
  if (federated) {
    if (sc.faults.get_scale_target_ref) {
      return rc.fail_get_scale("FailedGetScaleTargetRef", "FailedGetScaleTargetRef", "failed to get the scale target reference");
    }
    if (sc.faults.get_binding) return rc.fail_get_scale("FailedGetBinding", "FailedGetBindings", "failed to get the resource binding");
    if (sc.clusters->empty()) {
      return rc.fail_get_scale("FailedGetTargetClusters", "FailedGetTargetClusters", "binding has no schedulable clusters");
    }
    std::int64_t member_spec = 0, member_status = 0;
    for (const auto& c : *sc.clusters) {
      if (!c.ready || !c.reachable) continue;
      included.push_back(c.name);
      member_spec += c.spec_replicas;
      member_status += c.status_replicas;
    }
    if (member_spec == 0 && !(cur == 0 && min_replicas == 0)) {
      return rc.fail_get_scale("FailedGetScale", "FailedGetScale",
                               "failed to get replicas in any of clusters, possibly because all of clusters are not ready");
    }
    status_replicas = static_cast<std::int32_t>(
        std::clamp<std::int64_t>(member_status, 0, std::numeric_limits<std::int32_t>::max()));
    if (opt.calibration && cur != 0) calibration = static_cast<double>(member_spec) / static_cast<double>(cur);
    for (const auto& p : sc.pods) {
      if (std::find(included.begin(), included.end(), p.cluster) != included.end()) pods.push_back(&p);
    }
  } else {
    for (const auto& p : sc.pods) pods.push_back(&p);
  }
  if (sc.faults.get_scale) return rc.fail_get_scale("FailedGetScale", "FailedGetScale", "failed to query the scale subresource");

  d.current_replicas = cur;
  d.status_replicas = status_replicas;
  d.calibration = calibration;
  rc.condition(kAbleToScale, true, "SucceededGetScale", "the HPA controller was able to get the target's current scale");
  if (!rc.history.recommendations) rc.history.recommendations = std::vector<Recommendation>{{cur, now}};

  // --- zero-replica regime (§1.4) ---
  const bool has_object_or_external = std::any_of(metrics.begin(), metrics.end(), [](const MetricSpec& m) {
    return m.type == MetricSourceType::Object || m.type == MetricSourceType::External;
  });
  const bool scaled_to_zero_regime = opt.zero_replica_regime == ZeroReplicaRegime::ScaledToZero;
  bool had_scaled_to_zero = false;
  if (scaled_to_zero_regime) {
    const Condition* c = find_condition(rc.status.conditions, kScaledToZero);
    had_scaled_to_zero = c != nullptr && c->status == "True";
  } else {
    remove_condition(rc.status.conditions, kScaledToZero);
  }
  bool disabled = false;
  if (cur == 0) {
    disabled = scaled_to_zero_regime ? !(had_scaled_to_zero && (min_replicas != 0 || has_object_or_external))
                                     : min_replicas != 0;
  }

  std::int32_t desired = 0;
  std::optional<std::vector<MetricStatus>> statuses;
  std::optional<std::string> metric_error;
  if (disabled) {
    d.branch = "disabled";
    rc.condition(kScalingActive, false, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
  } else if (cur > max_replicas) {
    d.branch = "aboveMax";
    d.rescale_reason = "Current number of replicas above Spec.MaxReplicas";
    desired = max_replicas;
  } else if (cur < min_replicas) {
    d.branch = "belowMin";
    d.rescale_reason = "Current number of replicas below Spec.MinReplicas";
    desired = min_replicas;
  } else {
    d.branch = "metrics";
    std::int32_t proposal = 0;
    std::string proposal_metric;
    const char* sel_event = nullptr;
    if (const char* sel_reason = selector_failure(sc.target.selector_state, &sel_event)) {
      const std::string msg = selector_message(sc.target.selector_state);
      rc.event("Warning", sel_event, msg);
      rc.condition(kScalingActive, false, sel_reason, "the HPA target's scale has an invalid selector: " + msg);
      metric_error = msg;
      proposal = -1;
    } else {
      CalcContext ctx;
      ctx.now = now;
      ctx.options = &opt;
      ctx.pods = pods;
      ctx.pod_metrics = &sc.pod_metrics;
      ctx.tolerances = tolerances_for(sc);
      ctx.current_replicas = cur;
      ctx.status_replicas = status_replicas;
      ctx.calibration = calibration;
      if (federated) ctx.included_clusters = &included;
      statuses.emplace(metrics.size());
      int invalid = 0;
      const MetricResult* first_invalid = nullptr;
      for (std::size_t i = 0; i < metrics.size(); ++i) {
        const MetricData* data = i < sc.metric_data.size() ? &sc.metric_data[i] : nullptr;
        d.metrics.push_back(compute_metric(static_cast<int>(i), metrics[i], data, ctx));
      }
      for (const auto& r : d.metrics) {
        if (!r.valid) {
          ++invalid;
          rc.event("Warning", r.reason, r.error);
          if (first_invalid == nullptr) first_invalid = &r;
          continue;
        }
        (*statuses)[static_cast<std::size_t>(r.index)] = r.current;
        if (proposal == 0 || r.replicas > proposal) {
          proposal = r.replicas;
          proposal_metric = r.name;
        }
      }
      const int n = static_cast<int>(metrics.size());
      if (invalid > 0) {
        metric_error = "invalid metrics (" + std::to_string(invalid) + " invalid out of " + std::to_string(n) +
                       "), first error is: " + first_invalid->error;
      }
      if (invalid >= n || (invalid > 0 && proposal < cur)) {
        rc.condition(kScalingActive, false, first_invalid->reason,
                     "the HPA was unable to compute the replica count: " + first_invalid->error);
        proposal = -1;
        proposal_metric.clear();
      } else {
        rc.condition(kScalingActive, true, "ValidMetricFound",
                     "the HPA was able to successfully calculate a replica count from " + proposal_metric);
      }
    }
    d.proposal = proposal;
    d.proposal_metric = proposal_metric;
    if (proposal == -1) {
      // FailedComputeMetricsReplicas: no scaling, desiredReplicas keeps its old value.
      rc.status.current_replicas = cur;
      if (opt.partial_statuses_on_failure) rc.status.current_metrics = statuses;
      const std::string err = "failed to compute desired number of replicas based on listed metrics: " + *metric_error;
      rc.event("Warning", "FailedComputeMetricsReplicas", err);
      d.error = err;
      d.replicas = cur;
      return rc.finish();
    }
    desired = std::max(0, proposal);
    if (desired > cur) d.rescale_reason = proposal_metric + " above target";
    if (desired < cur) d.rescale_reason = "All metrics below target";

    std::int32_t stabilized = 0;
    Limited lim;
    if (behavior) {
      Behavior b = *behavior;
      const Millis up_window = static_cast<Millis>(b.scale_up->stabilization_window_seconds.value_or(0)) * 1000;
      const Millis down_window = b.scale_down->stabilization_window_seconds
                                     ? static_cast<Millis>(*b.scale_down->stabilization_window_seconds) * 1000
                                     : opt.downscale_stabilization_window;
      const Stabilized st = stabilize_with_behaviors(*rc.history.recommendations, cur, desired, up_window, down_window, now);
      stabilized = st.replicas;
      if (stabilized != desired) {
        rc.condition(kAbleToScale, true, st.reason,
                     st.reason == "ScaleUpStabilized"
                         ? "recent recommendations were lower than current one, applying the lowest recent recommendation"
                         : "recent recommendations were higher than current one, applying the highest recent recommendation");
      } else {
        rc.condition(kAbleToScale, true, "ReadyForNewScale", "recommended size matches current size");
      }
      lim = limit_with_behavior(cur, stabilized, min_replicas, max_replicas, b, rc.history, now);
    } else {
      stabilized = stabilize_legacy(*rc.history.recommendations, desired, opt.downscale_stabilization_window, now);
      if (stabilized != desired) {
        rc.condition(kAbleToScale, true, "ScaleDownStabilized",
                     "recent recommendations were higher than current one, applying the highest recent recommendation");
      } else {
        rc.condition(kAbleToScale, true, "ReadyForNewScale", "recommended size matches current size");
      }
      lim = limit_legacy(cur, stabilized, min_replicas, max_replicas, opt.scale_up_limit_factor, opt.scale_up_limit_minimum);
    }
    rc.condition(kScalingLimited, lim.replicas != stabilized, lim.reason, lim.message);
    d.stabilized = stabilized;
    d.limit_reason = lim.reason;
    desired = lim.replicas;
    if (scaled_to_zero_regime && cur == 0 && min_replicas != 0 && had_scaled_to_zero && desired < min_replicas) {
      desired = min_replicas;
    }
  }

  // --- rescale (§1.3 step 6) ---
  const bool rescale = !disabled && desired != cur;
  d.rescale = rescale;
  d.replicas = cur;
  if (rescale) {
    const std::string size = "New size: " + std::to_string(desired) + "; reason: " + d.rescale_reason;
    if (sc.faults.update_scale) {
      const std::string err = "failed to update the scale subresource";
      rc.event("Warning", "FailedRescale", size + "; error: " + err);
      rc.condition(kAbleToScale, false, "FailedUpdateScale", "the HPA controller was unable to update the target scale: " + err);
      rc.status.current_replicas = cur;
      if (opt.partial_statuses_on_failure) rc.status.current_metrics = statuses;
      d.error = "failed to rescale: " + err;
      return rc.finish();
    }
    rc.condition(kAbleToScale, true, "SucceededRescale",
                 "the HPA controller was able to update the target scale to " + std::to_string(desired));
    rc.event("Normal", "SuccessfulRescale", size);
    store_scale_event(rc.history, behavior, cur, desired, now);
    if (scaled_to_zero_regime) {
      if (cur > 0 && desired == 0 && min_replicas == 0 && has_object_or_external) {
        rc.condition(kScaledToZero, true, "ScaledToZero", "the HPA scaled the target to zero");
      } else {
        rc.condition(kScaledToZero, false, "NotScaledToZero", "the HPA did not scale the target to zero");
      }
    }
    d.scale_updated = true;
    d.replicas = desired;
  } else {
    desired = cur;
  }

  // --- setStatus (§1.3 step 7) ---
  rc.status.current_replicas = cur;
  rc.status.desired_replicas = desired;
  rc.status.current_metrics = statuses;
  if (rescale) rc.status.last_scale_time = now;
  if (metric_error) d.error = *metric_error;
  return rc.finish();
}

}  // namespace fedmetrics::autoscaler
