#include "aggregation/autoscaler/scenario_json.hpp"

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <stdexcept>

#include "clients/kubeapi/quantity.hpp"

namespace fedmetrics::autoscaler {

using nlohmann::json;

namespace {

// Internal to the parser: thrown with a field path, converted to an Error at the parse_scenario boundary.
struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw FieldError(path + ": " + what); }

// --- times ------------------------------------------------------------------------------------------

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<Millis> parse_rfc3339(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) return std::nullopt;
  std::size_t i = static_cast<std::size_t>(n);
  Millis frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    Millis scale = 100;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      frac += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  Millis offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60) * Millis{1000};
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 86400 + h * 3600 + mi * 60 + sec) * 1000) + frac - offset;
}

// --- typed field access -------------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(std::vector<std::string>& warnings) : warnings_(warnings) {}

  // Warns about keys not in `known`; fails if `j` is not an object.
  const json& object(const json& j, const std::string& path, std::initializer_list<const char*> known) {
    if (!j.is_object()) fail(path, "expected an object");
    for (const auto& [k, v] : j.items()) {
      bool found = false;
      for (const char* name : known) found = found || k == name;
      if (!found) warnings_.push_back("unknown field " + join(path, k) + " ignored");
    }
    return j;
  }
  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  std::vector<std::string>& warnings_;
};

const json* field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::int64_t as_int64(const json& j, const std::string& path) {
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
  }
  fail(path, "expected an integer");
}

std::int32_t as_int32(const json& j, const std::string& path) {
  const std::int64_t v = as_int64(j, path);
  if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) {
    fail(path, "integer out of int32 range");
  }
  return static_cast<std::int32_t>(v);
}

// A replica count: int32 and not negative.
std::int32_t as_count(const json& j, const std::string& path) {
  const std::int32_t v = as_int32(j, path);
  if (v < 0) fail(path, "must not be negative");
  return v;
}

double as_double(const json& j, const std::string& path) {
  if (!j.is_number()) fail(path, "expected a number");
  return j.get<double>();
}

bool as_bool(const json& j, const std::string& path) {
  if (!j.is_boolean()) fail(path, "expected true or false");
  return j.get<bool>();
}

std::string as_string(const json& j, const std::string& path) {
  if (!j.is_string()) fail(path, "expected a string");
  return j.get<std::string>();
}

// A metric quantity: an integer is milli-units as is; a string is a Kubernetes quantity (MilliValue).
std::int64_t as_milli(const json& j, const std::string& path) {
  if (j.is_string()) {
    auto q = kubeapi::Quantity::parse(j.get<std::string>());
    if (!q) fail(path, "invalid quantity \"" + j.get<std::string>() + "\": " + q.error().message);
    return q->milli_value();
  }
  return as_int64(j, path);
}

Millis as_time(const json& j, const std::string& path) {
  auto t = parse_time(j);
  if (!t) fail(path, t.error().message);
  return *t;
}

// A duration in seconds: non-negative and at most ~31.7 years, so time arithmetic cannot overflow.
Millis as_seconds(const json& j, const std::string& path) {
  const double s = as_double(j, path);
  if (!(s >= 0 && s <= 1e9)) fail(path, "duration out of range [0, 1e9] seconds");
  return std::llround(s * 1000.0);
}

template <class F>
void each(const json* arr, const std::string& path, F&& f) {
  if (arr == nullptr) return;
  if (!arr->is_array()) fail(path, "expected an array");
  for (std::size_t i = 0; i < arr->size(); ++i) f((*arr)[i], path + "[" + std::to_string(i) + "]");
}

template <class E>
E as_enum(const json& j, const std::string& path, std::initializer_list<std::pair<const char*, E>> values) {
  const std::string s = as_string(j, path);
  for (const auto& [name, v] : values) {
    if (s == name) return v;
  }
  std::string allowed;
  for (const auto& [name, v] : values) allowed += std::string(allowed.empty() ? "" : ", ") + name;
  fail(path, "unknown value \"" + s + "\" (allowed: " + allowed + ")");
}

