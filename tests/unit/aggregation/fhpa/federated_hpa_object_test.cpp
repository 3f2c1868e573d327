#include "aggregation/fhpa/federated_hpa_object.hpp"

#include <catch2/catch.hpp>

#include "aggregation/fhpa/observe.hpp"
#include "tests/support/catch_result.hpp"

using namespace fedmetrics;
using fhpa::decode_federated_hpa;
using nlohmann::json;

namespace {

// The seed's FederatedHPA (shared/seeds/federatedhpa-custom-metrics.md).
json seed_object() {
  return json::parse(R"({
    "apiVersion": "autoscaling.karmada.io/v1alpha1", "kind": "FederatedHPA",
    "metadata": {"name": "sample-app", "namespace": "default", "uid": "u-1", "generation": 3,
                 "resourceVersion": "77"},
    "spec": {
      "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "sample-app"},
      "minReplicas": 1, "maxReplicas": 10,
      "behavior": {"scaleDown": {"stabilizationWindowSeconds": 10}, "scaleUp": {"stabilizationWindowSeconds": 10}},
      "metrics": [{"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                            "target": {"averageValue": "700m", "type": "Value"}}}]
    }})");
}

std::vector<std::string> errors_of(json object) {
  auto h = decode_federated_hpa(object);
  REQUIRE(h);
  return h->spec_errors;
}

bool mentions(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the seed's FederatedHPA decodes and is valid") {
  auto h = decode_federated_hpa(seed_object());
  REQUIRE(h);
  CHECK(h->spec_errors.empty());
  CHECK(h->key() == "default/sample-app");
  CHECK(h->generation == 3);
  CHECK(h->target.kind == "Deployment");
  REQUIRE(h->spec.metrics.size() == 1);
  CHECK(h->spec.metrics[0].metric_name == "http_requests");
  CHECK(h->spec.metrics[0].target.average_value == 700);
  CHECK(h->spec.behavior->scale_up->stabilization_window_seconds == 10);
  CHECK_FALSE(h->history.has_value());
}

TEST_CASE("validation follows the reference's webhook with fedmetrics' extensions") {
  SECTION("maxReplicas below minReplicas") {
    auto o = seed_object();
    o["spec"]["minReplicas"] = 5;
    o["spec"]["maxReplicas"] = 2;
    CHECK(mentions(errors_of(o), "spec.maxReplicas"));
  }
  SECTION("minReplicas 0 needs an Object or External metric") {
    auto o = seed_object();
    o["spec"]["minReplicas"] = 0;
    CHECK(mentions(errors_of(o), "spec.minReplicas"));
    o["spec"]["metrics"].push_back(json::parse(
        R"({"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "10"}}})"));
    CHECK(errors_of(o).empty());
  }
  SECTION("a Pods metric needs averageValue") {
    auto o = seed_object();
    o["spec"]["metrics"][0]["pods"]["target"] = {{"type", "AverageValue"}};
    CHECK(mentions(errors_of(o), "pods.target.averageValue"));
  }
  SECTION("a Resource metric needs exactly one of utilization and averageValue") {
    auto o = seed_object();
    o["spec"]["metrics"] = json::parse(
        R"([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50, "averageValue": "1"}}}])");
    CHECK(mentions(errors_of(o), "exactly one"));
  }
  SECTION("an unknown metric type") {
    auto o = seed_object();
    o["spec"]["metrics"][0]["type"] = "Bogus";
    CHECK(mentions(errors_of(o), "Unsupported value: \"Bogus\""));
  }
  SECTION("behavior limits") {
    auto o = seed_object();
    o["spec"]["behavior"]["scaleUp"] = json::parse(
        R"({"stabilizationWindowSeconds": 4000, "policies": [{"type": "Pods", "value": 0, "periodSeconds": 1801}], "tolerance": -1})");
    const auto e = errors_of(o);
    CHECK(mentions(e, "scaleUp.stabilizationWindowSeconds"));
    CHECK(mentions(e, "policies[0].value"));
    CHECK(mentions(e, "policies[0].periodSeconds"));
    CHECK(mentions(e, "scaleUp.tolerance"));
  }
  SECTION("a missing scaleTargetRef") {
    auto o = seed_object();
    o["spec"].erase("scaleTargetRef");
    CHECK(mentions(errors_of(o), "scaleTargetRef.kind"));
  }
  SECTION("wrong field types are reported, not thrown") {
    auto o = seed_object();
    o["spec"]["maxReplicas"] = "ten";
    CHECK(mentions(errors_of(o), "spec.maxReplicas"));
  }
}

TEST_CASE("an object without metadata.name is a protocol error") {
  CHECK_FALSE(decode_federated_hpa(json::parse(R"({"spec": {}})")));
  CHECK_FALSE(decode_federated_hpa(json::array()));
}

