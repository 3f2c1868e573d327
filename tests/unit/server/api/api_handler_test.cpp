// ApiHandler details the route table does not show: the query the provider receives, body shapes per
// version, headers, metrics, health failures and the OpenAPI documents served.
#include <catch2/catch.hpp>

#include <set>

#include "tests/unit/server/api/api_fixture.hpp"

namespace fedmetrics::api {
namespace {

using testing::ApiFixture;
using testing::check_status_response;
using testing::parse_json;
using Json = nlohmann::json;

constexpr const char* kC1 = "/apis/custom.metrics.k8s.io/v1beta1";
constexpr const char* kC2 = "/apis/custom.metrics.k8s.io/v1beta2";
constexpr const char* kE1 = "/apis/external.metrics.k8s.io/v1beta1";

std::string s(const char* prefix, const std::string& rest) { return std::string(prefix) + rest; }

/// The one custom query the provider received for `target`.
provider::MetricQuery received_for(const std::string& target) {
  ApiFixture f;
  const auto r = f.get(target);
  INFO(target << " -> " << r.status << " " << r.body);
  CHECK(r.status == 200);
  const auto calls = f.provider.custom_calls();
  REQUIRE(calls.size() == 1);
  CHECK(f.provider.external_calls().empty());
  return calls[0];
}

void collect_refs(const Json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "$ref" && it.value().is_string()) out.push_back(it.value().get<std::string>());
      collect_refs(it.value(), out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_refs(v, out);
  }
}

}  // namespace

// ---- the query the provider receives ------------------------------------------------------------

TEST_CASE("a namespaced * read passes the canonical labelSelector and an empty name", "[unit][api]") {
  const auto q = received_for(s(kC2, "/namespaces/default/pods/*/http_requests?labelSelector=tier+in+%28b%2Ca%29%2Capp%3Dweb"));
  provider::MetricQuery expected;
  expected.version = kubeapi::CustomMetricsVersion::V1Beta2;
  expected.resource = {"", "pods"};
  expected.namespace_ = "default";
  expected.name = "";
  expected.metric_name = "http_requests";
  expected.label_selector = "app=web,tier in (a,b)";
  expected.metric_label_selector = "";
  CHECK(q == expected);
}

TEST_CASE("%2A and * name the same query", "[unit][api]") {
  const auto star = received_for(s(kC2, "/namespaces/default/pods/*/http_requests?labelSelector=app%3Dweb"));
  const auto encoded = received_for(s(kC2, "/namespaces/default/pods/%2A/http_requests?labelSelector=app%3Dweb"));
  CHECK(star == encoded);
  CHECK(encoded.name.empty());
  CHECK(encoded.label_selector == "app=web");
}

TEST_CASE("the selector forms clients send arrive canonical", "[unit][api]") {
  const auto [query, canonical] = GENERATE(table<std::string, std::string>({
      {"a%3Db", "a=b"},
      {"a%3D%3Db", "a==b"},
      {"a%21%3Db", "a!=b"},
      {"a+in+%28y%2Cx%29", "a in (x,y)"},
      {"a+notin+%28x%29", "a notin (x)"},
      {"a", "a"},
      {"%21a", "!a"},
      {"a%3D", "a="},
      {"b%3D1%2Ca%3D2", "a=2,b=1"},
      {"", ""},
  }));
  CAPTURE(query);
  const auto q = received_for(s(kC2, "/namespaces/default/pods/*/http_requests?labelSelector=" + query));
  CHECK(q.label_selector == canonical);
}

TEST_CASE("a named object read passes the name and namespace", "[unit][api]") {
  const auto q = received_for(s(kC2, "/namespaces/kube-system/pods/coredns-1/http_requests"));
  CHECK(q.namespace_ == "kube-system");
  CHECK(q.name == "coredns-1");
  CHECK(q.resource == provider::GroupResource{"", "pods"});
  CHECK(q.label_selector.empty());
}

