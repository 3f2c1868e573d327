#include "aggregation/fhpa/controller.hpp"

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

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

const char* kPodsMetric = R"([{"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                              "target": {"type": "AverageValue", "averageValue": "700m"}}}])";

json fhpa_object(const std::string& behavior = "null", const std::string& metrics = kPodsMetric) {
  return json::parse(R"({
    "apiVersion": "autoscaling.karmada.io/v1alpha1", "kind": "FederatedHPA",
    "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "generation": 1},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
             "minReplicas": 1, "maxReplicas": 10, "behavior": )" + behavior + R"(,
             "metrics": )" + metrics + "}}");
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
  kube::WholeOwnership ownership{"test ownership", clock};
  std::string per_pod_value = "1400m";

  explicit World(const std::string& behavior = "null", const std::string& metric_specs = kPodsMetric)
      : member_clients([this](const members::MemberCluster& m) -> Result<std::shared_ptr<kube::RestClient>> {
          return std::shared_ptr<kube::RestClient>(members.at(m.name));
        }) {
    control_plane.put_object(kFhpas, fhpa_object(behavior, metric_specs));
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
    metrics.on_custom([this](const provider::MetricQuery& q) { return pods_answer(q); });
  }

  // Every member's web-0 at per_pod_value.
  Result<provider::CustomAnswer> pods_answer(const provider::MetricQuery& q) const {
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
  }

  // Runs the controller until it has evaluated `n` times (or 5 s passed).
  void evaluate(std::uint64_t n = 1) {
    net::io_context ioc;
    fhpa::ControllerOptions options;
    options.sync_period = 1h;  // only the informer's initial ADDED triggers an evaluation
    options.workers = 2;
    fhpa::FederatedHpaController controller(ioc.get_executor(), control_plane, directory, member_clients, metrics,
                                            ownership, clock, registry, options);
    ownership.grant();
    controller.start();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (controller.evaluations() < n && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(10ms);
    controller.stop();
    ioc.run_for(50ms);
    REQUIRE(controller.evaluations() >= n);
  }

  int template_replicas() const { return control_plane.object(kDeployments, "web/scale").value()["spec"]["replicas"]; }
  json status() const { return control_plane.object(kFhpas, "web").value()["status"]; }
  int writes() const { return control_plane.count("update") + control_plane.count("patch") + control_plane.count("create"); }
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

TEST_CASE("a template changed since it was read fails the rescale instead of being overwritten (issue #12 item 4)") {
  World w;
  // Someone (a user, the CronFederatedHPA) sets the template to 3 while the loop reads the metrics, i.e.
  // between the loop's read of the template scale and its write.
  w.metrics.on_custom([&w](const provider::MetricQuery& q) {
    w.control_plane.put_object(kDeployments, scale(3), "scale");
    return w.pods_answer(q);
  });
  w.evaluate();
  CHECK(w.template_replicas() == 3);  // theirs, not overwritten with 4
  int scale_writes = 0;
  for (const auto& c : w.control_plane.calls()) scale_writes += c.verb == "update" && c.subresource == "scale" ? 1 : 0;
  CHECK(scale_writes == 1);  // one conditional attempt, no re-read-and-retry
  CHECK(w.event_reasons() == std::vector<std::string>{"FailedRescale"});
  CHECK(condition(w.status(), "AbleToScale")["reason"] == "FailedUpdateScale");
}

TEST_CASE("the history annotation is written against the resourceVersion read (issue #12 item 4)") {
  World w;
  w.metrics.on_custom([&w](const provider::MetricQuery& q) {
    // A user edits the FederatedHPA while the loop reads the metrics.
    auto object = w.control_plane.object(kFhpas, "web").value();
    object["metadata"]["labels"]["edited"] = "yes";
    w.control_plane.put_object(kFhpas, object);
    return w.pods_answer(q);
  });
  w.evaluate();
  // The history patch conflicts: no scale write this period, and the user's edit survives.
  CHECK(w.template_replicas() == 2);
  CHECK(w.first_call("update", "scale") == -1);
  const auto stored = w.control_plane.object(kFhpas, "web").value();
  CHECK(stored["metadata"]["labels"]["edited"] == "yes");
  CHECK_FALSE(stored["metadata"].contains("annotations"));
}

TEST_CASE("nothing is written after ownership is lost during an evaluation (issue #12 item 4)") {
  World w;
  w.metrics.on_custom([&w](const provider::MetricQuery& q) {
    w.ownership.revoke();  // the lease is lost while a (slow) member answers
    return w.pods_answer(q);
  });
  net::io_context ioc;
  fhpa::ControllerOptions options;
  options.sync_period = 1h;
  fhpa::FederatedHpaController controller(ioc.get_executor(), w.control_plane, w.directory, w.member_clients, w.metrics,
                                          w.ownership, w.clock, w.registry, options);
  w.ownership.grant();
  controller.start();
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (w.metrics.custom_calls().empty() && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(10ms);
  ioc.run_for(100ms);
  controller.stop();
  ioc.run_for(50ms);
  REQUIRE_FALSE(w.metrics.custom_calls().empty());
  CHECK(w.writes() == 0);  // no history, no scale, no event, no status
  CHECK(w.template_replicas() == 2);
}

TEST_CASE("losing ownership cancels a running evaluation at once (issue #12 item 4)") {
  World w;
  // A member that never answers: the evaluation waits in the metric read until it is cancelled.
  struct Hanging final : provider::MetricsProvider {
    bool called = false, cancelled = false;
    std::vector<provider::CustomMetricInfo> list_custom_metrics() const override { return {}; }
    std::vector<provider::ExternalMetricInfo> list_external_metrics() const override { return {}; }
    net::awaitable<Result<provider::CustomAnswer>> get_custom_metric(provider::MetricQuery) override {
      called = true;
      net::steady_timer timer(co_await net::this_coro::executor);
      timer.expires_after(1h);
      auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
      cancelled = ec == net::error::operation_aborted;
      co_return make_error(Errc::Cancelled, "cancelled");
    }
    net::awaitable<Result<provider::ExternalAnswer>> get_external_metric(provider::ExternalQuery) override {
      co_return make_error(Errc::NotFound, "none");
    }
    net::awaitable<Result<provider::ResourceAnswer>> get_resource_metrics(provider::ResourceQuery) override {
      co_return make_error(Errc::NotFound, "none");
    }
    net::awaitable<Result<provider::CustomAnswer>> get_custom_metric_by_cluster(provider::MetricQuery q) override {
      co_return co_await get_custom_metric(std::move(q));
    }
    net::awaitable<Result<provider::ExternalAnswer>> get_external_metric_by_cluster(provider::ExternalQuery q) override {
      co_return co_await get_external_metric(std::move(q));
    }
  } hanging;
  net::io_context ioc;
  fhpa::ControllerOptions options;
  options.sync_period = 1h;
  fhpa::FederatedHpaController controller(ioc.get_executor(), w.control_plane, w.directory, w.member_clients, hanging,
                                          w.ownership, w.clock, w.registry, options);
  w.ownership.grant();
  controller.start();
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!hanging.called && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(10ms);
  REQUIRE(hanging.called);
  w.ownership.revoke();
  deadline = std::chrono::steady_clock::now() + 2s;
  while (!hanging.cancelled && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(10ms);
  CHECK(hanging.cancelled);
  controller.stop();
  ioc.run_for(50ms);
  CHECK(w.writes() == 0);
}

TEST_CASE("an External metric summed over members never scales down when one member failed (issue #12 item 1)") {
  World w("null", R"([{"type": "External", "external": {"metric": {"name": "queue"},
                                                       "target": {"type": "Value", "value": "4"}}}])");
  w.control_plane.put_object(kDeployments, scale(4), "scale");
  for (auto& [name, m] : w.members) m->put_object(kDeployments, scale(2), "scale");
  // member1 answers 2 (of the 4 at target); member2's metrics API answers 503. Summing what arrived gives
  // 2 < 4: the partial answer would halve the workload.
  w.metrics.on_external([](const provider::ExternalQuery& q) -> Result<provider::ExternalAnswer> {
    provider::ExternalAnswer a;
    kubeapi::ExternalMetricValue v;
    v.metric_name = q.metric_name;
    v.timestamp = "2026-01-01T00:00:00Z";
    v.value = kubeapi::Quantity::from_milli(2000);
    v.cluster = "member1";
    a.list.items.push_back(v);
    a.members = {"member1"};
    a.warnings = {"member member2: HTTP 503: adapter unavailable"};
    a.failed = {{"member2", Errc::Unavailable, "member member2: GET /apis/external.metrics.k8s.io: HTTP 503"}};
    return a;
  });
  w.evaluate();
  CHECK(w.template_replicas() == 4);
  const auto active = condition(w.status(), "ScalingActive");
  CHECK(active["status"] == "False");
  CHECK(active["reason"] == "FailedGetExternalMetric");
  CHECK(active["message"].get<std::string>().find("member member2 failed") != std::string::npos);
  const auto reasons = w.event_reasons();
  CHECK(std::find(reasons.begin(), reasons.end(), "FailedGetExternalMetric") != reasons.end());
  CHECK(std::find(reasons.begin(), reasons.end(), "SuccessfulRescale") == reasons.end());

  // Both members answer 1 + 1: a complete answer still scales down (the rule blocks only partial sums).
  World both("{\"scaleDown\": {\"stabilizationWindowSeconds\": 0}}",
             R"([{"type": "External", "external": {"metric": {"name": "queue"},
                                                 "target": {"type": "Value", "value": "4"}}}])");
  both.control_plane.put_object(kDeployments, scale(4), "scale");
  for (auto& [name, m] : both.members) m->put_object(kDeployments, scale(2), "scale");
  both.metrics.on_external([](const provider::ExternalQuery& q) -> Result<provider::ExternalAnswer> {
    provider::ExternalAnswer a;
    for (const std::string cluster : {"member1", "member2"}) {
      kubeapi::ExternalMetricValue v;
      v.metric_name = q.metric_name;
      v.value = kubeapi::Quantity::from_milli(1000);
      v.cluster = cluster;
      a.list.items.push_back(v);
      a.members.push_back(cluster);
    }
    return a;
  });
  both.evaluate();
  CHECK(both.template_replicas() == 1);  // ratio 2 / 4 = 0.5 over the 2 ready pods
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
  w.evaluate();
  CHECK(w.template_replicas() == 2);
  CHECK(condition(w.status(), "ScalingLimited")["reason"] == "ScaleUpLimit");
}

TEST_CASE("every period evaluates the object again (workers are not held by finished evaluations)") {
  World w;
  w.per_pod_value = "700m";  // at target: nothing to write after the first status
  net::io_context ioc;
  fhpa::ControllerOptions options;
  options.sync_period = 5ms;
  options.workers = 1;
  fhpa::FederatedHpaController controller(ioc.get_executor(), w.control_plane, w.directory, w.member_clients, w.metrics,
                                          w.ownership, w.clock, w.registry, options);
  w.ownership.grant();
  controller.start();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (controller.evaluations() < 5 && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(10ms);
  controller.stop();
  ioc.run_for(50ms);
  CHECK(controller.evaluations() >= 5);
}
