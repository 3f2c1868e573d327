// The FederatedHPA loop's own cost (issue #7: "10,000 FederatedHPAs over 100 members evaluated within one
// 15 s period on one core"): the real controller (informer, queue, workers, observe, decide, writes) on ONE
// thread, against in-memory API servers and an in-memory metrics provider, so the figure is the loop's CPU
// time per evaluation, without network latency. Every FederatedHPA has its own namespace; every member holds
// the workload's scale and P Ready pods in each namespace; the metric is exactly at target (no rescale), so
// each evaluation does: fresh GET of the object (first evaluation), template scale GET, per member a scale
// GET and a pod LIST, one metric read, decide(), history patch and status update (first evaluation only,
// then nothing changes).
//
//   fedmetrics-fhpa-bench --fhpas 10000 --members 100 --pods 2 --workers 5 --rounds 2
//
// Prints one JSON line per round (fhpas evaluations each): {"round", "fhpas", "members", "pods", "seconds",
// "evaluations_per_s", "control_plane_writes"}; round 1 includes the first status and history writes.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "aggregation/fhpa/controller.hpp"
#include "aggregation/fhpa/federated_hpa_object.hpp"
#include "clients/base/log.hpp"

namespace {

using namespace fedmetrics;
using nlohmann::json;

std::string ns_of(int i) { return "ns-" + std::to_string(i); }

// A minimal in-memory API server: O(1) GET/UPDATE/PATCH by (resource, namespace, name, subresource), LIST of
// a namespace's pods, and LIST of every FederatedHPA; WATCH ends at once (the informer keeps its list).
class MemoryApi final : public kube::RestClient {
 public:
  void put(const std::string& key, json object) { objects_[key] = std::move(object); }
  void put_pods(const std::string& ns, std::vector<json> pods) { pods_[ns] = std::move(pods); }
  void set_fhpas(std::vector<json> items) { fhpas_ = std::move(items); }
  std::size_t writes() const { return writes_; }

  static std::string key(const kube::ResourceRef& ref, const std::string& name, const std::string& sub) {
    return ref.resource + "/" + ref.namespace_name + "/" + name + "/" + sub;
  }

  net::awaitable<Result<json>> get(kube::ResourceRef ref, std::string name, std::string sub) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key(ref, name, sub == "status" ? "" : sub));
    if (it == objects_.end()) co_return make_error(Errc::NotFound, name + " not found");
    co_return kube::json_value(it->second);
  }
  net::awaitable<Result<kube::ObjectList>> list(kube::ResourceRef ref, kube::ListOptions) override {
    std::lock_guard lock(mu_);
    kube::ObjectList out;
    out.resource_version = "1";
    if (ref.resource == "federatedhpas") {
      out.items = fhpas_;
    } else if (auto it = pods_.find(ref.namespace_name); it != pods_.end()) {
      out.items = it->second;
    }
    co_return out;
  }
  net::awaitable<Result<void>> watch(kube::ResourceRef, kube::WatchOptions, kube::WatchHandler) override {
    co_return make_error(Errc::Cancelled, "bench: no watch");
  }
  net::awaitable<Result<json>> create(kube::ResourceRef, json object) override {
    std::lock_guard lock(mu_);
    ++writes_;
    co_return kube::json_value(std::move(object));
  }
  net::awaitable<Result<json>> update(kube::ResourceRef ref, std::string name, std::string sub, json object) override {
    std::lock_guard lock(mu_);
    ++writes_;
    objects_[key(ref, name, sub == "status" ? "" : sub)] = object;
    co_return kube::json_value(std::move(object));
  }
  net::awaitable<Result<json>> patch(kube::ResourceRef ref, std::string name, std::string sub, kube::PatchType,
                                     std::string text) override {
    std::lock_guard lock(mu_);
    ++writes_;
    auto& stored = objects_[key(ref, name, sub)];
    stored.merge_patch(json::parse(text));
    co_return kube::json_value(stored);
  }
  net::awaitable<Result<void>> remove(kube::ResourceRef, std::string) override { co_return ok(); }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, json> objects_;
  std::unordered_map<std::string, std::vector<json>> pods_;
  std::vector<json> fhpas_;
  std::size_t writes_ = 0;
};

