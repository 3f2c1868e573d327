#include "aggregation/federated_metrics_provider.hpp"

#include <catch2/catch.hpp>
#include "tests/support/catch_result.hpp"
#include <prometheus/registry.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "tests/fakes/fake_cluster_directory.hpp"
#include "tests/fakes/fake_member_client.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/run_coro.hpp"

using namespace fedmetrics;
using namespace std::chrono_literals;
using aggregation::FederatedMetricsProvider;
using aggregation::FederatedMetricsProviderOptions;
using provider::MetricQuery;
using test::run_coro;

namespace {

kubeapi::MetricValueList pods(std::vector<std::pair<std::string, std::string>> name_values) {
  kubeapi::MetricValueList list;
  for (const auto& [name, value] : name_values) {
    kubeapi::MetricValue v;
    v.described_object.kind = "Pod";
    v.described_object.namespace_ = "default";
    v.described_object.name = name;
    v.described_object.api_version = "/v1";
    v.metric_name = "http_requests";
    v.timestamp = "2026-08-21T03:12:09Z";
    v.value = *kubeapi::Quantity::parse(value);
    list.items.push_back(v);
  }
  return list;
}

MetricQuery pods_query(std::string metric = "http_requests") {
  MetricQuery q;
  q.resource = {"", "pods"};
  q.namespace_ = "default";
  q.metric_name = std::move(metric);
  q.label_selector = "app=web";
  return q;
}

double metric_value(prometheus::Registry& registry, const std::string& family,
                    const std::map<std::string, std::string>& labels = {}) {
  double total = 0;
  for (const auto& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      bool match = true;
      for (const auto& [k, v] : labels) {
        bool found = false;
        for (const auto& l : m.label) found = found || (l.name == k && l.value == v);
        match = match && found;
      }
      if (match) total += m.counter.value + m.gauge.value + static_cast<double>(m.histogram.sample_count);
    }
  }
  return total;
}

// Everything a provider needs, with fakes.
struct Rig {
  net::io_context ioc;
  test::ManualClock clock;
  prometheus::Registry registry;
  test::FakeClusterDirectory directory;
  test::FakeMemberClients fakes;
  members::MemberClientCache cache{fakes.factory()};
  std::unique_ptr<FederatedMetricsProvider> provider;

  explicit Rig(std::vector<std::string> names, FederatedMetricsProviderOptions options = {}) {
    members::MemberList list;
    for (const auto& n : names) {
      fakes.add(n);
      list.push_back(test::member_named(n));
    }
    directory.set(list);
    provider = std::make_unique<FederatedMetricsProvider>(ioc.get_executor(), directory, cache, clock, registry,
                                                          options);
  }
  std::shared_ptr<test::FakeMemberClient> member(const std::string& n) { return fakes.get(n); }
  Result<provider::CustomAnswer> custom(MetricQuery q) { return run_coro(ioc, provider->get_custom_metric(q)); }
};

}  // namespace

TEST_CASE("a partial failure answers with the others and one warning per failed member", "[unit][provider]") {
  Rig rig({"a", "b", "c"});
  rig.member("a")->script_custom("", pods({{"web-0", "1"}}));
  rig.member("b")->script_custom("", make_error(Errc::Unavailable, "member b: HTTP 503: prometheus is down"));
  rig.member("c")->script_custom("", make_error(Errc::NotFound, "member c: not found"));  // not a failure

  auto r = rig.custom(pods_query());
  REQUIRE(r);
  REQUIRE(r->list.items.size() == 1);
  CHECK(r->list.items[0].described_object.name == "web-0");
  CHECK(r->warnings == std::vector<std::string>{"member b: HTTP 503: prometheus is down"});
  CHECK(metric_value(rig.registry, "fedmetrics_aggregation_partial_answers_total") == 1);
  CHECK(metric_value(rig.registry, "fedmetrics_member_errors_total", {{"cluster", "b"}, {"code", "Unavailable"}}) == 1);
  CHECK(metric_value(rig.registry, "fedmetrics_member_requests_total", {{"cluster", "c"}, {"outcome", "not_found"}}) ==
        1);
  CHECK(metric_value(rig.registry, "fedmetrics_member_request_duration_seconds", {{"cluster", "a"}}) == 1);

  // Every member saw the same query, exactly once.
  for (const auto* n : {"a", "b", "c"}) {
    auto calls = rig.member(n)->custom_calls();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].resource == "pods");
    CHECK(calls[0].namespace_ == "default");
    CHECK(calls[0].name.empty());
    CHECK(calls[0].label_selector == "app=web");
  }
}

