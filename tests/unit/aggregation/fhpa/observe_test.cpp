// observe() for Resource metrics (#13 B): the PodMetrics read through the in-process provider, converted for
// the calculator, limited to the target clusters; and the decision the loop takes from it.
#include "aggregation/fhpa/observe.hpp"

#include <catch2/catch.hpp>

#include "aggregation/autoscaler/decide.hpp"
#include "aggregation/fhpa/federated_hpa_object.hpp"
#include "tests/fakes/fake_cluster_directory.hpp"
#include "tests/fakes/fake_metrics_provider.hpp"
#include "tests/fakes/fake_rest_client.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/run_coro.hpp"

using namespace fedmetrics;
using nlohmann::json;

namespace {

const kube::ResourceRef kDeployments = kube::resources::deployments().in("default");
const kube::ResourceRef kPods = kube::resources::pods().in("default");
constexpr autoscaler::Millis kNow = 1'767'225'900'000;  // 2026-01-01T00:05:00Z

json scale(int replicas) {
  return {{"metadata", {{"name", "web"}, {"namespace", "default"}}},
          {"spec", {{"replicas", replicas}}},
          {"status", {{"replicas", replicas}, {"selector", "app=web"}}}};
}

// A Running, Ready pod whose one container requests 100m CPU, started long before kNow (past the CPU
// initialization period).
json pod(const std::string& name) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", json::array({{{"name", "app"}, {"resources", {{"requests", {{"cpu", "100m"}}}}}}})}}},
          {"status",
           {{"phase", "Running"},
            {"startTime", "2025-12-31T00:00:00Z"},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2025-12-31T00:00:10Z"}}})}}}};
}

kubeapi::ResourceMetrics pod_metrics(const std::string& name, const std::string& cluster, const std::string& cpu) {
  kubeapi::ResourceMetrics m;
  m.metadata.name = name;
  m.metadata.namespace_ = "default";
  m.timestamp = "2026-01-01T00:04:50Z";
  m.window_ns = 20'000'000'000;
  m.containers = {{"app", {{"cpu", *kubeapi::Quantity::parse(cpu)}, {"memory", *kubeapi::Quantity::parse("20Mi")}}}};
  m.cluster = cluster;
  return m;
}

fhpa::FederatedHpa hpa(const std::string& metrics) {
  const json object = json::parse(R"({
    "apiVersion": "autoscaling.karmada.io/v1alpha1", "kind": "FederatedHPA",
    "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "generation": 1},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
             "minReplicas": 1, "maxReplicas": 10)" + (metrics.empty() ? "" : ", \"metrics\": " + metrics) + "}}");
  auto decoded = fhpa::decode_federated_hpa(object);
  REQUIRE(decoded);
  REQUIRE(decoded->spec_errors.empty());
  return *decoded;
}

const std::string kCpu50 =
    R"([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}])";

// The template at 2 replicas; member1 and member2 run one pod each (same name: told apart by cluster);
// member3 serves metrics but has no such workload (its pods are no samples of this one).
struct World {
  test::FakeRestClient control_plane;
  std::map<std::string, std::shared_ptr<test::FakeRestClient>> members;
  test::FakeClusterDirectory directory;
  test::FakeMetricsProvider metrics;
  fhpa::MemberKubeClients member_clients{[this](const members::MemberCluster& m) -> Result<std::shared_ptr<kube::RestClient>> {
    return std::shared_ptr<kube::RestClient>(members.at(m.name));
  }};
  std::vector<std::pair<autoscaler::MetricSourceType, bool>> pulls;

  World() {
    control_plane.put_object(kDeployments, scale(2), "scale");
    members::MemberList list;
    for (const std::string name : {"member1", "member2", "member3"}) {
      auto m = std::make_shared<test::FakeRestClient>();
      if (name != "member3") {
        m->put_object(kDeployments, scale(1), "scale");
        m->put_object(kPods, pod("web-0"));
      }
      members[name] = m;
      members::MemberCluster mc;
      mc.name = name;
      mc.endpoint = "https://127.0.0.1:1";
      list.push_back(mc);
    }
    directory.set(list);
    provider::ResourceAnswer a;
    a.list.kind = kubeapi::ResourceMetricsKind::Pods;
    a.list.items = {pod_metrics("web-0", "member1", "150m"), pod_metrics("web-0", "member2", "50m"),
                    pod_metrics("other-0", "member3", "900m")};
    metrics.answer_resource(kubeapi::ResourceMetricsKind::Pods, a);
  }

  fhpa::Observation observe(fhpa::FederatedHpa h) {
    fhpa::ObserveDeps deps{&control_plane, &directory, &member_clients, &metrics,
                           [this](autoscaler::MetricSourceType t, bool ok, double) { pulls.emplace_back(t, ok); }};
    return test::run_coro(fhpa::observe(std::move(h), autoscaler::profile_defaults(autoscaler::Profile::Fedmetrics), {},
                                        kNow, std::move(deps)));
  }
};

}  // namespace