// --- sections -------------------------------------------------------------------------------------

Options parse_options(Reader& rd, const json* j) {
  if (j == nullptr) return profile_defaults(Profile::Fedmetrics);
  const std::string p = "options";
  rd.object(*j, p,
            {"profile", "tolerance", "cpuInitializationPeriod", "initialReadinessDelay", "downscaleStabilizationWindow",
             "scaleUpLimitFactor", "scaleUpLimitMinimum", "calibration", "objectAverageValueDoubleCalibration",
             "ignoreSucceededPods", "perHpaTolerance", "toleranceForm", "missingContainerMetric",
             "missingContainerRequest", "podKey", "supportExternalMetrics", "partialStatusesOnFailure",
             "zeroReplicaRegime", "customMetricDuplicates"});
  Profile profile = Profile::Fedmetrics;
  if (const json* v = field(*j, "profile")) {
    profile = as_enum<Profile>(*v, p + ".profile",
                               {{"fedmetrics", Profile::Fedmetrics}, {"kube", Profile::Kube}, {"karmada", Profile::Karmada}});
  }
  Options o = profile_defaults(profile);
  auto num = [&](const char* k, double& out) { if (const json* v = field(*j, k)) out = as_double(*v, p + "." + k); };
  auto dur = [&](const char* k, Millis& out) { if (const json* v = field(*j, k)) out = as_seconds(*v, p + "." + k); };
  auto flag = [&](const char* k, bool& out) { if (const json* v = field(*j, k)) out = as_bool(*v, p + "." + k); };
  num("tolerance", o.tolerance);
  dur("cpuInitializationPeriod", o.cpu_initialization_period);
  dur("initialReadinessDelay", o.initial_readiness_delay);
  dur("downscaleStabilizationWindow", o.downscale_stabilization_window);
  num("scaleUpLimitFactor", o.scale_up_limit_factor);
  num("scaleUpLimitMinimum", o.scale_up_limit_minimum);
  flag("calibration", o.calibration);
  flag("objectAverageValueDoubleCalibration", o.object_average_value_double_calibration);
  flag("ignoreSucceededPods", o.ignore_succeeded_pods);
  flag("perHpaTolerance", o.per_hpa_tolerance);
  flag("supportExternalMetrics", o.support_external_metrics);
  flag("partialStatusesOnFailure", o.partial_statuses_on_failure);
  if (const json* v = field(*j, "toleranceForm")) {
    o.tolerance_form = as_enum<ToleranceForm>(*v, p + ".toleranceForm", {{"bounds", ToleranceForm::Bounds}, {"abs", ToleranceForm::Abs}});
  }
  if (const json* v = field(*j, "missingContainerMetric")) {
    o.missing_container_metric = as_enum<MissingContainerMetric>(
        *v, p + ".missingContainerMetric", {{"skip", MissingContainerMetric::Skip}, {"error", MissingContainerMetric::Error}});
  }
  if (const json* v = field(*j, "missingContainerRequest")) {
    o.missing_container_request = as_enum<MissingContainerRequest>(
        *v, p + ".missingContainerRequest", {{"error", MissingContainerRequest::Error}, {"zero", MissingContainerRequest::Zero}});
  }
  if (const json* v = field(*j, "podKey")) {
    o.pod_key = as_enum<PodKey>(*v, p + ".podKey", {{"cluster/name", PodKey::ClusterName}, {"name", PodKey::Name}});
  }
  if (const json* v = field(*j, "zeroReplicaRegime")) {
    o.zero_replica_regime = as_enum<ZeroReplicaRegime>(
        *v, p + ".zeroReplicaRegime", {{"classic", ZeroReplicaRegime::Classic}, {"scaledToZero", ZeroReplicaRegime::ScaledToZero}});
  }
  if (const json* v = field(*j, "customMetricDuplicates")) {
    o.custom_metric_duplicates = as_enum<CustomMetricDuplicates>(
        *v, p + ".customMetricDuplicates", {{"last", CustomMetricDuplicates::Last}, {"sum", CustomMetricDuplicates::Sum}});
  }
  return o;
}