TEST_CASE("a partial answer names every member that did not contribute, NotFound included", "[unit][provider]") {
  Rig rig({"a", "b", "c"});
  rig.member("a")->script_custom("", pods({{"web-0", "1"}}));
  rig.member("b")->script_custom("", make_error(Errc::Unavailable, "member b: HTTP 503: prometheus is down"));
  rig.member("c")->script_custom("", make_error(Errc::NotFound, "member c: not found"));
  auto r = run_coro(rig.ioc, rig.provider->get_custom_metric_by_cluster(pods_query()));
  REQUIRE(r);
  CHECK(r->members == std::vector<std::string>{"a"});
  REQUIRE(r->failed.size() == 2);
  CHECK(r->failed[0] == provider::MemberFailure{"b", Errc::Unavailable, "member b: HTTP 503: prometheus is down"});
  CHECK(r->failed[1] == provider::MemberFailure{"c", Errc::NotFound, "member c: not found"});
}

TEST_CASE("the same object in several members is summed on the wire", "[unit][provider]") {
  Rig rig({"a", "b"});
  rig.member("a")->script_custom("", pods({{"web-0", "100m"}, {"web-1", "1"}}));
  rig.member("b")->script_custom("", pods({{"web-0", "250m"}}));
  auto r = rig.custom(pods_query());
  REQUIRE(r);
  CHECK(r->warnings.empty());
  REQUIRE(r->list.items.size() == 2);
  CHECK(r->list.items[0].described_object.name == "web-0");
  CHECK(r->list.items[0].value.to_string() == "350m");
  CHECK(r->list.items[1].described_object.name == "web-1");
}

TEST_CASE("members answering empty lists give 200 with no items", "[unit][provider]") {
  Rig rig({"a", "b"});
  rig.member("a")->script_custom("", kubeapi::MetricValueList{});
  rig.member("b")->script_custom("", make_error(Errc::NotFound, "member b: not found"));
  auto r = rig.custom(pods_query());
  REQUIRE(r);
  CHECK(r->list.items.empty());
  CHECK(r->warnings.empty());
}

TEST_CASE("when every member failed the error names each member", "[unit][provider]") {
  SECTION("mixed failures → Unavailable") {
    Rig rig({"a", "b", "c"});
    rig.member("a")->script_custom("", make_error(Errc::Unavailable, "member a: connection refused"));
    rig.member("b")->script_custom("", make_error(Errc::Timeout, "member b: no answer within 5000ms"));
    rig.member("c")->script_custom("", make_error(Errc::NotFound, "member c: not found"));
    auto r = rig.custom(pods_query());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Unavailable);
    CHECK_THAT(r.error().message, Catch::Contains("member a: connection refused") &&
                                      Catch::Contains("member b: no answer within 5000ms") &&
                                      Catch::Contains("1 member(s) answered NotFound"));
  }
  SECTION("only timeouts → Timeout") {
    Rig rig({"a", "b"}, FederatedMetricsProviderOptions{.member_timeout = 20ms});
    rig.member("a")->set_hang(true);
    rig.member("b")->set_hang(true);
    auto r = rig.custom(pods_query());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Timeout);
    CHECK_THAT(r.error().message, Catch::Contains("member a: no answer within 20ms") &&
                                      Catch::Contains("member b: no answer within 20ms"));
    CHECK(rig.provider->member_health()[0].consecutive_failures == 1);
  }
  SECTION("no members at all → Unavailable") {
    Rig rig({});
    auto r = rig.custom(pods_query());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Unavailable);
  }
}

TEST_CASE("NotFound only when every member said NotFound", "[unit][provider]") {
  Rig rig({"a", "b"});
  MetricQuery q = pods_query("unknown_metric");
  auto r = rig.custom(q);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::NotFound);
  CHECK(r.error().message == "the server could not find the metric unknown_metric for pods with selector app=web");
  q.name = "web-0";
  q.label_selector.clear();
  CHECK(rig.custom(q).error().message == "the server could not find the metric unknown_metric for pods web-0");
}

