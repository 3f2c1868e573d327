#include "aggregation/autoscaler/decision_json.hpp"

namespace fedmetrics::autoscaler {

nlohmann::ordered_json time_to_json(Millis t) {
  if (t % 1000 == 0) return t / 1000;
  return static_cast<double>(t) / 1000.0;
}

namespace {

using ojson = nlohmann::ordered_json;


ojson condition_json(const Condition& c) {
  ojson j{{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}};
  j["lastTransitionTime"] = c.last_transition_time ? time_to_json(*c.last_transition_time) : ojson();
  return j;
}

ojson metric_status_json(const MetricStatus& s) {
  if (!s.type) return ojson{{"type", ""}};
  ojson current = ojson::object();
  if (s.value) current["value"] = *s.value;
  if (s.average_value) current["averageValue"] = *s.average_value;
  if (s.average_utilization) current["averageUtilization"] = *s.average_utilization;
  ojson body;
  switch (*s.type) {
    case MetricSourceType::Resource: body = {{"name", s.name}, {"current", current}}; return {{"type", "Resource"}, {"resource", body}};
    case MetricSourceType::ContainerResource:
      body = {{"name", s.name}, {"container", s.container}, {"current", current}};
      return {{"type", "ContainerResource"}, {"containerResource", body}};
    case MetricSourceType::Pods: body = {{"metric", {{"name", s.name}}}, {"current", current}}; return {{"type", "Pods"}, {"pods", body}};
    case MetricSourceType::Object:
      body = {{"metric", {{"name", s.name}}},
              {"describedObject",
               {{"apiVersion", s.described_object.api_version}, {"kind", s.described_object.kind}, {"name", s.described_object.name}}},
              {"current", current}};
      return {{"type", "Object"}, {"object", body}};
    case MetricSourceType::External:
      body = {{"metric", {{"name", s.name}}}, {"current", current}};
      return {{"type", "External"}, {"external", body}};
    case MetricSourceType::Invalid: break;
  }
  return ojson{{"type", ""}};
}

}  // namespace

ojson status_to_json(const HpaStatus& s) {
  ojson j{{"currentReplicas", s.current_replicas}, {"desiredReplicas", s.desired_replicas}};
  j["lastScaleTime"] = s.last_scale_time ? time_to_json(*s.last_scale_time) : ojson();
  if (s.current_metrics) {
    j["currentMetrics"] = ojson::array();
    for (const auto& m : *s.current_metrics) j["currentMetrics"].push_back(metric_status_json(m));
  } else {
    j["currentMetrics"] = nullptr;
  }
  j["conditions"] = ojson::array();
  for (const auto& c : s.conditions) j["conditions"].push_back(condition_json(c));
  return j;
}

namespace {

ojson events_json(const std::vector<ScaleEvent>& events) {
  ojson a = ojson::array();
  for (const auto& e : events) a.push_back({{"change", e.change}, {"timestamp", time_to_json(e.timestamp)}, {"outdated", e.outdated}});
  return a;
}

}  // namespace

ojson history_to_json(const History& h) {
  ojson j;
  if (h.recommendations) {
    j["recommendations"] = ojson::array();
    for (const auto& r : *h.recommendations) {
      j["recommendations"].push_back({{"replicas", r.replicas}, {"timestamp", time_to_json(r.timestamp)}});
    }
  } else {
    j["recommendations"] = nullptr;
  }
  j["scaleUpEvents"] = events_json(h.scale_up_events);
  j["scaleDownEvents"] = events_json(h.scale_down_events);
  return j;
}

namespace {

ojson trace_json(const MetricTrace& t) {
  ojson j = ojson::object();
  if (t.ready_count) {
    j["readyCount"] = *t.ready_count;
    j["unready"] = t.unready;
    j["missing"] = t.missing;
    j["ignored"] = t.ignored;
  }
  if (t.ratio) j["ratio"] = *t.ratio;
  if (t.new_ratio) j["newRatio"] = *t.new_ratio;
  if (t.ready_pods) j["readyPods"] = *t.ready_pods;
  return j;
}

template <class T>
ojson opt(const std::optional<T>& v) {
  return v ? ojson(*v) : ojson();
}

ojson str_or_null(const std::string& s) { return s.empty() ? ojson() : ojson(s); }

}  // namespace

ojson decision_to_json(const Decision& d, const nlohmann::json& id) {
  ojson j;
  // Keep the tag as given; invalid UTF-8 in it is replaced rather than failing.
  j["id"] = ojson::parse(id.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  j["desiredReplicas"] = d.desired_replicas;
  j["replicas"] = opt(d.replicas);
  j["currentReplicas"] = opt(d.current_replicas);
  j["statusReplicas"] = d.current_replicas ? ojson(d.status_replicas) : ojson();
  j["calibration"] = d.calibration;
  j["rescale"] = d.rescale;
  j["scaleUpdated"] = d.scale_updated;
  j["branch"] = d.branch;
  j["proposal"] = opt(d.proposal);
  j["proposalMetric"] = str_or_null(d.proposal_metric);
  j["stabilized"] = opt(d.stabilized);
  j["limitReason"] = str_or_null(d.limit_reason);
  j["rescaleReason"] = str_or_null(d.rescale_reason);
  j["metrics"] = ojson::array();
  for (const auto& m : d.metrics) {
    ojson mj{{"index", m.index}, {"type", m.type_name}, {"name", m.name}, {"valid", m.valid}};
    mj["replicas"] = m.valid ? ojson(m.replicas) : ojson();
    mj["error"] = str_or_null(m.error);
    mj["reason"] = str_or_null(m.reason);
    mj["current"] = m.valid ? metric_status_json(m.current) : ojson();
    mj["trace"] = trace_json(m.trace);
    j["metrics"].push_back(std::move(mj));
  }
  j["conditions"] = ojson::array();
  for (const auto& c : d.status.conditions) j["conditions"].push_back(condition_json(c));
  j["events"] = ojson::array();
  for (const auto& e : d.events) j["events"].push_back({{"type", e.type}, {"reason", e.reason}, {"message", e.message}});
  j["error"] = opt(d.error);
  j["status"] = status_to_json(d.status);
  j["statusChanged"] = d.status_changed;
  j["history"] = history_to_json(d.history);
  return j;
}

}  // namespace fedmetrics::autoscaler
