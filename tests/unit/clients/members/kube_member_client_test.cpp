#include "clients/members/kube_member_client.hpp"

#include <catch2/catch.hpp>
#include "tests/support/catch_result.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "clients/members/member_client_cache.hpp"
#include "clients/transport/https_client.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/run_coro.hpp"
#include "tests/unit/clients/transport/fake_member_process.hpp"

using namespace fedmetrics;
using namespace std::chrono_literals;
using kubeapi::CustomMetricsVersion;
using members::CustomMetricsRequest;
using test::FakeMemberProcess;
using test::run_coro;

namespace {

// One io_context for the test process: pooled sockets belong to it, so it must outlive every client.
net::io_context& ioc() {
  static net::io_context context;
  return context;
}

members::Deadline in(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() + d; }

const char* kFixtures = R"({
 "versions": ["v1beta2", "v1beta1"],
 "routes": {
  "/apis/custom.metrics.k8s.io/v1beta2": {"body": {"kind": "APIResourceList", "apiVersion": "v1",
     "groupVersion": "custom.metrics.k8s.io/v1beta2", "resources": [
       {"name": "pods/http_requests", "singularName": "", "namespaced": true, "kind": "MetricValueList", "verbs": ["get"]},
       {"name": "namespaces/queue_length", "singularName": "", "namespaced": false, "kind": "MetricValueList", "verbs": ["get"]},
       {"name": "jobs.batch/http_requests", "singularName": "", "namespaced": true, "kind": "MetricValueList", "verbs": ["get"]}]}},
  "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests?labelSelector=app%3Dweb": {"body":
     {"kind": "MetricValueList", "apiVersion": "custom.metrics.k8s.io/v1beta2", "metadata": {}, "items": [
       {"describedObject": {"kind": "Pod", "namespace": "default", "name": "web-0", "apiVersion": "/v1"},
        "metric": {"name": "http_requests", "selector": null}, "timestamp": "2026-08-21T03:12:09Z", "value": "66m"}]}},
  "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/garbage": {"body": "{\"kind\": \"MetricValueList\", \"items\": [{]"},
  "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/broken": {"status": 503, "body":
     {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "prometheus is down", "code": 503}},
  "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb": {"body":
     {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": [
       {"metadata": {"name": "web-0", "namespace": "default", "creationTimestamp": "2026-08-21T03:12:10Z"},
        "timestamp": "2026-08-21T03:12:09Z", "window": "30s",
        "containers": [{"name": "app", "usage": {"cpu": "250m", "memory": "20Mi"}}]}]}},
  "/apis/metrics.k8s.io/v1beta1/nodes/kwok-node-0": {"body":
     {"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
      "metadata": {"name": "kwok-node-0", "creationTimestamp": "2026-08-21T03:12:10Z"},
      "timestamp": "2026-08-21T03:12:09Z", "window": "30s", "usage": {"cpu": "1500m", "memory": "3Gi"}}},
  "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages_ready": {"body":
     {"kind": "ExternalMetricValueList", "apiVersion": "external.metrics.k8s.io/v1beta1", "metadata": {}, "items": [
       {"metricName": "queue_messages_ready", "metricLabels": {"queue": "q"}, "timestamp": "2026-08-21T03:12:09Z", "value": "12"}]}}
 }})";

members::MemberCluster member_for(const FakeMemberProcess& fake, members::MemberMode mode = members::MemberMode::ApiServer) {
  members::MemberCluster m;
  m.name = "member1";
  m.endpoint = fake.url();
  m.ca_file = fake.cert_file();
  m.mode = mode;
  return m;
}

// The request paths fake_member.py recorded, through its control endpoint.
std::vector<std::string> recorded_paths(const FakeMemberProcess& fake) {
  transport::HttpsClientOptions o;
  REQUIRE(transport::parse_endpoint_url(fake.url(), o));
  o.ca.file = fake.cert_file();
  transport::HttpsClient control(o);
  auto r = run_coro(ioc(), control.get("/_fake/requests", {}, 5s));
  REQUIRE(r);
  std::vector<std::string> paths;
  std::size_t pos = 0;
  while ((pos = r->body.find("\"path\": \"", pos)) != std::string::npos) {
    pos += 9;
    paths.push_back(r->body.substr(pos, r->body.find('"', pos) - pos));
  }
  return paths;
}

