#include "aggregation/fhpa/controller.hpp"

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>

#include "aggregation/fhpa/federated_hpa_object.hpp"
#include "tests/fakes/fake_cluster_directory.hpp"
#include "tests/fakes/fake_metrics_provider.hpp"
#include "tests/fakes/fake_rest_client.hpp"
#include "tests/support/catch_result.hpp"

using namespace fedmetrics;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const kube::ResourceRef kFhpas = fhpa::federated_hpas().in("default");
const kube::ResourceRef kDeployments = kube::resources::deployments().in("default");

json fhpa_object(const std::string& behavior = "null") {
  return json::parse(R"({
    "apiVersion": "autoscaling.karmada.io/v1alpha1", "kind": "FederatedHPA",
    "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "generation": 1},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
             "minReplicas": 1, "maxReplicas": 10, "behavior": )" + behavior + R"(,
             "metrics": [{"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                                   "target": {"type": "AverageValue", "averageValue": "700m"}}}]}})");
}

json scale(int replicas) {
  return {{"metadata", {{"name", "web"}, {"namespace", "default"}}},
          {"spec", {{"replicas", replicas}}},
          {"status", {{"replicas", replicas}, {"selector", "app=web"}}}};
}

json ready_pod(const std::string& name) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", json::array({{{"name", "app"}}})}}},
          {"status",
           {{"phase", "Running"},
            {"startTime", "2026-01-01T00:00:00Z"},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2026-01-01T00:00:00Z"}}})}}}};
}

// A Karmada-like world: the template (2 replicas) on the control plane, one pod "web-0" in each of two
// members (same name on purpose: pods are told apart by cluster), per-pod metric values set by the test.
struct World {
  test::FakeRestClient control_plane;
  std::map<std::string, std::shared_ptr<test::FakeRestClient>> members;
  test::FakeClusterDirectory directory;
  test::FakeMetricsProvider metrics;
  fhpa::MemberKubeClients member_clients;
  prometheus::Registry registry;
  SteadyClock clock;
  std::string per_pod_value = "1400m";

  explicit World(const std::string& behavior = "null")
      : member_clients([this](const members::MemberCluster& m) -> Result<std::shared_ptr<kube::RestClient>> {
          return std::shared_ptr<kube::RestClient>(members.at(m.name));
        }) {
    const json object = fhpa_object(behavior);
    control_plane.put_object(kFhpas, object);
    control_plane.put_object(kFhpas, object, "status");  // the fake keeps subresources apart
    control_plane.put_object(kDeployments, scale(2), "scale");
    members::MemberList list;
    for (const std::string name : {"member1", "member2"}) {
      auto m = std::make_shared<test::FakeRestClient>();
      m->put_object(kDeployments, scale(1), "scale");
      m->put_object(kube::resources::pods().in("default"), ready_pod("web-0"));
      members[name] = m;
      members::MemberCluster mc;
      mc.name = name;
      mc.endpoint = "https://127.0.0.1:1";
      list.push_back(mc);
    }
    directory.set(list);
    metrics.on_custom([this](const provider::MetricQuery& q) -> Result<provider::CustomAnswer> {
      provider::CustomAnswer a;
      for (const std::string cluster : {"member1", "member2"}) {
        kubeapi::MetricValue v;
        v.described_object = {"Pod", "default", "web-0", "", "/v1", "", ""};
        v.metric_name = q.metric_name;
        v.timestamp = "2026-01-01T00:00:00Z";
        v.value = *kubeapi::Quantity::parse(per_pod_value);
        v.cluster = cluster;
        a.list.items.push_back(v);
      }
      return a;
    });
  }

  // Runs the controller until it has evaluated `n` times (or 5 s passed).
  void evaluate(std::uint64_t n = 1) {
    net::io_context ioc;
    fhpa::ControllerOptions options;
    options.sync_period = 1h;  // only the informer's initial ADDED triggers an evaluation
    options.workers = 2;
    fhpa::FederatedHpaController controller(ioc.get_executor(), control_plane, directory, member_clients, metrics,
                                            clock, registry, options);
    controller.set_leading(true);
    controller.start();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (controller.evaluations() < n && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(10ms);
    controller.stop();
    ioc.run_for(50ms);
    REQUIRE(controller.evaluations() >= n);
  }

  int template_replicas() const { return control_plane.object(kDeployments, "web/scale").value()["spec"]["replicas"]; }
  json status() const { return control_plane.object(kFhpas, "web/status").value()["status"]; }
  std::vector<std::string> event_reasons() const {
    std::vector<std::string> out;
    for (const auto& c : control_plane.calls()) {
      if (c.verb == "create" && c.ref.resource == "events") out.push_back(c.body["reason"]);
    }
    return out;
  }
  // Index of the first call matching (verb, subresource), -1 if none.
  long first_call(const std::string& verb, const std::string& subresource) const {
    const auto calls = control_plane.calls();
    for (std::size_t i = 0; i < calls.size(); ++i) {
      if (calls[i].verb == verb && calls[i].subresource == subresource) return static_cast<long>(i);
    }
    return -1;
  }
};

json condition(const json& status, const std::string& type) {
  for (const auto& c : status["conditions"]) {
    if (c["type"] == type) return c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("under load the loop scales the template, history first, then status and events") {
  World w;
  w.evaluate();
  // 2 pods (one per member, both named web-0) at 1400m against 700m: ratio 2 -> ceil(2 x 2 / 1.0) = 4.
  CHECK(w.template_replicas() == 4);
  const auto status = w.status();
  CHECK(status["desiredReplicas"] == 4);
  CHECK(status["currentReplicas"] == 2);
  CHECK(status["observedGeneration"] == 1);
  CHECK(status["currentMetrics"][0]["pods"]["current"]["averageValue"] == "1400m");
  CHECK(condition(status, "AbleToScale")["reason"] == "SucceededRescale");
  CHECK(condition(status, "ScalingActive")["reason"] == "ValidMetricFound");
  CHECK(w.event_reasons() == std::vector<std::string>{"SuccessfulRescale"});
  // Write-ahead: the history (with the scale event) lands before the scale write.
  const long history_patch = w.first_call("patch", "");
  const long scale_write = w.first_call("update", "scale");
  REQUIRE(history_patch >= 0);
  REQUIRE(scale_write >= 0);
  CHECK(history_patch < scale_write);
  auto stored = w.control_plane.object(kFhpas, "web").value();
  auto history = json::parse(stored["metadata"]["annotations"][fhpa::kHistoryAnnotation].get<std::string>());
  CHECK(history["recommendations"].size() >= 1);
  // Metrics were read in-process with the template's selector.
  REQUIRE_FALSE(w.metrics.custom_calls().empty());
  CHECK(w.metrics.custom_calls()[0].label_selector == "app=web");
}

TEST_CASE("a conflict on the scale write is retried") {
  World w;
  w.control_plane.fail_next("update", make_error(Errc::Conflict, "the object has been modified"));
  w.evaluate();
  CHECK(w.template_replicas() == 4);
  CHECK(w.event_reasons() == std::vector<std::string>{"SuccessfulRescale"});
}

TEST_CASE("a failed scale write is reported and the history loses its scale event") {
  World w("{}");  // behavior set: scale events are recorded
  // Only Conflict is retried; the next update (the status) succeeds.
  w.control_plane.fail_next("update", make_error(Errc::Unavailable, "apiserver down"));
  w.evaluate();
  CHECK(w.template_replicas() == 2);
  CHECK(w.event_reasons() == std::vector<std::string>{"FailedRescale"});
  CHECK(condition(w.status(), "AbleToScale")["reason"] == "FailedUpdateScale");
  auto stored = w.control_plane.object(kFhpas, "web").value();
  auto history = json::parse(stored["metadata"]["annotations"][fhpa::kHistoryAnnotation].get<std::string>());
  CHECK(history["scaleUpEvents"].empty());
}

TEST_CASE("a metrics error never scales down") {
  World w;
  w.control_plane.put_object(kDeployments, scale(6), "scale");
  w.metrics.on_custom([](const provider::MetricQuery&) -> Result<provider::CustomAnswer> {
    return make_error(Errc::Unavailable, "member1: connection refused; member2: timeout");
  });
  w.evaluate();
  CHECK(w.template_replicas() == 6);
  const auto active = condition(w.status(), "ScalingActive");
  CHECK(active["status"] == "False");
  CHECK(active["reason"] == "FailedGetPodsMetric");
  // Upstream's invalid-metric path: the metric's own reason, then FailedComputeMetricsReplicas.
  CHECK(w.event_reasons() == std::vector<std::string>{"FailedGetPodsMetric", "FailedComputeMetricsReplicas"});
}

TEST_CASE("an unreachable member is left out instead of counted") {
  World w;
  w.members.at("member2")->fail_next("get", make_error(Errc::Unavailable, "member2 down"));
  w.evaluate();
  // member1 only: 1 pod at 1400m, calibration 1 member replica / 2 template = 0.5 -> ceil(2 x 1 / 0.5) = 4.
  CHECK(w.template_replicas() == 4);
}

TEST_CASE("an invalid object gets ScalingActive=False/InvalidSpec and is not scaled") {
  World w;
  auto object = fhpa_object();
  object["spec"]["maxReplicas"] = 0;
  w.control_plane.put_object(kFhpas, object);
  w.control_plane.put_object(kFhpas, object, "status");
  w.evaluate();
  CHECK(w.template_replicas() == 2);
  const auto active = condition(w.status(), "ScalingActive");
  CHECK(active["reason"] == "InvalidSpec");
  CHECK(active["message"].get<std::string>().find("spec.maxReplicas") != std::string::npos);
  CHECK(w.event_reasons() == std::vector<std::string>{"FailedValidation"});
}

TEST_CASE("a stored history is continued: a recent scale-up holds back the next one") {
  World w(R"({"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 600}]}})");
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto object = fhpa_object(R"({"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 600}]}})");
  // The previous leader scaled 1 -> 2 a minute ago; the policy allows +1 per 10 minutes.
  object["metadata"]["annotations"][fhpa::kHistoryAnnotation] =
      json{{"recommendations", json::array({{{"replicas", 2}, {"timestamp", now_s - 60}}})},
           {"scaleUpEvents", json::array({{{"change", 1}, {"timestamp", now_s - 60}, {"outdated", false}}})},
           {"scaleDownEvents", json::array()}}
          .dump();
  w.control_plane.put_object(kFhpas, object);
  w.control_plane.put_object(kFhpas, object, "status");
  w.evaluate();
  CHECK(w.template_replicas() == 2);
  CHECK(condition(w.status(), "ScalingLimited")["reason"] == "ScaleUpLimit");
}