TEST_CASE("PodMetrics convert to the calculator's items: milli-units, Unix ms, window ms", "[unit][fhpa][resource]") {
  kubeapi::ResourceMetricsList list{kubeapi::ResourceMetricsKind::Pods, {pod_metrics("web-0", "member1", "1.5")}};
  list.items[0].timestamp = "not a time";
  const auto items = fhpa::to_pod_metrics(list, kNow);
  REQUIRE(items.size() == 1);
  CHECK(items[0].pod == "web-0");
  CHECK(items[0].cluster == "member1");
  CHECK(items[0].timestamp == kNow);  // unreadable: now
  CHECK(items[0].window == 20'000);
  REQUIRE(items[0].containers.size() == 1);
  CHECK(items[0].containers[0].name == "app");
  CHECK(items[0].containers[0].usage.at("cpu") == 1500);
  CHECK(items[0].containers[0].usage.at("memory") == 20 * 1024 * 1024 * 1000LL);
}

TEST_CASE("a cpu Utilization metric reads the workload's PodMetrics once, from the target clusters",
          "[unit][fhpa][resource]") {
  World w;
  auto obs = w.observe(hpa(kCpu50));
  const auto& sc = obs.scenario;
  REQUIRE(sc.pod_metrics.has_value());
  // member3's pod is not this workload's: left out
  REQUIRE(sc.pod_metrics->size() == 2);
  CHECK((*sc.pod_metrics)[0].cluster == "member1");
  CHECK((*sc.pod_metrics)[0].timestamp == kNow - 10'000);
  CHECK((*sc.pod_metrics)[1].containers.at(0).usage.at("cpu") == 50);
  // the query: the scale's selector, in the FederatedHPA's namespace
  const auto calls = w.metrics.resource_calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0] == provider::ResourceQuery{kubeapi::ResourceMetricsKind::Pods, "default", "", "app=web", ""});
  CHECK(w.pulls == std::vector<std::pair<autoscaler::MetricSourceType, bool>>{{autoscaler::MetricSourceType::Resource, true}});
  // requests come from the member pods
  REQUIRE(sc.pods.size() == 2);
  CHECK(sc.pods[0].containers.at(0).requests.at("cpu") == 100);

  // (150m + 50m) / (2 x 100m) = 100 % against 50 %: twice the pods
  const auto d = autoscaler::decide(sc);
  CHECK(d.desired_replicas == 4);
  REQUIRE(d.metrics.size() == 1);
  CHECK(d.metrics[0].valid);
  CHECK(d.metrics[0].current.average_utilization == 100);
}

TEST_CASE("a FederatedHPA without metrics reads PodMetrics for its default cpu 80 %", "[unit][fhpa][resource]") {
  World w;
  auto obs = w.observe(hpa(""));
  REQUIRE(obs.scenario.pod_metrics.has_value());
  CHECK(obs.scenario.metric_data.empty());
  const auto d = autoscaler::decide(obs.scenario);
  // 100 % against the default 80 %: ceil(1.25 x 2) = 3
  CHECK(d.desired_replicas == 3);
  REQUIRE(d.metrics.size() == 1);
  CHECK(d.metrics[0].type == autoscaler::MetricSourceType::Resource);
  CHECK(d.metrics[0].name == "cpu resource utilization (percentage of request)");
}

TEST_CASE("a failed PodMetrics read leaves pod_metrics unset, reported, and never scales", "[unit][fhpa][resource]") {
  World w;
  w.metrics.answer_resource(kubeapi::ResourceMetricsKind::Pods,
                            make_error(Errc::Unavailable, "no member cluster answered: member member1: HTTP 503"));
  auto obs = w.observe(hpa(kCpu50));
  CHECK_FALSE(obs.scenario.pod_metrics.has_value());
  REQUIRE_FALSE(obs.problems.empty());
  CHECK_THAT(obs.problems.back(), Catch::Contains("HTTP 503"));
  const auto d = autoscaler::decide(obs.scenario);
  CHECK_FALSE(d.rescale);
  CHECK(d.replicas == 2);
  REQUIRE(d.metrics.size() == 1);
  CHECK_FALSE(d.metrics[0].valid);
  CHECK_THAT(d.metrics[0].error, Catch::Contains("resource metrics API call failed"));
}

TEST_CASE("Pods-only FederatedHPAs never read PodMetrics", "[unit][fhpa][resource]") {
  World w;
  w.observe(hpa(R"([{"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                           "target": {"type": "AverageValue", "averageValue": "700m"}}}])"));
  CHECK(w.metrics.resource_calls().empty());
}