CustomMetricsRequest pods_request(std::string metric) {
  CustomMetricsRequest r;
  r.resource = "pods";
  r.namespace_ = "default";
  r.metric = std::move(metric);
  r.label_selector = "app=web";
  return r;
}

}  // namespace

TEST_CASE("custom metrics paths follow the route shapes with Go escaping", "[unit][members]") {
  CustomMetricsRequest r;
  r.resource = "pods";
  r.namespace_ = "default";
  r.metric = "http_requests";
  r.label_selector = "app=web,tier!=db";
  CHECK(members::custom_metrics_path(r, CustomMetricsVersion::V1Beta2) ==
        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests"
        "?labelSelector=app%3Dweb%2Ctier%21%3Ddb");
  r.name = "web-0";
  r.label_selector.clear();
  r.metric_label_selector = "verb=GET";
  CHECK(members::custom_metrics_path(r, CustomMetricsVersion::V1Beta1) ==
        "/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/web-0/http_requests?metricLabelSelector=verb%3DGET");

  CustomMetricsRequest cluster_scoped;
  cluster_scoped.group = "apps";
  cluster_scoped.resource = "deployments";
  cluster_scoped.namespace_ = "prod";
  cluster_scoped.name = "web";
  cluster_scoped.metric = "rps";
  CHECK(members::custom_metrics_path(cluster_scoped, CustomMetricsVersion::V1Beta2) ==
        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/prod/deployments.apps/web/rps");

  CustomMetricsRequest ns;
  ns.resource = "namespaces";
  ns.name = "prod";
  ns.metric = "queue_length";
  CHECK(members::custom_metrics_path(ns, CustomMetricsVersion::V1Beta2) ==
        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/prod/metrics/queue_length");

  members::ExternalMetricsRequest e{"default", "queue_messages_ready", "queue=worker tasks"};
  CHECK(members::external_metrics_path(e) ==
        "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages_ready?labelSelector=queue%3Dworker+tasks");
}

TEST_CASE("resource metrics paths are metrics-server's REST routes", "[unit][members]") {
  using members::ResourceMetricsRequest;
  using Kind = kubeapi::ResourceMetricsKind;
  CHECK(members::resource_metrics_path(ResourceMetricsRequest{Kind::Pods, "default", "", "app=web", ""}) ==
        "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb");
  CHECK(members::resource_metrics_path(ResourceMetricsRequest{Kind::Pods, "", "", "", "metadata.namespace!=kube-system"}) ==
        "/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%21%3Dkube-system");
  CHECK(members::resource_metrics_path(ResourceMetricsRequest{Kind::Pods, "default", "web-0", "", ""}) ==
        "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-0");
  CHECK(members::resource_metrics_path(ResourceMetricsRequest{Kind::Nodes, "", "", "type=kwok", "metadata.name=a"}) ==
        "/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=type%3Dkwok&fieldSelector=metadata.name%3Da");
  CHECK(members::resource_metrics_path(ResourceMetricsRequest{Kind::Nodes, "", "kwok-node-0", "", ""}) ==
        "/apis/metrics.k8s.io/v1beta1/nodes/kwok-node-0");
}

TEST_CASE("discovery documents split group-resource and metric", "[unit][members]") {
  auto r = members::decode_discovery(
      R"({"kind":"APIResourceList","resources":[{"name":"pods/a","namespaced":true},
          {"name":"jobs.batch/b","namespaced":true},{"name":"nodes/c","namespaced":false},{"name":"plain"}]})",
      false);
  REQUIRE(r);
  REQUIRE(r->size() == 3);
  CHECK((*r)[0] == members::DiscoveredMetric{"", "pods", "a", true});
  CHECK((*r)[1] == members::DiscoveredMetric{"batch", "jobs", "b", true});
  CHECK((*r)[2] == members::DiscoveredMetric{"", "nodes", "c", false});
  CHECK(members::decode_discovery(R"({"kind":"APIResourceList","resources":null})", false)->empty());
  CHECK(members::decode_discovery("nope", false).error().code == Errc::ProtocolError);
  CHECK(members::decode_discovery(R"({"kind":"Status"})", true).error().code == Errc::ProtocolError);
}