TEST_CASE("group-qualified resources split at the first dot", "[unit][api]") {
  const auto [resource, group, plural] = GENERATE(table<std::string, std::string, std::string>({
      {"pods", "", "pods"},
      {"deployments.apps", "apps", "deployments"},
      {"ingresses.networking.k8s.io", "networking.k8s.io", "ingresses"},
  }));
  const auto q = received_for(s(kC2, "/namespaces/default/" + resource + "/x/m"));
  CHECK(q.resource == provider::GroupResource{group, plural});
}

TEST_CASE("a cluster-scoped read has no namespace", "[unit][api]") {
  const auto all = received_for(s(kC2, "/nodes/*/cpu_load?labelSelector=role%3Dworker"));
  CHECK(all.resource == provider::GroupResource{"", "nodes"});
  CHECK(all.namespace_.empty());
  CHECK(all.name.empty());
  CHECK(all.label_selector == "role=worker");
  const auto one = received_for(s(kC2, "/nodes/node-1/cpu_load"));
  CHECK(one.namespace_.empty());
  CHECK(one.name == "node-1");
}

TEST_CASE("namespaces/{ns}/metrics/{m} reads the Namespace object {ns}", "[unit][api]") {
  const auto q = received_for(s(kC1, "/namespaces/team-a/metrics/queue_length?metricLabelSelector=queue%3Dmail"));
  CHECK(q.version == kubeapi::CustomMetricsVersion::V1Beta1);
  CHECK(q.resource == provider::GroupResource{"", "namespaces"});
  CHECK(q.name == "team-a");
  CHECK(q.namespace_.empty());
  CHECK(q.metric_name == "queue_length");
  CHECK(q.metric_label_selector == "queue=mail");
}

TEST_CASE("metricLabelSelector arrives canonical and separate from labelSelector", "[unit][api]") {
  const auto q = received_for(
      s(kC2, "/namespaces/default/pods/*/http_requests?labelSelector=app%3Dweb&metricLabelSelector=verb+in+%28POST%2CGET%29"));
  CHECK(q.label_selector == "app=web");
  CHECK(q.metric_label_selector == "verb in (GET,POST)");
}

TEST_CASE("the URL version is the query version", "[unit][api]") {
  CHECK(received_for(s(kC1, "/nodes/*/cpu_load")).version == kubeapi::CustomMetricsVersion::V1Beta1);
  CHECK(received_for(s(kC2, "/nodes/*/cpu_load")).version == kubeapi::CustomMetricsVersion::V1Beta2);
}

TEST_CASE("an external read passes namespace, metric and the canonical metric selector", "[unit][api]") {
  ApiFixture f;
  const auto r = f.get(s(kE1, "/namespaces/default/queue_depth?labelSelector=queue+in+%28mail%2Cworker_tasks%29"));
  CHECK(r.status == 200);
  const auto calls = f.provider.external_calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0] == provider::ExternalQuery{"default", "queue_depth", "queue in (mail,worker_tasks)"});
  CHECK(f.provider.custom_calls().empty());
}

