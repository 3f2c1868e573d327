#include "aggregation/autoscaler/scenario_writer.hpp"

#include "aggregation/autoscaler/decision_json.hpp"

namespace fedmetrics::autoscaler {

namespace {

using ojson = nlohmann::ordered_json;

ojson time_or_null(Millis t) { return t == kZeroTime ? ojson() : time_to_json(t); }

const char* profile_name(Profile p) {
  switch (p) {
    case Profile::Kube: return "kube";
    case Profile::Karmada: return "karmada";
    case Profile::Fedmetrics: break;
  }
  return "fedmetrics";
}

ojson options_json(const Options& o) {
  return {{"profile", profile_name(o.profile)},
          {"tolerance", o.tolerance},
          {"cpuInitializationPeriod", time_to_json(o.cpu_initialization_period)},
          {"initialReadinessDelay", time_to_json(o.initial_readiness_delay)},
          {"downscaleStabilizationWindow", time_to_json(o.downscale_stabilization_window)},
          {"scaleUpLimitFactor", o.scale_up_limit_factor},
          {"scaleUpLimitMinimum", o.scale_up_limit_minimum},
          {"calibration", o.calibration},
          {"objectAverageValueDoubleCalibration", o.object_average_value_double_calibration},
          {"ignoreSucceededPods", o.ignore_succeeded_pods},
          {"perHpaTolerance", o.per_hpa_tolerance},
          {"toleranceForm", o.tolerance_form == ToleranceForm::Abs ? "abs" : "bounds"},
          {"missingContainerMetric", o.missing_container_metric == MissingContainerMetric::Error ? "error" : "skip"},
          {"missingContainerRequest", o.missing_container_request == MissingContainerRequest::Zero ? "zero" : "error"},
          {"podKey", o.pod_key == PodKey::Name ? "name" : "cluster/name"},
          {"supportExternalMetrics", o.support_external_metrics},
          {"partialStatusesOnFailure", o.partial_statuses_on_failure},
          {"zeroReplicaRegime", o.zero_replica_regime == ZeroReplicaRegime::ScaledToZero ? "scaledToZero" : "classic"},
          {"customMetricDuplicates", o.custom_metric_duplicates == CustomMetricDuplicates::Sum ? "sum" : "last"}};
}

ojson target_json(const MetricTarget& t) {
  ojson j = ojson::object();
  if (t.type != TargetType::Unset) j["type"] = to_string(t.type);
  if (t.average_utilization) j["averageUtilization"] = *t.average_utilization;
  if (t.average_value) j["averageValue"] = *t.average_value;
  if (t.value) j["value"] = *t.value;
  return j;
}

ojson metric_identifier(const MetricSpec& m) {
  ojson selector;
  if (m.selector_text != "<nil>" && !m.selector_text.empty()) {
    selector = ojson::parse(m.selector_text, nullptr, false);
    if (selector.is_discarded()) selector = nullptr;
  }
  return {{"name", m.metric_name}, {"selector", selector}};
}

ojson metric_json(const MetricSpec& m) {
  switch (m.type) {
    case MetricSourceType::Resource:
      return {{"type", m.type_name}, {"resource", {{"name", m.resource_name}, {"target", target_json(m.target)}}}};
    case MetricSourceType::ContainerResource:
      return {{"type", m.type_name},
              {"containerResource",
               {{"name", m.resource_name}, {"container", m.container}, {"target", target_json(m.target)}}}};
    case MetricSourceType::Pods:
      return {{"type", m.type_name}, {"pods", {{"metric", metric_identifier(m)}, {"target", target_json(m.target)}}}};
    case MetricSourceType::Object:
      return {{"type", m.type_name},
              {"object",
               {{"describedObject",
                 {{"apiVersion", m.described_object.api_version},
                  {"kind", m.described_object.kind},
                  {"name", m.described_object.name}}},
                {"metric", metric_identifier(m)},
                {"target", target_json(m.target)}}}};
    case MetricSourceType::External:
      return {{"type", m.type_name},
              {"external", {{"metric", metric_identifier(m)}, {"target", target_json(m.target)}}}};
    case MetricSourceType::Invalid: break;
  }
  return {{"type", m.type_name}};
}

ojson rules_json(const ScalingRules& r) {
  ojson j = ojson::object();
  j["stabilizationWindowSeconds"] = r.stabilization_window_seconds ? ojson(*r.stabilization_window_seconds) : ojson();
  j["selectPolicy"] = r.select_policy ? ojson(*r.select_policy == SelectPolicy::Max   ? "Max"
                                              : *r.select_policy == SelectPolicy::Min ? "Min"
                                                                                      : "Disabled")
                                      : ojson();
  if (r.policies) {
    j["policies"] = ojson::array();
    for (const auto& p : *r.policies) {
      j["policies"].push_back({{"type", p.type == PolicyType::Pods ? "Pods" : "Percent"},
                               {"value", p.value},
                               {"periodSeconds", p.period_seconds}});
    }
  } else {
    j["policies"] = nullptr;
  }
  j["tolerance"] = r.tolerance ? ojson(*r.tolerance) : ojson();
  return j;
}

ojson hpa_json(const HpaSpec& h) {
  ojson j{{"minReplicas", h.min_replicas ? ojson(*h.min_replicas) : ojson()}, {"maxReplicas", h.max_replicas}};
  j["metrics"] = ojson::array();
  for (const auto& m : h.metrics) j["metrics"].push_back(metric_json(m));
  if (h.behavior) {
    j["behavior"] = {{"scaleUp", h.behavior->scale_up ? rules_json(*h.behavior->scale_up) : ojson()},
                     {"scaleDown", h.behavior->scale_down ? rules_json(*h.behavior->scale_down) : ojson()}};
  } else {
    j["behavior"] = nullptr;
  }
  return j;
}

const char* selector_state(SelectorState s) {
  switch (s) {
    case SelectorState::Missing: return "missing";
    case SelectorState::Unparsable: return "unparsable";
    case SelectorState::Ambiguous: return "ambiguous";
    case SelectorState::Ok: break;
  }
  return "ok";
}

ojson resource_map(const std::map<std::string, std::int64_t>& m) {
  ojson j = ojson::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

ojson pod_json(const Pod& p) {
  ojson containers = ojson::array();
  for (const auto& c : p.containers) containers.push_back({{"name", c.name}, {"requests", resource_map(c.requests)}});
  return {{"name", p.name},
          {"cluster", p.cluster},
          {"phase", p.phase},
          {"ready", p.ready ? ojson(*p.ready) : ojson()},
          {"readyTransitionTime", time_or_null(p.ready_transition_time)},
          {"startTime", p.start_time ? time_to_json(*p.start_time) : ojson()},
          {"deleting", p.deleting},
          {"containers", containers}};
}

ojson pod_metrics_json(const PodMetricsItem& m) {
  ojson containers = ojson::array();
  for (const auto& c : m.containers) containers.push_back({{"name", c.name}, {"usage", resource_map(c.usage)}});
  return {{"pod", m.pod},
          {"cluster", m.cluster},
          {"timestamp", time_to_json(m.timestamp)},
          {"window", time_to_json(m.window)},
          {"containers", containers}};
}

ojson metric_data_json(const MetricData& d) {
  ojson j = ojson::object();
  if (d.error) j["error"] = *d.error;
  if (!d.samples.empty()) {
    j["samples"] = ojson::array();
    for (const auto& s : d.samples) {
      j["samples"].push_back({{"pod", s.pod},
                              {"cluster", s.cluster},
                              {"value", s.value},
                              {"timestamp", time_to_json(s.timestamp)},
                              {"window", time_to_json(s.window)}});
    }
  }
  if (!d.values.empty()) j["values"] = d.values;
  if (d.by_cluster) {
    j["byCluster"] = ojson::array();
    for (const auto& c : *d.by_cluster) {
      ojson entry = {{"cluster", c.cluster}, {"values", c.values}};
      if (c.error) entry["error"] = *c.error;
      j["byCluster"].push_back(std::move(entry));
    }
  }
  return j;
}

}  // namespace

ojson scenario_to_json(const Scenario& s, const nlohmann::json& id) {
  ojson j;
  j["id"] = ojson::parse(id.dump());
  j["now"] = time_to_json(s.now);
  j["options"] = options_json(s.options);
  j["hpa"] = hpa_json(s.hpa);
  j["status"] = status_to_json(s.status);
  j["target"] = {{"specReplicas", s.target.spec_replicas},
                 {"statusReplicas", s.target.status_replicas},
                 {"selectorState", selector_state(s.target.selector_state)}};
  if (s.clusters) {
    j["clusters"] = ojson::array();
    for (const auto& c : *s.clusters) {
      j["clusters"].push_back({{"name", c.name},
                               {"ready", c.ready},
                               {"reachable", c.reachable},
                               {"specReplicas", c.spec_replicas},
                               {"statusReplicas", c.status_replicas}});
    }
  } else {
    j["clusters"] = nullptr;
  }
  j["pods"] = ojson::array();
  for (const auto& p : s.pods) j["pods"].push_back(pod_json(p));
  if (s.pod_metrics) {
    j["podMetrics"] = ojson::array();
    for (const auto& m : *s.pod_metrics) j["podMetrics"].push_back(pod_metrics_json(m));
  } else {
    j["podMetrics"] = nullptr;
  }
  j["metricData"] = ojson::array();
  for (const auto& d : s.metric_data) j["metricData"].push_back(metric_data_json(d));
  j["history"] = history_to_json(s.history);
  j["faults"] = {{"getScale", s.faults.get_scale},
                 {"updateScale", s.faults.update_scale},
                 {"getScaleTargetRef", s.faults.get_scale_target_ref},
                 {"getBinding", s.faults.get_binding}};
  return j;
}

}  // namespace fedmetrics::autoscaler