TEST_CASE("the client cache reuses clients of unchanged members", "[unit][members]") {
  int built = 0;
  members::MemberClientCache cache([&built](const members::MemberCluster& m) -> std::shared_ptr<members::MemberClient> {
    ++built;
    if (m.endpoint == "bad") throw std::runtime_error("unreadable CA");
    return nullptr;  // the cache does not look inside
  });
  members::MemberCluster a;
  a.name = "a";
  a.endpoint = "https://a";
  members::MemberCluster b;
  b.name = "b";
  b.endpoint = "https://b";
  auto first = cache.clients_for({a, b});
  CHECK(built == 2);
  cache.clients_for({a, b});
  CHECK(built == 2);
  b.token = "rotated";
  cache.clients_for({a, b});
  CHECK(built == 3);
  members::MemberCluster c;
  c.name = "c";
  c.endpoint = "bad";
  auto handles = cache.clients_for({a, c});
  CHECK(built == 4);
  REQUIRE(handles.size() == 2);
  CHECK_FALSE(handles[0].error);
  REQUIRE(handles[1].error);
  CHECK(handles[1].error->code == Errc::Unavailable);
  CHECK(handles[1].error->message == "member c: unreadable CA");
  cache.clients_for({a, b});  // b was forgotten when it left the set
  CHECK(built == 5);
}

TEST_CASE("loopback: one HTTP call per metrics request after a cached version discovery", "[unit][members][loopback]") {
  FakeMemberProcess fake({}, kFixtures);
  test::ManualClock clock;
  members::KubeMemberClient client(member_for(fake), clock, {.version_ttl = 10min});

  auto r1 = run_coro(ioc(), client.get_custom_metrics(pods_request("http_requests"), in(5s)));
  REQUIRE(r1);
  REQUIRE(r1->items.size() == 1);
  CHECK(r1->items[0].described_object.name == "web-0");
  CHECK(r1->items[0].value.to_string() == "66m");
  CHECK(r1->items[0].cluster == "member1");
  auto r2 = run_coro(ioc(), client.get_custom_metrics(pods_request("http_requests"), in(5s)));
  REQUIRE(r2);

  const std::string metric_path =
      "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests?labelSelector=app%3Dweb";
  CHECK(recorded_paths(fake) == std::vector<std::string>{"/apis/custom.metrics.k8s.io", metric_path, metric_path});

  clock.advance(11min);  // the version TTL expired: discover once more
  REQUIRE(run_coro(ioc(), client.get_custom_metrics(pods_request("http_requests"), in(5s))));
  auto paths = recorded_paths(fake);
  REQUIRE(paths.size() == 5);
  CHECK(paths[3] == "/apis/custom.metrics.k8s.io");
}

TEST_CASE("loopback: resource metrics lists and gets decode, stamped with the member", "[unit][members][loopback]") {
  FakeMemberProcess fake({}, kFixtures);
  test::ManualClock clock;
  members::KubeMemberClient client(member_for(fake), clock);
  using Kind = kubeapi::ResourceMetricsKind;

  auto pods = run_coro(ioc(), client.get_resource_metrics({Kind::Pods, "default", "", "app=web", ""}, in(5s)));
  REQUIRE(pods);
  REQUIRE(pods->items.size() == 1);
  CHECK(pods->items[0].containers.at(0).usage.at("cpu").to_string() == "250m");
  CHECK(pods->items[0].cluster == "member1");

  auto node = run_coro(ioc(), client.get_resource_metrics({Kind::Nodes, "", "kwok-node-0", "", ""}, in(5s)));
  REQUIRE(node);
  REQUIRE(node->items.size() == 1);  // a get answers a one-item list
  CHECK(node->kind == Kind::Nodes);
  CHECK(node->items[0].usage.at("memory").to_string() == "3Gi");

  auto missing = run_coro(ioc(), client.get_resource_metrics({Kind::Nodes, "", "nope", "", ""}, in(5s)));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::NotFound);
  CHECK(missing.error().message.rfind("member member1: ", 0) == 0);
  // no version discovery for metrics.k8s.io: one call each
  CHECK(recorded_paths(fake).size() == 3);
}