TEST_CASE("identical concurrent requests share one fan-out", "[unit][provider]") {
  Rig rig({"a", "b"});
  rig.member("a")->script_custom("", pods({{"web-0", "1"}}));
  rig.member("b")->script_custom("", pods({{"web-1", "2"}}));
  rig.member("a")->set_yields(4);
  rig.member("b")->set_yields(4);
  auto f1 = net::co_spawn(rig.ioc, rig.provider->get_custom_metric(pods_query()), net::use_future);
  auto f2 = net::co_spawn(rig.ioc, rig.provider->get_custom_metric(pods_query()), net::use_future);
  MetricQuery other = pods_query();
  other.label_selector = "app=api";
  auto f3 = net::co_spawn(rig.ioc, rig.provider->get_custom_metric(other), net::use_future);
  rig.ioc.run();
  auto r1 = f1.get();
  auto r2 = f2.get();
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->list == r2->list);
  CHECK(r1->list.items.size() == 2);
  REQUIRE(f3.get());
  CHECK(rig.member("a")->custom_calls().size() == 2);  // one for app=web (shared), one for app=api
  CHECK(rig.member("b")->custom_calls().size() == 2);
  CHECK(metric_value(rig.registry, "fedmetrics_aggregation_cache_requests_total", {{"result", "coalesced"}}) == 1);
  CHECK(metric_value(rig.registry, "fedmetrics_aggregation_fanouts_in_flight") == 0);
}

TEST_CASE("the optional result cache serves repeats until the TTL passes", "[unit][provider]") {
  SECTION("off by default") {
    Rig rig({"a"});
    rig.member("a")->script_custom("", pods({{"web-0", "1"}}));
    REQUIRE(rig.custom(pods_query()));
    REQUIRE(rig.custom(pods_query()));
    CHECK(rig.member("a")->custom_calls().size() == 2);
  }
  SECTION("on with a TTL, on the injected clock") {
    Rig rig({"a", "b"}, FederatedMetricsProviderOptions{.cache_ttl = 10s});
    rig.member("a")->script_custom("", pods({{"web-0", "1"}}));
    rig.member("b")->script_custom("", pods({{"web-1", "1"}}));
    REQUIRE(rig.custom(pods_query()));
    auto cached = rig.custom(pods_query());
    REQUIRE(cached);
    CHECK(cached->list.items.size() == 2);
    CHECK(rig.member("a")->custom_calls().size() == 1);
    CHECK(metric_value(rig.registry, "fedmetrics_aggregation_cache_requests_total", {{"result", "hit"}}) == 1);
    rig.clock.advance(10s);
    REQUIRE(rig.custom(pods_query()));
    CHECK(rig.member("a")->custom_calls().size() == 2);
  }
  SECTION("partial answers are not cached") {
    Rig rig({"a", "b"}, FederatedMetricsProviderOptions{.cache_ttl = 10s});
    rig.member("a")->script_custom("", pods({{"web-0", "1"}}));
    rig.member("b")->script_custom("", make_error(Errc::Unavailable, "member b: down"));
    REQUIRE(rig.custom(pods_query()));
    REQUIRE(rig.custom(pods_query()));
    CHECK(rig.member("a")->custom_calls().size() == 2);
  }
}

TEST_CASE("discovery is served from a background-refreshed union at zero member calls", "[unit][provider]") {
  Rig rig({"a", "b"});
  using members::DiscoveredMetric;
  rig.member("a")->script_discovery(std::vector<DiscoveredMetric>{{"", "pods", "http_requests", true},
                                                                  {"batch", "jobs", "queue", true}},
                                    std::vector<DiscoveredMetric>{{"", "", "queue_messages_ready", true}});
  rig.member("b")->script_discovery(std::vector<DiscoveredMetric>{{"", "pods", "http_requests", true},
                                                                  {"", "namespaces", "load", false}});
  CHECK(rig.provider->list_custom_metrics().empty());  // nothing known before the first refresh

  run_coro(rig.ioc, rig.provider->refresh_discovery());
  const auto expected = std::vector<provider::CustomMetricInfo>{
      {{"", "namespaces"}, "load", false}, {{"", "pods"}, "http_requests", true}, {{"batch", "jobs"}, "queue", true}};
  CHECK(rig.provider->list_custom_metrics() == expected);
  CHECK(rig.provider->list_external_metrics() == std::vector<provider::ExternalMetricInfo>{{"queue_messages_ready"}});
  const int calls = rig.member("a")->discovery_calls();
  for (int i = 0; i < 5; ++i) (void)rig.provider->list_custom_metrics();
  CHECK(rig.member("a")->discovery_calls() == calls);

  SECTION("a member failing discovery keeps its previous entries") {
    rig.member("b")->script_discovery(make_error(Errc::Unavailable, "member b: down"));
    run_coro(rig.ioc, rig.provider->refresh_discovery());
    CHECK(rig.provider->list_custom_metrics() == expected);
  }
  SECTION("a removed member's entries are dropped; clients of unchanged members are reused") {
    const auto builds = rig.cache.builds();
    rig.directory.set({test::member_named("a")});
    run_coro(rig.ioc, rig.provider->refresh_discovery());
    CHECK(rig.provider->list_custom_metrics() ==
          std::vector<provider::CustomMetricInfo>{{{"", "pods"}, "http_requests", true},
                                                  {{"batch", "jobs"}, "queue", true}});
    CHECK(rig.cache.builds() == builds);
    CHECK(rig.provider->member_health().size() == 1);
  }
}