TEST_CASE("the history annotation round-trips and survives a garbled value") {
  autoscaler::History h;
  h.recommendations = std::vector<autoscaler::Recommendation>{{3, 1'790'000'000'000}, {5, 1'790'000'015'000}};
  h.scale_up_events.push_back({2, 1'790'000'015'000, false});
  auto o = seed_object();
  o["metadata"]["annotations"][fhpa::kHistoryAnnotation] = fhpa::encode_history(h);
  auto decoded = decode_federated_hpa(o);
  REQUIRE(decoded);
  REQUIRE(decoded->history);
  CHECK(*decoded->history == h);

  o["metadata"]["annotations"][fhpa::kHistoryAnnotation] = "{not json";
  decoded = decode_federated_hpa(o);
  REQUIRE(decoded);
  CHECK_FALSE(decoded->history.has_value());  // starts afresh, like the reference after a restart
}

TEST_CASE("status is encoded as autoscaling/v2 writes it and decodes back") {
  autoscaler::HpaStatus s;
  s.current_replicas = 2;
  s.desired_replicas = 4;
  s.last_scale_time = 1'790'000'000'000;
  autoscaler::MetricStatus m;
  m.type = autoscaler::MetricSourceType::Pods;
  m.name = "http_requests";
  m.average_value = 1400;
  s.current_metrics = std::vector<autoscaler::MetricStatus>{m};
  s.conditions.push_back({"AbleToScale", "True", "SucceededRescale", "ok", 1'790'000'000'000});
  const json j = fhpa::encode_status(s, 7);
  CHECK(j["observedGeneration"] == 7);
  CHECK(j["lastScaleTime"] == "2026-09-21T14:13:20Z");
  CHECK(j["currentMetrics"][0]["pods"]["current"]["averageValue"] == "1400m");
  CHECK(j["conditions"][0]["lastTransitionTime"] == "2026-09-21T14:13:20Z");

  auto o = seed_object();
  o["status"] = j;
  auto decoded = decode_federated_hpa(o);
  REQUIRE(decoded);
  CHECK(decoded->status == s);
  CHECK(decoded->observed_generation == 7);
}

TEST_CASE("scaleTargetRef maps to a resource") {
  auto r = fhpa::target_resource({"apps/v1", "Deployment", "web"});
  REQUIRE(r);
  CHECK(*r == kube::ResourceRef{"apps", "v1", "deployments", ""});
  r = fhpa::target_resource({"example.com/v2", "Widget", "w"});
  REQUIRE(r);
  CHECK(*r == kube::ResourceRef{"example.com", "v2", "widgets", ""});
  CHECK_FALSE(fhpa::target_resource({"a/b/c", "Deployment", "x"}));
  CHECK_FALSE(fhpa::target_resource({"apps/v1", "", "x"}));
}

TEST_CASE("a metric selector written as a LabelSelector becomes a selector string") {
  CHECK(*fhpa::metric_selector_string("<nil>") == "");
  CHECK(*fhpa::metric_selector_string(R"({"matchLabels": {"verb": "GET"}})") == "verb=GET");
  auto s = fhpa::metric_selector_string(
      R"({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "In", "values": ["x", "y"]},
                                                        {"key": "c", "operator": "DoesNotExist"}]})");
  REQUIRE(s);
  CHECK(*s == "a=1,b in (x,y),!c");  // requirements sorted by key, as labels.Parse
  CHECK_FALSE(fhpa::metric_selector_string(R"({"matchExpressions": [{"key": "b", "operator": "Near"}]})"));
  CHECK_FALSE(fhpa::metric_selector_string(R"({"matchLabels": {"a": 1}})"));
}

TEST_CASE("member pods and samples keep their cluster") {
  kube::Pod pod;
  pod.metadata.name = "web-0";
  pod.phase = "Running";
  pod.start_time = std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'000));
  pod.conditions.push_back({"Ready", "True", "", "", std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'030))});
  pod.containers.push_back({"app", {{"cpu", *kubeapi::Quantity::parse("250m")}}});
  const auto p = fhpa::to_autoscaler_pod(pod, "member2");
  CHECK(p.cluster == "member2");
  CHECK(p.ready == "True");
  CHECK(p.ready_transition_time == 1'790'000'030'000);
  CHECK(p.start_time == 1'790'000'000'000);
  CHECK(p.containers.at(0).requests.at("cpu") == 250);
  CHECK_FALSE(p.deleting);

  kubeapi::MetricValueList list;
  kubeapi::MetricValue v;
  v.described_object.name = "web-0";
  v.cluster = "member2";
  v.value = *kubeapi::Quantity::parse("1500m");
  v.timestamp = "2026-09-21T14:13:20Z";
  list.items.push_back(v);
  v.timestamp = "garbage";
  v.window_seconds = 30;
  list.items.push_back(v);
  const auto samples = fhpa::to_pod_samples(list, 42);
  REQUIRE(samples.size() == 2);
  CHECK(samples[0].cluster == "member2");
  CHECK(samples[0].value == 1500);
  CHECK(samples[0].timestamp == 1'790'000'000'000);
  CHECK(samples[0].window == 60'000);
  CHECK(samples[1].timestamp == 42);
  CHECK(samples[1].window == 30'000);
}