MetricTarget parse_target(Reader& rd, const json* j, const std::string& p) {
  MetricTarget t;
  if (j == nullptr) return t;
  rd.object(*j, p, {"type", "averageUtilization", "averageValue", "value"});
  if (const json* v = field(*j, "type")) {
    t.type = as_enum<TargetType>(*v, p + ".type",
                                 {{"Utilization", TargetType::Utilization}, {"Value", TargetType::Value},
                                  {"AverageValue", TargetType::AverageValue}});
  }
  if (const json* v = field(*j, "averageUtilization")) t.average_utilization = as_int32(*v, p + ".averageUtilization");
  if (const json* v = field(*j, "averageValue")) t.average_value = as_milli(*v, p + ".averageValue");
  if (const json* v = field(*j, "value")) t.value = as_milli(*v, p + ".value");
  return t;
}

void parse_metric_identifier(Reader& rd, const json* j, const std::string& p, MetricSpec& m) {
  m.selector_text = "<nil>";
  if (j == nullptr) return;
  rd.object(*j, p, {"name", "selector"});
  if (const json* v = field(*j, "name")) m.metric_name = as_string(*v, p + ".name");
  if (const json* v = field(*j, "selector")) m.selector_text = v->dump();
}

MetricSpec parse_metric(Reader& rd, const json& j, const std::string& p) {
  rd.object(j, p, {"type", "resource", "containerResource", "pods", "object", "external"});
  MetricSpec m;
  m.selector_text = "<nil>";
  const json* type = field(j, "type");
  if (type == nullptr) fail(p + ".type", "required");
  m.type_name = as_string(*type, p + ".type");
  static const std::pair<const char*, MetricSourceType> kTypes[] = {
      {"Resource", MetricSourceType::Resource}, {"ContainerResource", MetricSourceType::ContainerResource},
      {"Pods", MetricSourceType::Pods},         {"Object", MetricSourceType::Object},
      {"External", MetricSourceType::External}};
  m.type = MetricSourceType::Invalid;
  for (const auto& [name, t] : kTypes) {
    if (m.type_name == name) m.type = t;
  }
  switch (m.type) {
    case MetricSourceType::Resource:
    case MetricSourceType::ContainerResource: {
      const bool cr = m.type == MetricSourceType::ContainerResource;
      const char* key = cr ? "containerResource" : "resource";
      const json* s = field(j, key);
      if (s == nullptr) fail(p + "." + key, "required for type " + m.type_name);
      const std::string sp = p + "." + key;
      rd.object(*s, sp, {"name", "container", "target"});
      if (const json* v = field(*s, "name")) m.resource_name = as_string(*v, sp + ".name");
      if (const json* v = field(*s, "container")) m.container = as_string(*v, sp + ".container");
      if (cr && m.container.empty()) fail(sp + ".container", "required");
      m.target = parse_target(rd, field(*s, "target"), sp + ".target");
      break;
    }
    case MetricSourceType::Pods:
    case MetricSourceType::External: {
      const char* key = m.type == MetricSourceType::Pods ? "pods" : "external";
      const json* s = field(j, key);
      if (s == nullptr) fail(p + "." + key, "required for type " + m.type_name);
      const std::string sp = p + "." + key;
      rd.object(*s, sp, {"metric", "target"});
      parse_metric_identifier(rd, field(*s, "metric"), sp + ".metric", m);
      m.target = parse_target(rd, field(*s, "target"), sp + ".target");
      break;
    }
    case MetricSourceType::Object: {
      const json* s = field(j, "object");
      if (s == nullptr) fail(p + ".object", "required for type Object");
      const std::string sp = p + ".object";
      rd.object(*s, sp, {"describedObject", "metric", "target"});
      if (const json* o = field(*s, "describedObject")) {
        rd.object(*o, sp + ".describedObject", {"apiVersion", "kind", "name"});
        if (const json* v = field(*o, "apiVersion")) m.described_object.api_version = as_string(*v, sp + ".describedObject.apiVersion");
        if (const json* v = field(*o, "kind")) m.described_object.kind = as_string(*v, sp + ".describedObject.kind");
        if (const json* v = field(*o, "name")) m.described_object.name = as_string(*v, sp + ".describedObject.name");
      }
      parse_metric_identifier(rd, field(*s, "metric"), sp + ".metric", m);
      m.target = parse_target(rd, field(*s, "target"), sp + ".target");
      break;
    }
    case MetricSourceType::Invalid: break;  // InvalidMetricSourceType at decision time
  }
  return m;
}