TEST_CASE("member health records the last success and error", "[unit][provider]") {
  Rig rig({"a", "b"});
  rig.member("a")->script_custom("", pods({{"web-0", "1"}}));
  rig.member("b")->script_custom("", make_error(Errc::Unavailable, "member b: down"));
  const auto t0 = rig.clock.system_now();
  REQUIRE(rig.custom(pods_query()));
  auto health = rig.provider->member_health();
  REQUIRE(health.size() == 2);
  CHECK(health[0].cluster == "a");
  CHECK(health[0].healthy());
  CHECK(health[0].last_success == t0);
  CHECK(health[1].cluster == "b");
  CHECK_FALSE(health[1].healthy());
  CHECK(health[1].last_error == "member b: down");
  CHECK(health[1].last_error_time == t0);

  rig.clock.advance(30s);
  rig.member("b")->script_custom("", pods({{"web-1", "1"}}));
  REQUIRE(rig.custom(pods_query()));
  health = rig.provider->member_health();
  CHECK(health[1].healthy());
  CHECK(health[1].last_success == t0 + 30s);
  CHECK(health[1].last_error == "member b: down");  // kept for display
}

TEST_CASE("external metrics fan out and merge the same way", "[unit][provider]") {
  Rig rig({"a", "b"});
  kubeapi::ExternalMetricValue v;
  v.metric_name = "queue_messages_ready";
  v.metric_labels = {{"queue", "q"}};
  v.timestamp = "2026-08-21T03:12:09Z";
  v.value = *kubeapi::Quantity::parse("12");
  rig.member("a")->script_external("", kubeapi::ExternalMetricValueList{{v}});
  v.value = *kubeapi::Quantity::parse("30");
  rig.member("b")->script_external("", kubeapi::ExternalMetricValueList{{v}});
  auto r = run_coro(rig.ioc, rig.provider->get_external_metric({"default", "queue_messages_ready", "queue=q"}));
  REQUIRE(r);
  REQUIRE(r->list.items.size() == 1);
  CHECK(r->list.items[0].value.to_string() == "42");
  REQUIRE(rig.member("a")->external_calls().size() == 1);
  CHECK(rig.member("a")->external_calls()[0].label_selector == "queue=q");
}

// ---- resource metrics (metrics.k8s.io): the same fan-out, cache and status rule, their own merge ----

namespace {

kubeapi::ResourceMetricsList pod_metrics(std::vector<std::string> names) {
  kubeapi::ResourceMetricsList list{kubeapi::ResourceMetricsKind::Pods, {}};
  for (const auto& n : names) {
    kubeapi::ResourceMetrics m;
    m.metadata.name = n;
    m.metadata.namespace_ = "default";
    m.window_ns = 30'000'000'000;
    m.containers = {{"app", {{"cpu", kubeapi::Quantity::from_milli(100)}}}};
    list.items.push_back(m);
  }
  return list;
}

Result<provider::ResourceAnswer> resource(Rig& rig, provider::ResourceQuery q) {
  return run_coro(rig.ioc, rig.provider->get_resource_metrics(q));
}

provider::ResourceQuery pods_in_default(std::string name = "") {
  provider::ResourceQuery q;
  q.kind = kubeapi::ResourceMetricsKind::Pods;
  q.namespace_ = "default";
  q.name = std::move(name);
  q.label_selector = "app=web";
  q.field_selector = "metadata.name!=x";
  return q;
}

}  // namespace

