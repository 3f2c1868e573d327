#include "aggregation/fhpa/federated_hpa_object.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "aggregation/autoscaler/decision_json.hpp"
#include "aggregation/autoscaler/scenario_json.hpp"
#include "clients/base/clock.hpp"
#include "clients/kubeapi/quantity.hpp"

namespace fedmetrics::fhpa {

using autoscaler::MetricSourceType;
using autoscaler::MetricSpec;
using autoscaler::TargetType;
using nlohmann::json;

namespace {

std::string string_at(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// metav1.Time as the apiserver writes it (UTC, whole seconds) of a Unix time in milliseconds.
std::string rfc3339(Millis unix_millis) {
  return format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_millis)));
}

std::string quantity(std::int64_t milli) { return kubeapi::Quantity::from_milli(milli).to_string(); }

json metric_status_json(const autoscaler::MetricStatus& s) {
  if (!s.type) return json{{"type", ""}};
  json current = json::object();
  if (s.value) current["value"] = quantity(*s.value);
  if (s.average_value) current["averageValue"] = quantity(*s.average_value);
  if (s.average_utilization) current["averageUtilization"] = *s.average_utilization;
  switch (*s.type) {
    case MetricSourceType::Resource:
      return {{"type", "Resource"}, {"resource", {{"name", s.name}, {"current", current}}}};
    case MetricSourceType::ContainerResource:
      return {{"type", "ContainerResource"},
              {"containerResource", {{"name", s.name}, {"container", s.container}, {"current", current}}}};
    case MetricSourceType::Pods:
      return {{"type", "Pods"}, {"pods", {{"metric", {{"name", s.name}}}, {"current", current}}}};
    case MetricSourceType::Object:
      return {{"type", "Object"},
              {"object",
               {{"metric", {{"name", s.name}}},
                {"describedObject",
                 {{"apiVersion", s.described_object.api_version},
                  {"kind", s.described_object.kind},
                  {"name", s.described_object.name}}},
                {"current", current}}}};
    case MetricSourceType::External:
      return {{"type", "External"}, {"external", {{"metric", {{"name", s.name}}}, {"current", current}}}};
    case MetricSourceType::Invalid: break;
  }
  return json{{"type", ""}};
}

// --- validation (karmada-reference.md §2.3) ---------------------------------------------------------

void validate_target(const MetricSpec& m, const std::string& path, bool resource, std::vector<std::string>& out) {
  const auto& t = m.target;
  const std::string p = path + ".target";
  if (t.type == TargetType::Unset) out.push_back(p + ".type: Required value: must specify a metric target type");
  if (t.value && *t.value <= 0) out.push_back(p + ".value: Invalid value: must be positive");
  if (t.average_value && *t.average_value <= 0) out.push_back(p + ".averageValue: Invalid value: must be positive");
  if (t.average_utilization && *t.average_utilization < 1) {
    out.push_back(p + ".averageUtilization: Invalid value: must be greater than 0");
  }
  if (resource) {
    if (t.average_utilization.has_value() == t.average_value.has_value()) {
      out.push_back(p + ": Invalid value: must set exactly one of averageUtilization and averageValue");
    }
    if (t.value) out.push_back(p + ".value: Forbidden: may not be set for a resource metric");
  }
}

void validate_metric(const MetricSpec& m, const std::string& path, std::vector<std::string>& out) {
  switch (m.type) {
    case MetricSourceType::Resource:
    case MetricSourceType::ContainerResource: {
      const std::string p = path + (m.type == MetricSourceType::Resource ? ".resource" : ".containerResource");
      if (m.resource_name.empty()) out.push_back(p + ".name: Required value: must specify a resource name");
      if (m.type == MetricSourceType::ContainerResource && m.container.empty()) {
        out.push_back(p + ".container: Required value: must specify a container");
      }
      validate_target(m, p, true, out);
      break;
    }
    case MetricSourceType::Pods:
      if (m.metric_name.empty()) out.push_back(path + ".pods.metric.name: Required value: must specify a metric name");
      validate_target(m, path + ".pods", false, out);
      if (!m.target.average_value) {
        out.push_back(path + ".pods.target.averageValue: Required value: must specify a positive target averageValue");
      }
      break;
    case MetricSourceType::Object:
      if (m.metric_name.empty()) out.push_back(path + ".object.metric.name: Required value: must specify a metric name");
      if (m.described_object.kind.empty() || m.described_object.name.empty()) {
        out.push_back(path + ".object.describedObject: Required value: must specify kind and name");
      }
      validate_target(m, path + ".object", false, out);
      if (!m.target.value && !m.target.average_value) {
        out.push_back(path + ".object.target: Required value: must set either a target value or averageValue");
      }
      break;
    case MetricSourceType::External:
      if (m.metric_name.empty()) out.push_back(path + ".external.metric.name: Required value: must specify a metric name");
      validate_target(m, path + ".external", false, out);
      if (!m.target.value && !m.target.average_value) {
        out.push_back(path + ".external.target: Required value: must set either a target value or averageValue");
      }
      break;
    case MetricSourceType::Invalid:
      out.push_back(path + ".type: Unsupported value: \"" + m.type_name +
                    "\": supported values: \"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\"");
      break;
  }
}