TEST_CASE("loopback: member answers map to Errc with the member name", "[unit][members][loopback]") {
  FakeMemberProcess fake({}, kFixtures);
  test::ManualClock clock;
  members::KubeMemberClient client(member_for(fake), clock);
  SECTION("404 → NotFound") {
    auto r = run_coro(ioc(), client.get_custom_metrics(pods_request("unknown"), in(5s)));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::NotFound);
    CHECK_THAT(r.error().message, Catch::StartsWith("member member1: "));
  }
  SECTION("503 → Unavailable with the Status message") {
    auto r = run_coro(ioc(), client.get_custom_metrics(pods_request("broken"), in(5s)));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Unavailable);
    CHECK_THAT(r.error().message, Catch::StartsWith("member member1: ") && Catch::Contains("prometheus is down"));
  }
  SECTION("undecodable body → ProtocolError") {
    auto r = run_coro(ioc(), client.get_custom_metrics(pods_request("garbage"), in(5s)));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::ProtocolError);
    CHECK_THAT(r.error().message, Catch::StartsWith("member member1: "));
  }
  SECTION("external metrics") {
    auto r = run_coro(ioc(), client.get_external_metrics({"default", "queue_messages_ready", ""}, in(5s)));
    REQUIRE(r);
    REQUIRE(r->items.size() == 1);
    CHECK(r->items[0].metric_labels.at("queue") == "q");
  }
  SECTION("discovery") {
    auto r = run_coro(ioc(), client.list_custom_metrics(in(5s)));
    REQUIRE(r);
    CHECK(r->size() == 3);
    CHECK((*r)[1] == members::DiscoveredMetric{"", "namespaces", "queue_length", false});
  }
}

TEST_CASE("loopback: a member's error text reaches the error only as a short printable excerpt",
          "[unit][members][loopback]") {
  // Issue #12 item 3: a member answering 500 with control bytes (or megabytes) put them, whole, into the
  // Warning header of our 200 answer, which Go clients could no longer parse.
  const std::string huge(100'000, 'x');
  const std::string fixtures = R"({"routes": {
    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/status_ctl": {"status": 500, "body":
       {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 500,
        "message": "boom\r\nX-Evil: 1\u0000\u0001\u001b[31m caf\u00e9 )" + huge + R"("}},
    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/raw_ctl": {"status": 500,
       "body": "raw\r\n\u0007\u007f )" + huge + R"("},
    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/bad_kind": {"status": 200,
       "body": {"kind": "\u0001)" + huge + R"(", "items": []}}
  }})";
  FakeMemberProcess fake({}, fixtures);
  test::ManualClock clock;
  members::KubeMemberClient client(member_for(fake), clock);
  const auto [metric, needle] = GENERATE(table<std::string, std::string>({
      {"status_ctl", "HTTP 500: boom  X-Evil: 1??" "?[31m caf? xxx"},
      {"raw_ctl", "HTTP 500: raw  ?? xxx"},
      {"bad_kind", "kind is \"?xxx"},
  }));
  CAPTURE(metric);
  auto r = run_coro(ioc(), client.get_custom_metrics(pods_request(metric), in(5s)));
  REQUIRE_FALSE(r);
  const auto& message = r.error().message;
  CHECK_THAT(message, Catch::StartsWith("member member1: ") && Catch::Contains(needle));
  CHECK(message.size() <= 600);
  for (const char c : message) {
    INFO("byte " << static_cast<int>(static_cast<unsigned char>(c)));
    CHECK((c >= 0x20 && c < 0x7f));
  }
}

TEST_CASE("loopback: adapter mode probes the v1beta2 resource list", "[unit][members][loopback]") {
  FakeMemberProcess fake({}, kFixtures);
  test::ManualClock clock;
  members::KubeMemberClient client(member_for(fake, members::MemberMode::Adapter), clock);
  REQUIRE(run_coro(ioc(), client.get_custom_metrics(pods_request("http_requests"), in(5s))));
  auto paths = recorded_paths(fake);
  REQUIRE(paths.size() == 2);
  CHECK(paths[0] == "/apis/custom.metrics.k8s.io/v1beta2");
}

TEST_CASE("loopback: a member that does not answer in time is a Timeout naming it", "[unit][members][loopback]") {
  FakeMemberProcess fake({"--hang"}, kFixtures);
  test::ManualClock clock;
  members::KubeMemberClient client(member_for(fake), clock);
  auto r = run_coro(ioc(), client.get_custom_metrics(pods_request("http_requests"), in(300ms)));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Timeout);
  CHECK_THAT(r.error().message, Catch::StartsWith("member member1: "));
}