TEST_CASE("a pods list is the union of the members' PodMetrics, each tagged with its cluster", "[unit][provider]") {
  Rig rig({"member1", "member2"});
  rig.member("member1")->script_resource(kubeapi::ResourceMetricsKind::Pods, pod_metrics({"web-a", "web-b"}));
  rig.member("member2")->script_resource(kubeapi::ResourceMetricsKind::Pods, pod_metrics({"web-c"}));

  auto r = resource(rig, pods_in_default());
  REQUIRE(r);
  REQUIRE(r->list.items.size() == 3);
  CHECK(r->list.items[2].metadata.name == "web-c");
  CHECK(r->list.items[2].cluster == "member2");
  CHECK(r->list.items[2].metadata.annotations.at("resource.karmada.io/query-from-cluster") == "member2");
  CHECK(r->warnings.empty());
  CHECK(r->members == std::vector<std::string>{"member1", "member2"});
  // every member got the request as asked: namespace, selectors, list
  const auto calls = rig.member("member1")->resource_calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0] == members::ResourceMetricsRequest{kubeapi::ResourceMetricsKind::Pods, "default", "", "app=web",
                                                    "metadata.name!=x"});
}

TEST_CASE("a pod found by name in two clusters is a 409 naming them, in none a 404", "[unit][provider]") {
  Rig rig({"member1", "member2", "member3"});
  rig.member("member1")->script_resource(kubeapi::ResourceMetricsKind::Pods, pod_metrics({"web-0"}));
  rig.member("member2")->script_resource(kubeapi::ResourceMetricsKind::Pods, pod_metrics({"web-0"}));
  // member3 has no such pod: its metrics API answers 404 (the fake's default)

  auto twin = resource(rig, pods_in_default("web-0"));
  REQUIRE_FALSE(twin);
  CHECK(twin.error().code == Errc::Conflict);
  CHECK_THAT(twin.error().message, Catch::Contains("web-0") && Catch::Contains("member1, member2"));

  Rig none({"member1", "member2"});
  auto missing = resource(none, pods_in_default("ghost"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::NotFound);
  CHECK(missing.error().message == "podmetrics.metrics.k8s.io \"default/ghost\" not found");

  Rig one({"member1", "member2"});
  one.member("member2")->script_resource(kubeapi::ResourceMetricsKind::Pods, pod_metrics({"web-0"}));
  auto found = resource(one, pods_in_default("web-0"));
  REQUIRE(found);
  REQUIRE(found->list.items.size() == 1);
  CHECK(found->list.items[0].cluster == "member2");
}

TEST_CASE("resource metrics follow the partial-answer rules of custom metrics", "[unit][provider]") {
  Rig rig({"member1", "member2"});
  rig.member("member1")->script_resource(kubeapi::ResourceMetricsKind::Nodes,
                                         kubeapi::ResourceMetricsList{kubeapi::ResourceMetricsKind::Nodes, {}});
  rig.member("member2")->script_resource(kubeapi::ResourceMetricsKind::Nodes,
                                         make_error(Errc::Unavailable, "member member2: HTTP 503: metrics-server down"));
  provider::ResourceQuery nodes;
  nodes.kind = kubeapi::ResourceMetricsKind::Nodes;
  auto partial = resource(rig, nodes);
  REQUIRE(partial);
  CHECK(partial->list.items.empty());
  CHECK(partial->warnings == std::vector<std::string>{"member member2: HTTP 503: metrics-server down"});

  rig.member("member1")->script_resource(kubeapi::ResourceMetricsKind::Nodes,
                                         make_error(Errc::Timeout, "member member1: no answer within 5000ms"));
  auto none = resource(rig, nodes);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::Unavailable);
  CHECK_THAT(none.error().message, Catch::Contains("member1") && Catch::Contains("member2"));
}

TEST_CASE("resource reads share the result cache and the in-flight fan-outs", "[unit][provider]") {
  FederatedMetricsProviderOptions options;
  options.cache_ttl = 5s;
  Rig rig({"member1"}, options);
  rig.member("member1")->script_resource(kubeapi::ResourceMetricsKind::Pods, pod_metrics({"web-0"}));
  REQUIRE(resource(rig, pods_in_default()));
  REQUIRE(resource(rig, pods_in_default()));
  CHECK(rig.member("member1")->resource_calls().size() == 1);
  // another kind or namespace is another answer
  auto q = pods_in_default();
  q.namespace_ = "other";
  REQUIRE(resource(rig, q));
  CHECK(rig.member("member1")->resource_calls().size() == 2);
  CHECK(metric_value(rig.registry, "fedmetrics_aggregation_cache_requests_total", {{"result", "hit"}}) == 1);
}