void validate_rules(const autoscaler::ScalingRules& r, const std::string& p, std::vector<std::string>& out) {
  if (r.stabilization_window_seconds && (*r.stabilization_window_seconds < 0 || *r.stabilization_window_seconds > 3600)) {
    out.push_back(p + ".stabilizationWindowSeconds: Invalid value: must be within [0, 3600]");
  }
  if (r.policies) {
    if (r.policies->empty()) out.push_back(p + ".policies: Required value: must specify at least one Policy");
    for (std::size_t i = 0; i < r.policies->size(); ++i) {
      const auto& pol = (*r.policies)[i];
      const std::string pp = p + ".policies[" + std::to_string(i) + "]";
      if (pol.value <= 0) out.push_back(pp + ".value: Invalid value: must be greater than zero");
      if (pol.period_seconds <= 0 || pol.period_seconds > 1800) {
        out.push_back(pp + ".periodSeconds: Invalid value: must be within (0, 1800]");
      }
    }
  }
  if (r.tolerance && !(*r.tolerance >= 0)) out.push_back(p + ".tolerance: Invalid value: must be non-negative");
}

bool valid_api_version(const std::string& v) {
  if (v.empty() || std::count(v.begin(), v.end(), '/') > 1) return false;
  return v.front() != '/' && v.back() != '/';
}

}  // namespace

Result<FederatedHpa> decode_federated_hpa(const json& object) {
  if (!object.is_object()) return make_error(Errc::ProtocolError, "FederatedHPA: expected a JSON object");
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object() || string_at(*meta, "name").empty()) {
    return make_error(Errc::ProtocolError, "FederatedHPA: metadata.name missing");
  }
  FederatedHpa h;
  h.name = string_at(*meta, "name");
  h.namespace_name = string_at(*meta, "namespace");
  h.uid = string_at(*meta, "uid");
  h.resource_version = string_at(*meta, "resourceVersion");
  if (auto g = meta->find("generation"); g != meta->end() && g->is_number_integer()) h.generation = g->get<std::int64_t>();
  if (auto a = meta->find("annotations"); a != meta->end() && a->is_object()) {
    const std::string text = string_at(*a, kHistoryAnnotation);
    if (!text.empty()) {
      const json parsed = json::parse(text, nullptr, false);
      if (!parsed.is_discarded()) {
        if (auto history = autoscaler::parse_history(parsed)) h.history = std::move(*history);
      }
    }
  }

  const auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) {
    h.spec_errors.push_back("spec: Required value");
  } else {
    if (auto ref = spec->find("scaleTargetRef"); ref != spec->end() && ref->is_object()) {
      h.target = {string_at(*ref, "apiVersion"), string_at(*ref, "kind"), string_at(*ref, "name")};
    }
    if (auto parsed = autoscaler::parse_hpa_spec(*spec, "spec")) {
      h.spec = std::move(*parsed);
    } else {
      h.spec_errors.push_back(parsed.error().message);
    }
  }
  if (auto st = object.find("status"); st != object.end() && st->is_object()) {
    if (auto parsed = autoscaler::parse_hpa_status(*st)) h.status = std::move(*parsed);
    if (auto og = st->find("observedGeneration"); og != st->end() && og->is_number_integer()) {
      h.observed_generation = og->get<std::int64_t>();
    }
  }
  if (h.spec_errors.empty()) h.spec_errors = validate(h);
  return h;
}