// Every pods query: each member's P pods at exactly the 700m target.
class AtTargetMetrics final : public provider::MetricsProvider {
 public:
  AtTargetMetrics(int members, int pods) {
    for (int m = 0; m < members; ++m) {
      for (int p = 0; p < pods; ++p) {
        kubeapi::MetricValue v;
        v.described_object = {"Pod", "", "web-" + std::to_string(p), "", "/v1", "", ""};
        v.metric_name = "http_requests";
        v.timestamp = "2026-01-01T00:00:00Z";
        v.value = kubeapi::Quantity::from_milli(700);
        v.cluster = "member" + std::to_string(m);
        answer_.list.items.push_back(v);
      }
    }
  }
  std::vector<provider::CustomMetricInfo> list_custom_metrics() const override { return {}; }
  std::vector<provider::ExternalMetricInfo> list_external_metrics() const override { return {}; }
  net::awaitable<Result<provider::CustomAnswer>> get_custom_metric(provider::MetricQuery) override { co_return answer_; }
  net::awaitable<Result<provider::ExternalAnswer>> get_external_metric(provider::ExternalQuery) override {
    co_return make_error(Errc::NotFound, "none");
  }
  net::awaitable<Result<provider::ResourceAnswer>> get_resource_metrics(provider::ResourceQuery) override {
    co_return make_error(Errc::NotFound, "none");
  }
  net::awaitable<Result<provider::CustomAnswer>> get_custom_metric_by_cluster(provider::MetricQuery) override {
    co_return answer_;  // items already carry their clusters
  }
  net::awaitable<Result<provider::ExternalAnswer>> get_external_metric_by_cluster(provider::ExternalQuery) override {
    co_return make_error(Errc::NotFound, "none");
  }

 private:
  provider::CustomAnswer answer_;
};

class FixedDirectory final : public members::ClusterDirectory {
 public:
  explicit FixedDirectory(members::MemberList m) : members_(std::make_shared<const members::MemberList>(std::move(m))) {}
  std::shared_ptr<const members::MemberList> snapshot() const override { return members_; }
  std::uint64_t generation() const override { return 1; }

 private:
  std::shared_ptr<const members::MemberList> members_;
};

json scale(int replicas) {
  return {{"metadata", {{"name", "web"}}}, {"spec", {{"replicas", replicas}}},
          {"status", {{"replicas", replicas}, {"selector", "app=web"}}}};
}

}  // namespace