ScalingRules parse_rules(Reader& rd, const json& j, const std::string& p) {
  rd.object(j, p, {"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"});
  ScalingRules r;
  if (const json* v = field(j, "stabilizationWindowSeconds")) r.stabilization_window_seconds = as_int32(*v, p + ".stabilizationWindowSeconds");
  if (const json* v = field(j, "selectPolicy")) {
    r.select_policy = as_enum<SelectPolicy>(*v, p + ".selectPolicy",
                                            {{"Max", SelectPolicy::Max}, {"Min", SelectPolicy::Min}, {"Disabled", SelectPolicy::Disabled}});
  }
  if (const json* v = field(j, "policies")) {
    r.policies.emplace();
    each(v, p + ".policies", [&](const json& e, const std::string& ep) {
      rd.object(e, ep, {"type", "value", "periodSeconds"});
      ScalingPolicy pol;
      const json* t = field(e, "type");
      if (t == nullptr) fail(ep + ".type", "required");
      pol.type = as_enum<PolicyType>(*t, ep + ".type", {{"Pods", PolicyType::Pods}, {"Percent", PolicyType::Percent}});
      if (const json* x = field(e, "value")) pol.value = as_int32(*x, ep + ".value");
      if (const json* x = field(e, "periodSeconds")) pol.period_seconds = as_int32(*x, ep + ".periodSeconds");
      r.policies->push_back(pol);
    });
  }
  if (const json* v = field(j, "tolerance")) {
    if (v->is_string()) {
      auto q = kubeapi::Quantity::parse(v->get<std::string>());
      if (!q) fail(p + ".tolerance", "invalid quantity: " + q.error().message);
      r.tolerance = q->as_double();
    } else {
      r.tolerance = as_double(*v, p + ".tolerance");
    }
  }
  return r;
}

HpaSpec parse_hpa(Reader& rd, const json* j, const std::string& root = "hpa") {
  if (j == nullptr) fail(root, "required");
  rd.object(*j, root, {"minReplicas", "maxReplicas", "metrics", "behavior", "scaleTargetRef"});
  HpaSpec h;
  if (const json* v = field(*j, "minReplicas")) h.min_replicas = as_count(*v, root + ".minReplicas");
  const json* mx = field(*j, "maxReplicas");
  if (mx == nullptr) fail(root + ".maxReplicas", "required");
  h.max_replicas = as_count(*mx, root + ".maxReplicas");
  each(field(*j, "metrics"), root + ".metrics", [&](const json& e, const std::string& p) { h.metrics.push_back(parse_metric(rd, e, p)); });
  if (const json* b = field(*j, "behavior")) {
    rd.object(*b, root + ".behavior", {"scaleUp", "scaleDown"});
    Behavior beh;
    if (const json* u = field(*b, "scaleUp")) beh.scale_up = parse_rules(rd, *u, root + ".behavior.scaleUp");
    if (const json* d = field(*b, "scaleDown")) beh.scale_down = parse_rules(rd, *d, root + ".behavior.scaleDown");
    h.behavior = beh;
  }
  return h;
}

Condition parse_condition(Reader& rd, const json& j, const std::string& p) {
  rd.object(j, p, {"type", "status", "reason", "message", "lastTransitionTime"});
  Condition c;
  if (const json* v = field(j, "type")) c.type = as_string(*v, p + ".type");
  if (const json* v = field(j, "status")) c.status = as_string(*v, p + ".status");
  if (const json* v = field(j, "reason")) c.reason = as_string(*v, p + ".reason");
  if (const json* v = field(j, "message")) c.message = as_string(*v, p + ".message");
  if (const json* v = field(j, "lastTransitionTime")) c.last_transition_time = as_time(*v, p + ".lastTransitionTime");
  return c;
}