std::vector<std::string> validate(const FederatedHpa& hpa) {
  std::vector<std::string> out;
  if (hpa.target.kind.empty()) out.push_back("spec.scaleTargetRef.kind: Required value");
  if (hpa.target.name.empty()) out.push_back("spec.scaleTargetRef.name: Required value");
  if (hpa.target.name.find('/') != std::string::npos || hpa.target.name == "." || hpa.target.name == "..") {
    out.push_back("spec.scaleTargetRef.name: Invalid value: may not contain '/' or be '.' or '..'");
  }
  if (!valid_api_version(hpa.target.api_version)) out.push_back("spec.scaleTargetRef.apiVersion: Invalid value");
  const auto& s = hpa.spec;
  const std::int32_t min_replicas = s.min_replicas.value_or(1);
  if (min_replicas < 0) out.push_back("spec.minReplicas: Invalid value: must be greater than or equal to 0");
  if (min_replicas == 0) {
    const bool has_object_or_external = std::any_of(s.metrics.begin(), s.metrics.end(), [](const MetricSpec& m) {
      return m.type == MetricSourceType::Object || m.type == MetricSourceType::External;
    });
    if (!has_object_or_external) {
      out.push_back("spec.minReplicas: Invalid value: 0: must be greater than 0 unless at least one Object or External metric is configured");
    }
  }
  if (s.max_replicas < 1) out.push_back("spec.maxReplicas: Invalid value: must be greater than 0");
  if (s.max_replicas < min_replicas) out.push_back("spec.maxReplicas: Invalid value: must be greater than or equal to `minReplicas`");
  for (std::size_t i = 0; i < s.metrics.size(); ++i) validate_metric(s.metrics[i], "spec.metrics[" + std::to_string(i) + "]", out);
  if (s.behavior) {
    if (s.behavior->scale_up) validate_rules(*s.behavior->scale_up, "spec.behavior.scaleUp", out);
    if (s.behavior->scale_down) validate_rules(*s.behavior->scale_down, "spec.behavior.scaleDown", out);
  }
  return out;
}

json encode_status(const autoscaler::HpaStatus& status, std::int64_t observed_generation) {
  json j = json::object();
  j["observedGeneration"] = observed_generation;
  if (status.last_scale_time) j["lastScaleTime"] = rfc3339(*status.last_scale_time);
  j["currentReplicas"] = status.current_replicas;
  j["desiredReplicas"] = status.desired_replicas;
  if (status.current_metrics) {
    j["currentMetrics"] = json::array();
    for (const auto& m : *status.current_metrics) j["currentMetrics"].push_back(metric_status_json(m));
  }
  if (!status.conditions.empty()) {
    j["conditions"] = json::array();
    for (const auto& c : status.conditions) {
      json cj{{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}};
      if (c.last_transition_time) cj["lastTransitionTime"] = rfc3339(*c.last_transition_time);
      j["conditions"].push_back(std::move(cj));
    }
  }
  return j;
}

std::string encode_history(const autoscaler::History& history) { return autoscaler::history_to_json(history).dump(); }

Result<kube::ResourceRef> target_resource(const ScaleTargetRef& ref) {
  if (!valid_api_version(ref.api_version) || ref.kind.empty()) {
    return make_error(Errc::InvalidArgument, "invalid scaleTargetRef apiVersion \"" + ref.api_version + "\" / kind \"" + ref.kind + "\"");
  }
  kube::ResourceRef r;
  const auto slash = ref.api_version.find('/');
  if (slash == std::string::npos) {
    r.version = ref.api_version;
  } else {
    r.group = ref.api_version.substr(0, slash);
    r.version = ref.api_version.substr(slash + 1);
  }
  static const std::pair<const char*, const char*> kKnown[] = {
      {"Deployment", "deployments"}, {"StatefulSet", "statefulsets"}, {"ReplicaSet", "replicasets"},
      {"ReplicationController", "replicationcontrollers"}, {"CloneSet", "clonesets"}};
  for (const auto& [kind, plural] : kKnown) {
    if (ref.kind == kind) r.resource = plural;
  }
  if (r.resource.empty()) {
    for (char c : ref.kind) r.resource += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.resource += 's';
  }
  return r;
}

}  // namespace fedmetrics::fhpa