TEST_CASE("invalid input never reaches the provider", "[unit][api]") {
  ApiFixture f;
  const auto [target, fragment] = GENERATE(table<std::string, std::string>({
      {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?labelSelector=app%3D%3D%3Dweb",
       "invalid labelSelector"},
      {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?metricLabelSelector=%3D",
       "invalid metricLabelSelector"},
      {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/Bad_NS/pods/x/m", "invalid namespace \"Bad_NS\""},
      {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/../m", "dot segments are not allowed"},
      {"/apis/custom.metrics.k8s.io/v1beta1/namespaces/Bad_NS/metrics/m", "invalid namespace \"Bad_NS\""},
      {"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/q?labelSelector=a+in+b", "invalid labelSelector"},
  }));
  CAPTURE(target);
  const auto r = f.get(target);
  check_status_response(r, 400);
  CHECK(parse_json(r.body)["message"].get<std::string>().find(fragment) != std::string::npos);
  CHECK(f.provider.call_count() == 0);
}

// ---- body shapes --------------------------------------------------------------------------------

TEST_CASE("v1beta2 lists carry metric.name, metric.selector null and windowSeconds", "[unit][api]") {
  ApiFixture f;
  const auto r = f.get(s(kC2, "/namespaces/default/pods/pod-1/http_requests"));
  REQUIRE(r.status == 200);
  const auto j = parse_json(r.body);
  CHECK(j["kind"] == "MetricValueList");
  CHECK(j["apiVersion"] == "custom.metrics.k8s.io/v1beta2");
  CHECK(j["metadata"] == Json::object());
  REQUIRE(j["items"].size() == 1);
  const auto& item = j["items"][0];
  CHECK(item["describedObject"] == Json{{"kind", "Pod"}, {"namespace", "default"}, {"name", "pod-1"}, {"apiVersion", "/v1"}});
  CHECK(item["metric"]["name"] == "http_requests");
  CHECK(item["metric"].contains("selector"));
  CHECK(item["metric"]["selector"].is_null());
  CHECK(item["timestamp"] == "2026-08-21T03:12:09Z");
  CHECK(item["windowSeconds"] == 60);
  CHECK(item["value"] == "66m");
  CHECK_FALSE(item.contains("metricName"));
  CHECK_FALSE(item.contains("window"));
  CHECK_FALSE(item.contains("kind"));
  CHECK_FALSE(item.contains("cluster"));
}

TEST_CASE("v1beta1 lists carry metricName, top-level selector null and window", "[unit][api]") {
  ApiFixture f;
  const auto r = f.get(s(kC1, "/namespaces/default/pods/*/http_requests"));
  REQUIRE(r.status == 200);
  const auto j = parse_json(r.body);
  CHECK(j["kind"] == "MetricValueList");
  CHECK(j["apiVersion"] == "custom.metrics.k8s.io/v1beta1");
  REQUIRE(j["items"].size() == 2);
  const auto& item = j["items"][1];
  CHECK(item["describedObject"]["name"] == "obj-b");
  CHECK(item["metricName"] == "http_requests");
  CHECK(item.contains("selector"));
  CHECK(item["selector"].is_null());
  CHECK(item["window"] == 60);
  CHECK(item["value"] == "1500m");
  CHECK_FALSE(item.contains("metric"));
  CHECK_FALSE(item.contains("windowSeconds"));
}

TEST_CASE("external lists carry metricLabels and the external apiVersion", "[unit][api]") {
  ApiFixture f;
  const auto r = f.get(s(kE1, "/namespaces/default/queue_depth"));
  REQUIRE(r.status == 200);
  const auto j = parse_json(r.body);
  CHECK(j["kind"] == "ExternalMetricValueList");
  CHECK(j["apiVersion"] == "external.metrics.k8s.io/v1beta1");
  CHECK(j["metadata"] == Json::object());
  REQUIRE(j["items"].size() == 2);
  CHECK(j["items"][0]["metricName"] == "queue_depth");
  CHECK(j["items"][0]["metricLabels"] == Json{{"queue", "worker_tasks"}});
  CHECK(j["items"][0]["value"] == "12");
}

TEST_CASE("an empty * answer is 200 with an empty items list, an empty single-object answer is 404", "[unit][api]") {
  ApiFixture f;
  const auto all = f.get(s(kC2, "/namespaces/default/pods/*/empty"));
  CHECK(all.status == 200);
  CHECK(parse_json(all.body)["items"] == Json::array());
  const auto one = f.get(s(kC2, "/namespaces/default/pods/pod-1/empty"));
  check_status_response(one, 404);
  CHECK(parse_json(one.body)["message"] == "the server could not find the metric empty for pods pod-1");
}

// ---- errors and headers -------------------------------------------------------------------------

TEST_CASE("provider NotFound is a 404 NotFound Status with the provider's message", "[unit][api]") {
  ApiFixture f;
  const auto r = f.get(s(kC2, "/namespaces/default/pods/*/missing"));
  check_status_response(r, 404);
  CHECK(parse_json(r.body)["message"] == "the server could not find the metric missing for pods");
  CHECK_FALSE(r.headers.get("Retry-After").has_value());
}

TEST_CASE("provider Unavailable and Timeout are 503 with Retry-After", "[unit][api]") {
  ApiFixture f;
  const auto [target, message] = GENERATE(table<std::string, std::string>({
      {"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/members_down",
       "every member failed: member-1: connection refused"},
      {"/apis/custom.metrics.k8s.io/v1beta1/nodes/*/slow", "every member timed out"},
      {"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/down", "every member failed"},
  }));
  CAPTURE(target);
  const auto r = f.get(target);
  check_status_response(r, 503);
  const auto j = parse_json(r.body);
  CHECK(j["reason"] == "ServiceUnavailable");
  CHECK(j["message"] == message);
  CHECK(j["details"]["retryAfterSeconds"] == 1);
  CHECK(r.headers.get("Retry-After") == std::optional<std::string_view>("1"));
}

TEST_CASE("a partial answer is 200 with one Warning header per failed member", "[unit][api]") {
  ApiFixture f;
  const auto r = f.get(s(kC2, "/namespaces/default/pods/*/partial"));
  CHECK(r.status == 200);
  CHECK(parse_json(r.body)["items"].size() == 1);
  const auto warnings = r.headers.get_all("Warning");
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0] == "299 - \"member-2: connection refused\"");
  // quotes escaped, line breaks flattened: a header value never spans lines
  CHECK(warnings[1] == "299 - \"member-3: said \\\"no\\\" and left\"");
}