MetricStatus parse_metric_status(Reader& rd, const json& j, const std::string& p) {
  rd.object(j, p, {"type", "resource", "containerResource", "pods", "object", "external"});
  MetricStatus s;
  const json* t = field(j, "type");
  if (t == nullptr || (t->is_string() && t->get<std::string>().empty())) return s;
  const std::string type = as_string(*t, p + ".type");
  static const std::pair<const char*, const char*> kKeys[] = {{"Resource", "resource"}, {"ContainerResource", "containerResource"},
                                                              {"Pods", "pods"}, {"Object", "object"}, {"External", "external"}};
  static const MetricSourceType kTypes[] = {MetricSourceType::Resource, MetricSourceType::ContainerResource,
                                            MetricSourceType::Pods, MetricSourceType::Object, MetricSourceType::External};
  for (std::size_t i = 0; i < 5; ++i) {
    if (type != kKeys[i].first) continue;
    s.type = kTypes[i];
    const json* body = field(j, kKeys[i].second);
    if (body == nullptr) return s;
    const std::string bp = p + "." + kKeys[i].second;
    rd.object(*body, bp, {"name", "container", "metric", "describedObject", "current"});
    if (const json* v = field(*body, "name")) s.name = as_string(*v, bp + ".name");
    if (const json* v = field(*body, "container")) s.container = as_string(*v, bp + ".container");
    if (const json* m = field(*body, "metric"); m != nullptr && m->is_object()) {
      if (const json* v = field(*m, "name")) s.name = as_string(*v, bp + ".metric.name");
    }
    if (const json* o = field(*body, "describedObject"); o != nullptr && o->is_object()) {
      if (const json* v = field(*o, "apiVersion")) s.described_object.api_version = as_string(*v, bp + ".describedObject.apiVersion");
      if (const json* v = field(*o, "kind")) s.described_object.kind = as_string(*v, bp + ".describedObject.kind");
      if (const json* v = field(*o, "name")) s.described_object.name = as_string(*v, bp + ".describedObject.name");
    }
    if (const json* c = field(*body, "current")) {
      rd.object(*c, bp + ".current", {"value", "averageValue", "averageUtilization"});
      if (const json* v = field(*c, "value")) s.value = as_milli(*v, bp + ".current.value");
      if (const json* v = field(*c, "averageValue")) s.average_value = as_milli(*v, bp + ".current.averageValue");
      if (const json* v = field(*c, "averageUtilization")) s.average_utilization = as_int32(*v, bp + ".current.averageUtilization");
    }
    return s;
  }
  fail(p + ".type", "unknown metric status type \"" + type + "\"");
}

HpaStatus parse_status(Reader& rd, const json* j) {
  HpaStatus s;
  if (j == nullptr) return s;
  rd.object(*j, "status", {"currentReplicas", "desiredReplicas", "lastScaleTime", "currentMetrics", "conditions", "observedGeneration"});
  if (const json* v = field(*j, "currentReplicas")) s.current_replicas = as_int32(*v, "status.currentReplicas");
  if (const json* v = field(*j, "desiredReplicas")) s.desired_replicas = as_int32(*v, "status.desiredReplicas");
  if (const json* v = field(*j, "lastScaleTime")) s.last_scale_time = as_time(*v, "status.lastScaleTime");
  if (const json* v = field(*j, "currentMetrics")) {
    s.current_metrics.emplace();
    each(v, "status.currentMetrics", [&](const json& e, const std::string& p) { s.current_metrics->push_back(parse_metric_status(rd, e, p)); });
  }
  each(field(*j, "conditions"), "status.conditions", [&](const json& e, const std::string& p) { s.conditions.push_back(parse_condition(rd, e, p)); });
  return s;
}

