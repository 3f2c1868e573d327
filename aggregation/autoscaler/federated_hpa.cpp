#include "aggregation/autoscaler/federated_hpa.hpp"

#include "aggregation/autoscaler/scenario.hpp"

namespace fedmetrics::autoscaler {

std::string to_string(MetricSourceType t) {
  switch (t) {
    case MetricSourceType::Resource: return "Resource";
    case MetricSourceType::ContainerResource: return "ContainerResource";
    case MetricSourceType::Pods: return "Pods";
    case MetricSourceType::Object: return "Object";
    case MetricSourceType::External: return "External";
    case MetricSourceType::Invalid: break;
  }
  return "Invalid";
}

std::string to_string(TargetType t) {
  switch (t) {
    case TargetType::Utilization: return "Utilization";
    case TargetType::Value: return "Value";
    case TargetType::AverageValue: return "AverageValue";
    case TargetType::Unset: break;
  }
  return "";
}

MetricSpec default_cpu_metric() {
  MetricSpec m;
  m.type = MetricSourceType::Resource;
  m.type_name = "Resource";
  m.resource_name = "cpu";
  m.target.type = TargetType::Utilization;
  m.target.average_utilization = 80;
  return m;
}

Behavior default_behavior(const Behavior& b) {
  Behavior out = b;
  if (!out.scale_up) out.scale_up = ScalingRules{};
  if (!out.scale_down) out.scale_down = ScalingRules{};
  auto& up = *out.scale_up;
  if (!up.stabilization_window_seconds) up.stabilization_window_seconds = 0;
  if (!up.select_policy) up.select_policy = SelectPolicy::Max;
  if (!up.policies) up.policies = std::vector<ScalingPolicy>{{PolicyType::Pods, 4, 15}, {PolicyType::Percent, 100, 15}};
  auto& down = *out.scale_down;
  if (!down.select_policy) down.select_policy = SelectPolicy::Max;
  if (!down.policies) down.policies = std::vector<ScalingPolicy>{{PolicyType::Percent, 100, 15}};
  return out;
}

Options profile_defaults(Profile p) {
  Options o;
  o.profile = p;
  if (p == Profile::Kube) {
    o.calibration = false;
  } else if (p == Profile::Karmada) {
    o.object_average_value_double_calibration = true;
    o.ignore_succeeded_pods = false;
    o.per_hpa_tolerance = false;
    o.tolerance_form = ToleranceForm::Abs;
    o.missing_container_metric = MissingContainerMetric::Error;
    o.missing_container_request = MissingContainerRequest::Zero;
    o.pod_key = PodKey::Name;
    o.support_external_metrics = false;
    o.partial_statuses_on_failure = false;
    o.custom_metric_duplicates = CustomMetricDuplicates::Sum;
  }
  return o;
}

}  // namespace fedmetrics::autoscaler