TEST_CASE("external partial answers carry Warning headers too", "[unit][api]") {
  ApiFixture f;
  provider::ExternalAnswer a;
  a.list.items.push_back(testing::external_item("q", "mail", 1000));
  a.warnings = {"member-9: timeout"};
  f.provider.answer_external("q", a);
  const auto r = f.get(s(kE1, "/namespaces/default/q"));
  CHECK(r.status == 200);
  CHECK(r.headers.get_all("warning") == std::vector<std::string_view>{"299 - \"member-9: timeout\""});
}

TEST_CASE("member text in Warning headers is printable ASCII, 256 bytes each, 4 KiB in all", "[unit][api]") {
  // Issue #12 item 3: control bytes from a member's error body made our 200 unreadable for Go clients
  // ("malformed MIME header line"), and a long body made a header of any size.
  ApiFixture f;
  provider::ExternalAnswer a;
  a.list.items.push_back(testing::external_item("q", "mail", 1000));
  const char raw[] = "member-1: HTTP 500: \x01\x00\x1b[2J\r\nSet-Cookie: x=1\x7f caf\xc3\xa9 \"q\" \\";
  a.warnings = {std::string(raw, sizeof raw - 1), "member-2: " + std::string(100'000, 'y')};
  for (int i = 3; i < 60; ++i) a.warnings.push_back("member-" + std::to_string(i) + ": " + std::string(300, 'z'));
  f.provider.answer_external("q", a);
  const auto r = f.get(s(kE1, "/namespaces/default/q"));
  CHECK(r.status == 200);
  const auto warnings = r.headers.get_all("Warning");
  REQUIRE(warnings.size() >= 3);
  CHECK(warnings[0] == "299 - \"member-1: HTTP 500: ??" "?[2J  Set-Cookie: x=1? caf? \\\"q\\\" \\\\\"");
  CHECK(warnings[1].size() == 256);
  CHECK_THAT(std::string(warnings[1]), Catch::StartsWith("299 - \"member-2: yyy") && Catch::EndsWith("...\""));
  CHECK_THAT(std::string(warnings.back()), Catch::Contains("more warnings omitted"));
  std::size_t total = 0;
  for (const auto w : warnings) {
    CHECK(w.size() <= 256);
    total += w.size();
    for (const char c : w) {
      INFO("byte " << static_cast<int>(static_cast<unsigned char>(c)) << " in " << w);
      CHECK((c >= 0x20 && c < 0x7f));
    }
  }
  CHECK(total <= 4096);
}

TEST_CASE("resource metrics partial answers carry Warning headers, also in a Table", "[unit][api][resource]") {
  ApiFixture f;
  for (const char* accept : {"application/json", "application/json;as=Table;v=v1;g=meta.k8s.io"}) {
    CAPTURE(accept);
    const auto r = f.get("/apis/metrics.k8s.io/v1beta1/namespaces/partial/pods", accept);
    CHECK(r.status == 200);
    CHECK(r.headers.get_all("Warning") == std::vector<std::string_view>{"299 - \"member-2: connection refused\""});
  }
}

TEST_CASE("kubectl get podmetrics: the Table lists every member's pods with its columns", "[unit][api][resource]") {
  ApiFixture f;
  const auto r = f.get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods",
                       "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
                       "application/json");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  const auto t = parse_json(r.body);
  CHECK(t["kind"] == "Table");
  std::vector<std::string> columns;
  for (const auto& c : t["columnDefinitions"]) columns.push_back(c["name"].get<std::string>());
  CHECK(columns == std::vector<std::string>{"Name", "cpu", "memory", "Window"});
  REQUIRE(t["rows"].size() == 2);
  CHECK(t["rows"][0]["cells"] == Json::parse(R"(["web-0","250m","20Mi","30s"])"));
  // the default includeObject is Metadata: the cluster annotation travels with each row
  CHECK(t["rows"][1]["object"]["metadata"]["annotations"]["resource.karmada.io/query-from-cluster"] == "member-2");
  // what reached the provider: one pods list in the namespace
  REQUIRE(f.provider.resource_calls().size() == 1);
  CHECK(f.provider.resource_calls()[0] ==
        provider::ResourceQuery{kubeapi::ResourceMetricsKind::Pods, "default", "", "", ""});
}

TEST_CASE("resource metrics selectors reach the provider in canonical form", "[unit][api][resource]") {
  ApiFixture f;
  const auto r = f.get("/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app+in+(web),tier%3Dfront"
                       "&fieldSelector=metadata.namespace%3D%3Ddefault,metadata.name!%3Dx");
  REQUIRE(r.status == 200);
  const auto calls = f.provider.resource_calls();
  REQUIRE(calls.size() == 1);
  const auto& q = calls[0];
  CHECK(q.namespace_.empty());  // all namespaces
  CHECK(q.label_selector == "app in (web),tier=front");
  CHECK(q.field_selector == "metadata.name!=x,metadata.namespace=default");
}

TEST_CASE("other methods are 405 with Allow, and never reach the provider", "[unit][api]") {
  ApiFixture f;
  const auto method = GENERATE(as<std::string>{}, "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT");
  CAPTURE(method);
  const auto r = f.send(method, s(kC2, "/namespaces/default/pods/*/http_requests"));
  check_status_response(r, 405);
  CHECK(parse_json(r.body)["reason"] == "MethodNotAllowed");
  CHECK(r.headers.get("allow") == std::optional<std::string_view>("GET, HEAD"));
  CHECK(f.provider.call_count() == 0);
}

TEST_CASE("HEAD answers the GET status with an empty body", "[unit][api]") {
  ApiFixture f;
  const auto head = f.send("HEAD", kC2);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.content_type == "application/json");
  const auto missing = f.send("HEAD", "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body.empty());
}

TEST_CASE("406 names the media types served", "[unit][api]") {
  ApiFixture f;
  const auto r = f.get("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  check_status_response(r, 406);
  CHECK(parse_json(r.body)["message"] == "only the following media types are accepted: application/json");
}

TEST_CASE("error_response renders a Status for transport rejections", "[unit][api]") {
  ApiFixture f;
  const auto r = f.handler->error_response(413, "request body too large");
  check_status_response(r, 413);
  CHECK(parse_json(r.body)["reason"] == "RequestEntityTooLarge");
  const auto metrics = f.get("/metrics").body;
  CHECK(metrics.find(R"(fedmetrics_http_requests_total{code="413",route="rejected",verb="other"} 1)") !=
        std::string::npos);
}

// ---- discovery through the handler --------------------------------------------------------------

TEST_CASE("custom discovery lists the provider's metrics with unified scopes", "[unit][api]") {
  ApiFixture f;
  const auto version = GENERATE(as<std::string>{}, "v1beta1", "v1beta2");
  const auto r = f.get("/apis/custom.metrics.k8s.io/" + version);
  REQUIRE(r.status == 200);
  const auto j = parse_json(r.body);
  CHECK(j["kind"] == "APIResourceList");
  CHECK(j["apiVersion"] == "v1");
  CHECK(j["groupVersion"] == "custom.metrics.k8s.io/" + version);
  std::vector<std::pair<std::string, bool>> got;
  for (const auto& e : j["resources"]) {
    got.emplace_back(e["name"].get<std::string>(), e["namespaced"].get<bool>());
    CHECK(e["kind"] == "MetricValueList");
    CHECK(e["verbs"] == Json::array({"get"}));
    CHECK(e["singularName"] == "");
  }
  CHECK(got == std::vector<std::pair<std::string, bool>>{{"deployments.apps/replicas_ready", true},
                                                         {"jobs.batch/http_requests", true},
                                                         {"namespaces/queue_length", false},
                                                         {"nodes/cpu_load", false},
                                                         {"pods/http_requests", true}});
}

TEST_CASE("discovery with nothing known is 200 with an empty resources list", "[unit][api]") {
  ApiFixture f;
  f.provider.set_custom_metrics({});
  f.provider.set_external_metrics({});
  for (const std::string target : {"/apis/custom.metrics.k8s.io/v1beta2", "/apis/custom.metrics.k8s.io/v1beta1",
                                   "/apis/external.metrics.k8s.io/v1beta1"}) {
    CAPTURE(target);
    const auto r = f.get(target);
    CHECK(r.status == 200);
    CHECK(r.body.find("\"resources\":[]") != std::string::npos);
  }
}

TEST_CASE("external discovery lists each metric once, namespaced", "[unit][api]") {
  ApiFixture f;
  const auto j = parse_json(f.get(kE1).body);
  CHECK(j["groupVersion"] == "external.metrics.k8s.io/v1beta1");
  REQUIRE(j["resources"].size() == 2);
  CHECK(j["resources"][0] == Json{{"name", "queue_depth"},
                                  {"singularName", ""},
                                  {"namespaced", true},
                                  {"kind", "ExternalMetricValueList"},
                                  {"verbs", {"get"}}});
  CHECK(j["resources"][1]["name"] == "requests_per_second");
}

TEST_CASE("/apis and /apis/<group> list every served version, preferred first", "[unit][api]") {
  ApiFixture f;
  const auto list = parse_json(f.get("/apis").body);
  CHECK(list["kind"] == "APIGroupList");
  CHECK(list["apiVersion"] == "v1");
  REQUIRE(list["groups"].size() == 3);
  CHECK(list["groups"][0]["name"] == "custom.metrics.k8s.io");
  CHECK(list["groups"][2]["name"] == "metrics.k8s.io");
  CHECK(list["groups"][0]["versions"] ==
        Json::array({{{"groupVersion", "custom.metrics.k8s.io/v1beta2"}, {"version", "v1beta2"}},
                     {{"groupVersion", "custom.metrics.k8s.io/v1beta1"}, {"version", "v1beta1"}}}));
  CHECK(list["groups"][1]["preferredVersion"] ==
        Json{{"groupVersion", "external.metrics.k8s.io/v1beta1"}, {"version", "v1beta1"}});
  CHECK_FALSE(list["groups"][0].contains("kind"));

  const auto group = parse_json(f.get("/apis/custom.metrics.k8s.io").body);
  CHECK(group["kind"] == "APIGroup");
  CHECK(group["apiVersion"] == "v1");
  CHECK(group["name"] == "custom.metrics.k8s.io");
  CHECK(group["versions"] == list["groups"][0]["versions"]);
  CHECK(group["preferredVersion"]["version"] == "v1beta2");
}

// ---- version, metrics, health, OpenAPI ----------------------------------------------------------

TEST_CASE("/version is version.Info", "[unit][api]") {
  ApiFixture f;
  const auto r = f.get("/version");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  const auto j = parse_json(r.body);
  for (const char* key : {"major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion",
                          "compiler", "platform"}) {
    CAPTURE(key);
    CHECK(j.contains(key));
  }
  CHECK(j["gitVersion"] == "v0.1.0");
  CHECK(j["platform"] == "linux/amd64");
}

TEST_CASE("/metrics counts requests by verb, route template and code", "[unit][api]") {
  ApiFixture f;
  (void)f.get(s(kC2, "/namespaces/default/pods/*/http_requests"));
  (void)f.get(s(kC2, "/namespaces/default/pods/*/http_requests"));
  (void)f.get("/nope/nope");
  const auto r = f.get("/metrics");
  CHECK(r.status == 200);
  CHECK(r.content_type.rfind("text/plain", 0) == 0);
  INFO(r.body);
  CHECK(r.body.find("# TYPE fedmetrics_http_requests_total counter") != std::string::npos);
  CHECK(r.body.find(R"(fedmetrics_http_requests_total{code="200",route="/apis/custom.metrics.k8s.io/{version}/namespaces/{namespace}/{resource}/{name}/{metric}",verb="GET"} 2)") !=
        std::string::npos);
  CHECK(r.body.find(R"(fedmetrics_http_requests_total{code="404",route="unmatched",verb="GET"} 1)") != std::string::npos);
  CHECK(r.body.find("fedmetrics_http_request_duration_seconds_bucket") != std::string::npos);
  // The /metrics request itself is in flight while the registry is collected.
  CHECK(r.body.find("fedmetrics_http_requests_in_flight 1") != std::string::npos);
  CHECK(r.body.find(R"(fedmetrics_build_info{compiler="gcc",git_commit="abc123",git_version="v0.1.0"} 1)") !=
        std::string::npos);
}

TEST_CASE("/metrics is served whatever the Accept header", "[unit][api]") {
  ApiFixture f;
  const auto r = f.get("/metrics", "application/vnd.kubernetes.protobuf");
  CHECK(r.status == 200);
  CHECK(r.body.find("fedmetrics_build_info") != std::string::npos);
}

TEST_CASE("health endpoints answer text with nosniff", "[unit][api][health]") {
  ApiFixture f;
  for (const std::string target : {"/healthz", "/livez", "/readyz", "/readyz/ping", "/healthz?verbose"}) {
    CAPTURE(target);
    const auto r = f.get(target);
    CHECK(r.status == 200);
    CHECK(r.content_type == "text/plain; charset=utf-8");
    CHECK(r.headers.get("X-Content-Type-Options") == std::optional<std::string_view>("nosniff"));
  }
  CHECK(f.get("/livez").body == "ok");
  CHECK(f.get("/readyz?verbose").body == "[+]ping ok\n[+]members-synced ok\nreadyz check passed\n");
}

TEST_CASE("a failing readiness check fails /readyz only, and can be excluded", "[unit][api][health]") {
  ApiFixture f;
  f.members_synced = false;

  const auto ready = f.get("/readyz");
  CHECK(ready.status == 500);
  CHECK(ready.content_type == "text/plain; charset=utf-8");
  CHECK(ready.body == "[+]ping ok\n[-]members-synced failed: reason withheld\nreadyz check failed\n");

  const auto single = f.get("/readyz/members-synced");
  CHECK(single.status == 500);
  CHECK(single.body == "internal server error: 0 of 2 members synced\n");

  CHECK(f.get("/readyz/ping").status == 200);
  const auto excluded = f.get("/readyz?exclude=members-synced");
  CHECK(excluded.status == 200);
  CHECK(excluded.body == "ok");
  CHECK(f.get("/livez").status == 200);
  CHECK(f.get("/healthz").status == 200);

  f.members_synced = true;
  CHECK(f.get("/readyz").status == 200);
}

TEST_CASE("/openapi/v2 is a Swagger 2.0 document whose references resolve", "[unit][api][openapi]") {
  ApiFixture f;
  const auto r = f.get("/openapi/v2");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  const auto j = parse_json(r.body);
  CHECK(j["swagger"] == "2.0");
  CHECK(j["info"]["version"] == "v0.1.0");
  REQUIRE(j["paths"].is_object());
  for (const char* path : {
           "/apis/custom.metrics.k8s.io/v1beta2/namespaces/{namespace}/{resource}/{name}/{metric}",
           "/apis/custom.metrics.k8s.io/v1beta2/namespaces/{namespace}/metrics/{metric}",
           "/apis/custom.metrics.k8s.io/v1beta2/{resource}/{name}/{metric}",
           "/apis/custom.metrics.k8s.io/v1beta1/{resource}/{name}/{metric}",
           "/apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{metric}",
           "/apis/metrics.k8s.io/v1beta1/nodes",
           "/apis/metrics.k8s.io/v1beta1/nodes/{name}",
           "/apis/metrics.k8s.io/v1beta1/pods",
           "/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods",
           "/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods/{name}",
       }) {
    CAPTURE(path);
    CHECK(j["paths"].contains(path));
  }
  CHECK(j["paths"].size() == 12);

  std::vector<std::string> refs;
  collect_refs(j, refs);
  CHECK_FALSE(refs.empty());
  for (const auto& ref : refs) {
    CAPTURE(ref);
    REQUIRE(ref.rfind("#/definitions/", 0) == 0);
    CHECK(j["definitions"].contains(ref.substr(14)));
  }

  // Swagger 2.0: "The id MUST be unique among all operations described in the API."
  std::set<std::string> ids;
  for (const auto& [path, item] : j["paths"].items()) {
    CAPTURE(path);
    REQUIRE(item.contains("get"));
    const auto id = item["get"]["operationId"].get<std::string>();
    CHECK(ids.insert(id).second);
    // every {param} in the path is declared as a required path parameter
    std::set<std::string> declared;
    for (const auto& p : item["get"]["parameters"]) {
      if (p["in"] == "path") {
        CHECK(p["required"] == true);
        declared.insert(p["name"].get<std::string>());
      }
    }
    std::set<std::string> templated;
    for (std::size_t pos = path.find('{'); pos != std::string::npos; pos = path.find('{', pos + 1)) {
      templated.insert(path.substr(pos + 1, path.find('}', pos) - pos - 1));
    }
    CHECK(declared == templated);
  }
}

TEST_CASE("/openapi/v3 lists one document per served group-version, each fetchable", "[unit][api][openapi]") {
  ApiFixture f;
  const auto root = parse_json(f.get("/openapi/v3").body);
  REQUIRE(root["paths"].is_object());
  std::set<std::string> keys;
  for (const auto& [key, entry] : root["paths"].items()) keys.insert(key);
  CHECK(keys == std::set<std::string>{"apis/custom.metrics.k8s.io/v1beta1", "apis/custom.metrics.k8s.io/v1beta2",
                                      "apis/external.metrics.k8s.io/v1beta1", "apis/metrics.k8s.io/v1beta1"});
  for (const auto& [key, entry] : root["paths"].items()) {
    CAPTURE(key);
    const auto url = entry["serverRelativeURL"].get<std::string>();
    CHECK(url.rfind("/openapi/v3/" + key + "?hash=", 0) == 0);
    const auto r = f.get(url);
    REQUIRE(r.status == 200);
    const auto doc = parse_json(r.body);
    CHECK(doc["openapi"] == "3.0.0");
    CHECK_FALSE(doc["paths"].empty());
    for (const auto& [path, item] : doc["paths"].items()) CHECK(path.rfind("/" + key + "/", 0) == 0);
    std::vector<std::string> refs;
    collect_refs(doc, refs);
    CHECK_FALSE(refs.empty());
    for (const auto& ref : refs) {
      CAPTURE(ref);
      REQUIRE(ref.rfind("#/components/schemas/", 0) == 0);
      CHECK(doc["components"]["schemas"].contains(ref.substr(21)));
    }
  }
}

}  // namespace fedmetrics::api