std::map<std::string, std::int64_t> parse_resource_map(Reader& rd, const json* j, const std::string& p) {
  std::map<std::string, std::int64_t> out;
  if (j == nullptr) return out;
  (void)rd;  // resource names are free-form: no unknown-field warnings here
  if (!j->is_object()) fail(p, "expected an object");
  for (const auto& [k, v] : j->items()) out[k] = as_milli(v, p + "." + k);
  return out;
}

History parse_history(Reader& rd, const json& j) {
  History h;
  rd.object(j, "history", {"recommendations", "scaleUpEvents", "scaleDownEvents"});
  if (const json* r = field(j, "recommendations")) {
    h.recommendations.emplace();
    each(r, "history.recommendations", [&](const json& e, const std::string& p) {
      rd.object(e, p, {"replicas", "timestamp"});
      Recommendation rec;
      if (const json* v = field(e, "replicas")) rec.replicas = as_int32(*v, p + ".replicas");
      if (const json* v = field(e, "timestamp")) rec.timestamp = as_time(*v, p + ".timestamp");
      h.recommendations->push_back(rec);
    });
  }
  auto events = [&](const char* key, std::vector<ScaleEvent>& dest) {
    each(field(j, key), std::string("history.") + key, [&](const json& e, const std::string& p) {
      rd.object(e, p, {"change", "timestamp", "outdated"});
      ScaleEvent ev;
      if (const json* v = field(e, "change")) ev.change = as_count(*v, p + ".change");
      if (const json* v = field(e, "timestamp")) ev.timestamp = as_time(*v, p + ".timestamp");
      if (const json* v = field(e, "outdated")) ev.outdated = as_bool(*v, p + ".outdated");
      dest.push_back(ev);
    });
  };
  events("scaleUpEvents", h.scale_up_events);
  events("scaleDownEvents", h.scale_down_events);
  return h;
}

}  // namespace

Result<Millis> parse_time(const json& j) {
  if (j.is_number()) {
    // About +-31,700 years around the epoch: keeps every later "time +- window" in range.
    const double s = j.get<double>();
    if (!(std::fabs(s) <= 1e12)) return make_error(Errc::InvalidArgument, "time out of range (|seconds| <= 1e12)");
    return std::llround(s * 1000.0);
  }
  if (j.is_string()) {
    if (auto t = parse_rfc3339(j.get<std::string>())) return *t;
    return make_error(Errc::InvalidArgument, "invalid RFC3339 time \"" + j.get<std::string>() + "\"");
  }
  return make_error(Errc::InvalidArgument, "expected seconds (number) or an RFC3339 string");
}