int main(int argc, char** argv) {
  int fhpas = 10'000, member_count = 100, pods = 2, workers = 5, rounds = 2;
  CLI::App app{"FederatedHPA loop cost on one thread, in-memory API servers (docs/benchmarks.md)."};
  app.add_option("--fhpas", fhpas, "FederatedHPA objects")->check(CLI::Range(1, 1'000'000));
  app.add_option("--members", member_count, "member clusters")->check(CLI::Range(1, 10'000));
  app.add_option("--pods", pods, "pods of each workload per member")->check(CLI::Range(1, 1000));
  app.add_option("--workers", workers, "--concurrent-horizontal-pod-autoscaler-syncs")->check(CLI::Range(1, 1000));
  app.add_option("--rounds", rounds, "evaluations of every object (the first one also writes status/history)")
      ->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  log::init(log::Format::Text, -1);

  MemoryApi control_plane;
  std::vector<json> items;
  items.reserve(static_cast<std::size_t>(fhpas));
  const int total = member_count * pods;
  for (int i = 0; i < fhpas; ++i) {
    json o = {{"apiVersion", "autoscaling.karmada.io/v1alpha1"},
              {"kind", "FederatedHPA"},
              {"metadata", {{"name", "web"}, {"namespace", ns_of(i)}, {"uid", "u" + std::to_string(i)}, {"generation", 1},
                            {"resourceVersion", "1"}}},
              {"spec",
               {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}}},
                {"minReplicas", 1},
                {"maxReplicas", 100'000},
                {"metrics", json::array({{{"type", "Pods"},
                                          {"pods", {{"metric", {{"name", "http_requests"}}},
                                                    {"target", {{"type", "AverageValue"}, {"averageValue", "700m"}}}}}}})}}}};
    control_plane.put(MemoryApi::key(fhpa::federated_hpas().in(ns_of(i)), "web", ""), o);
    control_plane.put(MemoryApi::key(kube::resources::deployments().in(ns_of(i)), "web", "scale"), scale(total));
    items.push_back(std::move(o));
  }
  control_plane.set_fhpas(std::move(items));

  std::vector<json> member_pods;
  for (int p = 0; p < pods; ++p) {
    member_pods.push_back({{"metadata", {{"name", "web-" + std::to_string(p)}, {"labels", {{"app", "web"}}}}},
                           {"spec", {{"containers", json::array({{{"name", "app"}}})}}},
                           {"status", {{"phase", "Running"}, {"startTime", "2026-01-01T00:00:00Z"},
                                       {"conditions", json::array({{{"type", "Ready"}, {"status", "True"},
                                                                    {"lastTransitionTime", "2026-01-01T00:00:00Z"}}})}}}});
  }
  std::map<std::string, std::shared_ptr<MemoryApi>> member_apis;
  members::MemberList list;
  for (int m = 0; m < member_count; ++m) {
    auto api = std::make_shared<MemoryApi>();
    for (int i = 0; i < fhpas; ++i) {
      api->put(MemoryApi::key(kube::resources::deployments().in(ns_of(i)), "web", "scale"), scale(pods));
      api->put_pods(ns_of(i), member_pods);
    }
    members::MemberCluster mc;
    mc.name = "member" + std::to_string(m);
    mc.endpoint = "https://127.0.0.1:1";
    member_apis[mc.name] = api;
    list.push_back(mc);
  }
  FixedDirectory directory(list);
  fhpa::MemberKubeClients member_clients([&](const members::MemberCluster& m) -> Result<std::shared_ptr<kube::RestClient>> {
    return std::shared_ptr<kube::RestClient>(member_apis.at(m.name));
  });
  AtTargetMetrics metrics(member_count, pods);
  prometheus::Registry registry;
  SteadyClock clock;

  net::io_context ioc(1);
  fhpa::ControllerOptions options;
  options.workers = static_cast<unsigned>(workers);
  // A period far below one round's duration: every object is queued again as soon as it was evaluated,
  // so after the first round (which also writes status and history) the loop runs in steady state.
  options.sync_period = std::chrono::milliseconds(1);
  kube::WholeOwnership ownership("this replica", clock);
  fhpa::FederatedHpaController controller(ioc.get_executor(), control_plane, directory, member_clients, metrics,
                                          ownership, clock, registry, options);
  ownership.grant();
  controller.start();
  std::uint64_t target = 0;
  for (int round = 1; round <= rounds; ++round) {
    target += static_cast<std::uint64_t>(fhpas);
    const auto start = std::chrono::steady_clock::now();
    while (controller.evaluations() < target) ioc.run_one();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << json{{"round", round}, {"fhpas", fhpas}, {"members", member_count}, {"pods", pods},
                      {"workers", workers}, {"seconds", seconds}, {"evaluations_per_s", fhpas / seconds},
                      {"control_plane_writes", control_plane.writes()}}
                     .dump()
              << std::endl;
  }
  controller.stop();
  ioc.run_for(std::chrono::milliseconds(100));
  return 0;
}