Result<ParsedScenario> parse_scenario(const json& j) {
  ParsedScenario out;
  Reader rd(out.warnings);
  try {
    rd.object(j, "", {"id", "now", "options", "hpa", "status", "target", "clusters", "pods", "podMetrics",
                      "metricData", "history", "faults"});
    Scenario& sc = out.scenario;
    if (const json* v = field(j, "id")) out.id = *v;
    if (const json* v = field(j, "now")) sc.now = as_time(*v, "now");
    sc.options = parse_options(rd, field(j, "options"));
    sc.hpa = parse_hpa(rd, field(j, "hpa"));
    sc.status = parse_status(rd, field(j, "status"));
    if (const json* t = field(j, "target")) {
      rd.object(*t, "target", {"specReplicas", "statusReplicas", "selectorState"});
      if (const json* v = field(*t, "specReplicas")) sc.target.spec_replicas = as_count(*v, "target.specReplicas");
      if (const json* v = field(*t, "statusReplicas")) sc.target.status_replicas = as_count(*v, "target.statusReplicas");
      if (const json* v = field(*t, "selectorState")) {
        sc.target.selector_state = as_enum<SelectorState>(
            *v, "target.selectorState",
            {{"ok", SelectorState::Ok}, {"missing", SelectorState::Missing}, {"unparsable", SelectorState::Unparsable},
             {"ambiguous", SelectorState::Ambiguous}});
      }
    }
    if (const json* cl = field(j, "clusters")) {
      sc.clusters.emplace();
      each(cl, "clusters", [&](const json& e, const std::string& p) {
        rd.object(e, p, {"name", "ready", "reachable", "specReplicas", "statusReplicas"});
        MemberCluster c;
        if (const json* v = field(e, "name")) c.name = as_string(*v, p + ".name");
        if (const json* v = field(e, "ready")) c.ready = as_bool(*v, p + ".ready");
        if (const json* v = field(e, "reachable")) c.reachable = as_bool(*v, p + ".reachable");
        if (const json* v = field(e, "specReplicas")) c.spec_replicas = as_count(*v, p + ".specReplicas");
        if (const json* v = field(e, "statusReplicas")) c.status_replicas = as_count(*v, p + ".statusReplicas");
        sc.clusters->push_back(c);
      });
    }
    each(field(j, "pods"), "pods", [&](const json& e, const std::string& p) {
      rd.object(e, p, {"name", "cluster", "phase", "ready", "readyTransitionTime", "startTime", "deleting", "containers"});
      Pod pod;
      const json* name = field(e, "name");
      if (name == nullptr) fail(p + ".name", "required");
      pod.name = as_string(*name, p + ".name");
      if (const json* v = field(e, "cluster")) pod.cluster = as_string(*v, p + ".cluster");
      if (const json* v = field(e, "phase")) pod.phase = as_string(*v, p + ".phase");
      if (const json* v = field(e, "ready")) {
        if (v->is_boolean()) {
          pod.ready = v->get<bool>() ? "True" : "False";
        } else {
          pod.ready = as_enum<std::string>(*v, p + ".ready", {{"True", "True"}, {"False", "False"}, {"Unknown", "Unknown"}});
        }
      }
      if (const json* v = field(e, "readyTransitionTime")) pod.ready_transition_time = as_time(*v, p + ".readyTransitionTime");
      if (const json* v = field(e, "startTime")) pod.start_time = as_time(*v, p + ".startTime");
      if (const json* v = field(e, "deleting")) pod.deleting = as_bool(*v, p + ".deleting");
      each(field(e, "containers"), p + ".containers", [&](const json& c, const std::string& cp) {
        rd.object(c, cp, {"name", "requests"});
        Container con;
        if (const json* v = field(c, "name")) con.name = as_string(*v, cp + ".name");
        con.requests = parse_resource_map(rd, field(c, "requests"), cp + ".requests");
        pod.containers.push_back(std::move(con));
      });
      sc.pods.push_back(std::move(pod));
    });
    if (const json* pm = field(j, "podMetrics")) {
      sc.pod_metrics.emplace();
      each(pm, "podMetrics", [&](const json& e, const std::string& p) {
        rd.object(e, p, {"pod", "cluster", "timestamp", "window", "containers"});
        PodMetricsItem item;
        const json* pod = field(e, "pod");
        if (pod == nullptr) fail(p + ".pod", "required");
        item.pod = as_string(*pod, p + ".pod");
        if (const json* v = field(e, "cluster")) item.cluster = as_string(*v, p + ".cluster");
        item.timestamp = sc.now;
        if (const json* v = field(e, "timestamp")) item.timestamp = as_time(*v, p + ".timestamp");
        if (const json* v = field(e, "window")) item.window = as_seconds(*v, p + ".window");
        each(field(e, "containers"), p + ".containers", [&](const json& c, const std::string& cp) {
          rd.object(c, cp, {"name", "usage"});
          ContainerUsage cu;
          if (const json* v = field(c, "name")) cu.name = as_string(*v, cp + ".name");
          cu.usage = parse_resource_map(rd, field(c, "usage"), cp + ".usage");
          item.containers.push_back(std::move(cu));
        });
        sc.pod_metrics->push_back(std::move(item));
      });
    }
    each(field(j, "metricData"), "metricData", [&](const json& e, const std::string& p) {
      MetricData md;
      if (e.is_null()) {
        sc.metric_data.push_back(md);
        return;
      }
      rd.object(e, p, {"samples", "value", "values", "error", "byCluster"});
      if (const json* v = field(e, "error")) md.error = as_string(*v, p + ".error");
      if (const json* v = field(e, "value")) md.values.push_back(as_milli(*v, p + ".value"));
      each(field(e, "values"), p + ".values", [&](const json& x, const std::string& xp) { md.values.push_back(as_milli(x, xp)); });
      if (const json* by = field(e, "byCluster")) {
        md.by_cluster.emplace();
        each(by, p + ".byCluster", [&](const json& c, const std::string& cp) {
          rd.object(c, cp, {"cluster", "value", "values", "error"});
          ClusterValues cv;
          const json* cluster = field(c, "cluster");
          if (cluster == nullptr) fail(cp + ".cluster", "required");
          cv.cluster = as_string(*cluster, cp + ".cluster");
          if (const json* v = field(c, "error")) cv.error = as_string(*v, cp + ".error");
          if (const json* v = field(c, "value")) cv.values.push_back(as_milli(*v, cp + ".value"));
          each(field(c, "values"), cp + ".values", [&](const json& x, const std::string& xp) {
            cv.values.push_back(as_milli(x, xp));
          });
          md.by_cluster->push_back(std::move(cv));
        });
      }
      each(field(e, "samples"), p + ".samples", [&](const json& s, const std::string& sp) {
        rd.object(s, sp, {"pod", "cluster", "value", "timestamp", "window"});
        PodSample ps;
        const json* pod = field(s, "pod");
        if (pod == nullptr) fail(sp + ".pod", "required");
        ps.pod = as_string(*pod, sp + ".pod");
        if (const json* v = field(s, "cluster")) ps.cluster = as_string(*v, sp + ".cluster");
        const json* value = field(s, "value");
        if (value == nullptr) fail(sp + ".value", "required");
        ps.value = as_milli(*value, sp + ".value");
        ps.timestamp = sc.now;
        if (const json* v = field(s, "timestamp")) ps.timestamp = as_time(*v, sp + ".timestamp");
        if (const json* v = field(s, "window")) ps.window = as_seconds(*v, sp + ".window");
        md.samples.push_back(ps);
      });
      sc.metric_data.push_back(std::move(md));
    });
    if (const json* h = field(j, "history")) sc.history = parse_history(rd, *h);
    if (const json* f = field(j, "faults")) {
      rd.object(*f, "faults", {"getScale", "updateScale", "getScaleTargetRef", "getBinding"});
      if (const json* v = field(*f, "getScale")) sc.faults.get_scale = as_bool(*v, "faults.getScale");
      if (const json* v = field(*f, "updateScale")) sc.faults.update_scale = as_bool(*v, "faults.updateScale");
      if (const json* v = field(*f, "getScaleTargetRef")) sc.faults.get_scale_target_ref = as_bool(*v, "faults.getScaleTargetRef");
      if (const json* v = field(*f, "getBinding")) sc.faults.get_binding = as_bool(*v, "faults.getBinding");
    }
  } catch (const FieldError& e) {
    return make_error(Errc::InvalidArgument, e.what());
  }
  return out;
}

namespace {

// Runs one part parser with its own Reader; field errors become InvalidArgument naming the path.
template <class T, class F>
Result<T> parse_part(std::vector<std::string>* warnings, F&& parse) {
  std::vector<std::string> local;
  Reader rd(warnings != nullptr ? *warnings : local);
  try {
    return Result<T>(boost::system::in_place_value, parse(rd));
  } catch (const FieldError& e) {
    return make_error(Errc::InvalidArgument, e.what());
  }
}

}  // namespace

Result<HpaSpec> parse_hpa_spec(const json& spec, const std::string& root, std::vector<std::string>* warnings) {
  return parse_part<HpaSpec>(warnings, [&](Reader& rd) { return parse_hpa(rd, &spec, root); });
}

Result<HpaStatus> parse_hpa_status(const json& status) {
  return parse_part<HpaStatus>(nullptr, [&](Reader& rd) { return parse_status(rd, &status); });
}

Result<History> parse_history(const json& history) {
  return parse_part<History>(nullptr, [&](Reader& rd) { return parse_history(rd, history); });
}

}  // namespace fedmetrics::autoscaler
