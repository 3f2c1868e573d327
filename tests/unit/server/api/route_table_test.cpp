// The route table (STYLE.md §9): every row is one request through ApiHandler::handle against a scripted
// FakeMetricsProvider, with the status, the number of listed entries, a body fragment and the number of
// provider calls it must cause. Rows cover health, version, metrics, OpenAPI, discovery, the five metric
// read forms of both versions, external reads and the malformed shapes around them.
#include <catch2/catch.hpp>

#include "tests/unit/server/api/api_fixture.hpp"

namespace fedmetrics::api {
namespace {

using testing::ApiFixture;

constexpr int kAny = -1;  // "do not check" for the item and call columns

/// The array a document lists: items (metric lists), resources (APIResourceList), groups (APIGroupList),
/// versions (APIGroup); -1 if none.
int listed(const nlohmann::json& j) {
  for (const char* key : {"items", "resources", "groups", "versions"}) {
    if (j.is_object() && j.contains(key) && j[key].is_array()) return static_cast<int>(j[key].size());
  }
  return -1;
}

bool is_health(const std::string& target) {
  return target.rfind("/healthz", 0) == 0 || target.rfind("/livez", 0) == 0 || target.rfind("/readyz", 0) == 0;
}

#define C1 "/apis/custom.metrics.k8s.io/v1beta1"
#define C2 "/apis/custom.metrics.k8s.io/v1beta2"
#define E1 "/apis/external.metrics.k8s.io/v1beta1"
#define R1 "/apis/metrics.k8s.io/v1beta1"
#define TABLE_V1 "application/json;as=Table;v=v1;g=meta.k8s.io"
#define KUBECTL_GET TABLE_V1 ",application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
#define V2_PROFILE "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
#define V2BETA1_PROFILE "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

}  // namespace

TEST_CASE("route table: every endpoint answers with the documented status and shape", "[unit][api][routes]") {
  // method, target, Accept ("" = none), status, listed entries, body fragment, provider calls
  const auto [method, target, accept, status, items, fragment, calls] =
      GENERATE(table<std::string, std::string, std::string, int, int, std::string, int>({
          // ---- health ----
          {"GET", "/healthz", "", 200, kAny, "ok", 0},
          {"GET", "/livez", "", 200, kAny, "ok", 0},
          {"GET", "/readyz", "", 200, kAny, "ok", 0},
          {"GET", "/healthz?verbose", "", 200, kAny, "[+]ping ok\nhealthz check passed\n", 0},
          {"GET", "/livez?verbose", "", 200, kAny, "[+]ping ok\nlivez check passed\n", 0},
          {"GET", "/readyz?verbose", "", 200, kAny, "[+]ping ok\n[+]members-synced ok\nreadyz check passed\n", 0},
          {"GET", "/readyz?verbose=1&exclude=members-synced", "", 200, kAny, "[+]members-synced excluded: ok\n", 0},
          {"GET", "/readyz?verbose&exclude=nope", "", 200, kAny, "no matches for \"nope\"", 0},
          {"GET", "/readyz?exclude=nope", "", 200, kAny, "ok", 0},
          {"GET", "/healthz/ping", "", 200, kAny, "ok", 0},
          {"GET", "/livez/ping", "", 200, kAny, "ok", 0},
          {"GET", "/readyz/ping", "", 200, kAny, "ok", 0},
          {"GET", "/readyz/members-synced", "", 200, kAny, "ok", 0},
          {"GET", "/readyz/unknown", "", 404, kAny, "", 0},
          {"GET", "/healthz/members-synced", "", 404, kAny, "", 0},  // a readyz check only
          {"GET", "/readyz/ping/extra", "", 404, kAny, "", 0},
          {"GET", "/readyz", "application/vnd.kubernetes.protobuf", 200, kAny, "ok", 0},  // probes ignore Accept
          {"HEAD", "/readyz", "", 200, kAny, "", 0},
          {"POST", "/healthz", "", 405, kAny, "", 0},
          // ---- version, metrics, OpenAPI ----
          {"GET", "/version", "", 200, kAny, "\"gitVersion\":\"v0.1.0\"", 0},
          {"GET", "/version", "application/vnd.kubernetes.protobuf", 406, kAny, "application/json", 0},
          {"GET", "/metrics", "", 200, kAny, "fedmetrics_build_info", 0},
          {"GET", "/openapi/v2", "application/json", 200, kAny, "\"swagger\":\"2.0\"", 0},
          {"GET", "/openapi/v3", "", 200, kAny, "\"apis/custom.metrics.k8s.io/v1beta2\"", 0},
          {"GET", "/openapi/v3/apis/custom.metrics.k8s.io/v1beta2", "", 200, kAny, "\"openapi\":\"3.0.0\"", 0},
          {"GET", "/openapi/v3/apis/custom.metrics.k8s.io/v1beta1?hash=0123", "", 200, kAny, "v1beta1", 0},
          {"GET", "/openapi/v3/apis/external.metrics.k8s.io/v1beta1", "", 200, kAny, "ExternalMetricValueList", 0},
          {"GET", "/openapi/v3/apis/external.metrics.k8s.io/v1beta2", "", 404, kAny, "", 0},
          {"GET", "/openapi/v3/apis/metrics.k8s.io/v1beta1", "", 200, kAny, "PodMetricsList", 0},
          {"GET", "/openapi/v3/apis/metrics.k8s.io/v1", "", 404, kAny, "", 0},
          {"GET", "/openapi/v1", "", 404, kAny, "", 0},
          // ---- discovery ----
          {"GET", "/apis", "", 200, 3, "\"kind\":\"APIGroupList\"", 0},
          {"GET", "/apis/", "", 200, 3, "\"kind\":\"APIGroupList\"", 0},
          {"GET", "/apis", "application/json", 200, 3, "custom.metrics.k8s.io", 0},
          {"GET", "/apis", "application/json, */*", 200, 3, "external.metrics.k8s.io", 0},
          {"GET", "/apis", V2_PROFILE, 406, kAny, "NotAcceptable", 0},
          {"GET", "/apis", V2BETA1_PROFILE, 406, kAny, "NotAcceptable", 0},
          {"GET", "/apis", V2_PROFILE "," V2BETA1_PROFILE, 406, kAny, "NotAcceptable", 0},
          {"GET", "/apis", V2_PROFILE ";q=0.9," V2BETA1_PROFILE ";q=0.8,application/json;q=0.7", 200, 3, "APIGroupList", 0},
          {"GET", "/apis/custom.metrics.k8s.io", "", 200, 2,
           "\"preferredVersion\":{\"groupVersion\":\"custom.metrics.k8s.io/v1beta2\",\"version\":\"v1beta2\"}", 0},
          {"GET", "/apis/custom.metrics.k8s.io/", "", 200, 2, "\"kind\":\"APIGroup\"", 0},
          {"GET", "/apis/external.metrics.k8s.io", "", 200, 1, "external.metrics.k8s.io/v1beta1", 0},
          {"GET", C2, "", 200, 5, "\"groupVersion\":\"custom.metrics.k8s.io/v1beta2\"", 0},
          {"GET", C2 "/", "", 200, 5, "\"kind\":\"APIResourceList\"", 0},
          {"GET", C1, "", 200, 5, "\"groupVersion\":\"custom.metrics.k8s.io/v1beta1\"", 0},
          {"GET", C2, "application/json, */*", 200, 5, "pods/http_requests", 0},
          {"GET", C2, "application/vnd.kubernetes.protobuf, */*", 200, 5, "pods/http_requests", 0},
          {"GET", C2, "application/vnd.kubernetes.protobuf,application/json", 200, 5, "pods/http_requests", 0},
          {"GET", C2, "application/vnd.kubernetes.protobuf", 406, kAny, "", 0},
          {"GET", E1, "", 200, 2, "\"kind\":\"ExternalMetricValueList\"", 0},
          {"GET", "/apis/custom.metrics.k8s.io/v1", "", 404, kAny, "", 0},
          {"GET", "/apis/custom.metrics.k8s.io/v1beta3", "", 404, kAny, "", 0},
          {"GET", "/apis/external.metrics.k8s.io/v1beta2", "", 404, kAny, "", 0},
          {"GET", "/apis/metrics.k8s.io", "", 200, 1, "\"groupVersion\":\"metrics.k8s.io/v1beta1\"", 0},
          {"GET", R1, "", 200, 2, "\"kind\":\"PodMetrics\"", 0},
          {"GET", "/apis/metrics.k8s.io/v1", "", 404, kAny, "", 0},
          {"GET", "/api", "", 404, kAny, "", 0},
          {"GET", "/api/v1", "", 404, kAny, "", 0},
          {"GET", "/", "", 404, kAny, "", 0},
          {"GET", C2 "/blah", "", 404, kAny, "", 0},
          // ---- custom metric reads ----
          {"GET", C2 "/namespaces/default/pods/*/http_requests?labelSelector=app%3Dweb", "", 200, 2,
           "\"apiVersion\":\"custom.metrics.k8s.io/v1beta2\"", 1},
          {"GET", C2 "/namespaces/default/pods/%2A/http_requests", "", 200, 2, "\"name\":\"obj-b\"", 1},
          {"GET", C2 "/namespaces/default/pods/pod-1/http_requests", "", 200, 1, "\"name\":\"pod-1\"", 1},
          {"GET", C1 "/namespaces/default/pods/pod-1/http_requests", "", 200, 1, "\"metricName\":\"http_requests\"", 1},
          {"GET", C1 "/namespaces/default/pods/%2A/http_requests", "", 200, 2,
           "\"apiVersion\":\"custom.metrics.k8s.io/v1beta1\"", 1},
          {"GET", C2 "/namespaces/default/deployments.apps/web/replicas_ready", "", 200, 1, "\"apiVersion\":\"apps/v1\"", 1},
          {"GET", C2 "/namespaces/default/jobs.batch/*/http_requests", "", 200, 2, "", 1},
          {"GET", C2 "/nodes/*/cpu_load", "", 200, 2, "\"kind\":\"Node\"", 1},
          {"GET", C2 "/nodes/node-1/cpu_load", "", 200, 1, "\"name\":\"node-1\"", 1},
          {"GET", C1 "/nodes/%2A/cpu_load", "", 200, 2, "", 1},
          {"GET", C2 "/namespaces/default/metrics/queue_length", "", 200, 1, "\"kind\":\"Namespace\"", 1},
          {"GET", C1 "/namespaces/default/metrics/queue_length", "", 200, 1, "\"name\":\"default\"", 1},
          {"GET", C2 "/namespaces/default/pods/*/http_requests?labelSelector=&timeout=32s&selector=foo&pretty=true", "",
           200, 2, "", 1},
          {"GET", C2 "/namespaces/default/pods/*/http_requests?metricLabelSelector=verb+in+%28GET%2CPOST%29", "", 200, 2,
           "", 1},
          {"GET", C2 "/namespaces/default/pods/*/http_requests", "application/json;as=Table;v=v1;g=meta.k8s.io", 406,
           kAny, "", 0},
          {"GET", C2 "/namespaces/default/pods/*/http_requests",
           "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", 200, 2, "", 1},
          {"GET", C2 "/namespaces/default/pods/*/empty", "", 200, 0, "\"items\":[]", 1},
          {"HEAD", C2 "/namespaces/default/pods/pod-1/http_requests", "", 200, kAny, "", 1},
          // ---- custom metric errors ----
          {"GET", C2 "/namespaces/default/pods/*/http_requests?labelSelector=app%3D%3D%3Dweb", "", 400, kAny,
           "invalid labelSelector", 0},
          {"GET", C2 "/namespaces/default/pods/*/http_requests?labelSelector=%21%21x", "", 400, kAny,
           "invalid labelSelector", 0},
          {"GET", C2 "/nodes/*/cpu_load?labelSelector=a+in+b", "", 400, kAny, "invalid labelSelector", 0},
          {"GET", C2 "/namespaces/default/pods/*/http_requests?metricLabelSelector=a+in+b", "", 400, kAny,
           "invalid metricLabelSelector", 0},
          {"GET", C2 "/namespaces/Bad_NS/pods/*/http_requests", "", 400, kAny, "invalid namespace", 0},
          {"GET", C2 "/namespaces/Bad_NS/metrics/queue_length", "", 400, kAny, "Bad_NS", 0},
          {"GET", C2 "/namespaces/default/pods/../http_requests", "", 400, kAny, "dot segments are not allowed", 0},
          {"GET", C2 "/namespaces/default/pods/%2E%2E/http_requests", "", 400, kAny, "dot segments are not allowed", 0},
          {"GET", C2 "/namespaces/default/pods/./http_requests", "", 400, kAny, "dot segments are not allowed", 0},
          {"GET", C2 "/namespaces/default/Pods/*/http_requests", "", 400, kAny, "invalid resource", 0},
          {"GET", C2 "/namespaces/default/pods/*/http%20requests", "", 400, kAny, "invalid metric name", 0},
          {"GET", C2 "/namespaces/default/pods/a%2Fb/http_requests", "", 400, kAny, "", 0},
          {"GET", C2 "/namespaces/x/foo", "", 400, kAny, "invalid request path", 0},
          {"GET", "/apis/custom.metrics.k8s.io/v1/namespaces/default/pods/*/http_requests", "", 404, kAny, "", 0},
          {"GET", "/apis/custom.metrics.k8s.io/v1/nodes/*/cpu_load", "", 404, kAny, "", 0},
          {"GET", "/apis/custom.metrics.k8s.io/v1/namespaces/default/metrics/queue_length", "", 404, kAny, "", 0},
          {"GET", C2 "/nodes/foo", "", 404, kAny, "", 0},
          {"GET", C2 "/namespaces/default/pods/bar", "", 404, kAny, "", 0},
          {"GET", C2 "/namespaces/default/pods/pod-1/http_requests/extra", "", 404, kAny, "", 0},
          {"GET", C2 "/namespaces/default", "", 404, kAny, "", 0},
          {"POST", C2 "/namespaces/default/pods/*/http_requests", "", 405, kAny, "", 0},
          {"PUT", C2 "/namespaces/default/pods/pod-1/http_requests", "", 405, kAny, "", 0},
          {"DELETE", C2 "/nodes/node-1/cpu_load", "", 405, kAny, "", 0},
          {"PATCH", C2, "", 405, kAny, "", 0},
          {"POST", "/apis", "", 405, kAny, "", 0},
          {"GET", C2 "/namespaces/default/pods/*/missing", "", 404, kAny,
           "the server could not find the metric missing for pods", 1},
          {"GET", C2 "/namespaces/default/pods/*/members_down", "", 503, kAny, "every member failed", 1},
          {"GET", C2 "/nodes/*/slow", "", 503, kAny, "every member timed out", 1},
          {"GET", C2 "/namespaces/default/pods/*/bad_query", "", 400, kAny, "members rejected the query", 1},
          {"GET", C2 "/namespaces/default/pods/*/partial", "", 200, 1, "", 1},
          {"GET", C2 "/namespaces/default/pods/ghost/http_requests", "", 404, kAny,
           "the server could not find the metric http_requests for pods ghost", 1},
          {"GET", C2 "/namespaces/default/pods/pod-1/empty", "", 404, kAny, "", 1},
          // ---- external metric reads ----
          {"GET", E1 "/namespaces/default/queue_depth?labelSelector=queue%3Dworker_tasks", "", 200, 2,
           "\"metricLabels\":{\"queue\":\"worker_tasks\"}", 1},
          {"GET", E1 "/namespaces/default/queue_depth", "application/vnd.kubernetes.protobuf, */*", 200, 2,
           "\"apiVersion\":\"external.metrics.k8s.io/v1beta1\"", 1},
          {"GET", E1 "/namespaces/default/none", "", 200, 0, "\"items\":[]", 1},
          {"GET", E1 "/namespaces/default/missing", "", 404, kAny, "missing", 1},
          {"GET", E1 "/namespaces/default/down", "", 503, kAny, "every member failed", 1},
          {"GET", E1 "/namespaces/Bad_NS/queue_depth", "", 400, kAny, "invalid namespace", 0},
          {"GET", E1 "/namespaces/default/bad%20metric", "", 400, kAny, "invalid metric name", 0},
          {"GET", E1 "/namespaces/default/queue_depth?labelSelector=%3D%3D", "", 400, kAny, "invalid labelSelector", 0},
          {"GET", "/apis/external.metrics.k8s.io/v1beta2/namespaces/default/queue_depth", "", 404, kAny, "", 0},
          {"GET", E1 "/queue_depth", "", 404, kAny, "", 0},
          {"GET", E1 "/namespaces/default/pods/queue_depth", "", 404, kAny, "", 0},
          {"GET", E1 "/nodes/x/queue_depth", "", 404, kAny, "", 0},
          {"DELETE", E1 "/namespaces/default/queue_depth", "", 405, kAny, "", 0},
          // ---- resource metrics reads (metrics.k8s.io) ----
          {"GET", R1 "/namespaces/default/pods", "", 200, 2, "\"kind\":\"PodMetricsList\"", 1},
          {"GET", R1 "/namespaces/default/pods?labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dweb-0", "", 200,
           2, "\"resource.karmada.io/query-from-cluster\":\"member-2\"", 1},
          {"GET", R1 "/pods", "application/json, */*", 200, 2, "\"window\":\"30s\"", 1},
          {"GET", R1 "/namespaces/default/pods/web-0", "", 200, kAny, "\"kind\":\"PodMetrics\"", 1},
          {"GET", R1 "/namespaces/default/pods/twin", "", 409, kAny, "member-1, member-2", 1},
          {"GET", R1 "/namespaces/default/pods/ghost", "", 404, kAny, "podmetrics.metrics.k8s.io \\\"default/ghost\\\" not found", 1},
          {"GET", R1 "/namespaces/down/pods", "", 503, kAny, "connection refused", 1},
          {"GET", R1 "/namespaces/empty/pods", "", 200, 0, "\"items\":[]", 1},
          {"GET", R1 "/namespaces/partial/pods", "", 200, 1, "", 1},
          {"GET", R1 "/nodes", "", 200, 2, "\"kind\":\"NodeMetricsList\"", 1},
          {"GET", R1 "/nodes/kwok-node-1", "", 200, kAny, "\"usage\":{\"cpu\":\"1500m\"", 1},
          {"GET", R1 "/nodes/nope", "", 404, kAny, "nodemetrics", 1},
          {"HEAD", R1 "/nodes", "", 200, kAny, "", 1},
          // kubectl get podmetrics / nodemetrics: a Table, as metrics-server answers it
          {"GET", R1 "/namespaces/default/pods", KUBECTL_GET, 200, kAny, "\"kind\":\"Table\"", 1},
          {"GET", R1 "/namespaces/default/pods", TABLE_V1, 200, kAny, "\"cells\":[\"web-1\",\"750m\",\"20Mi\",\"30s\"]", 1},
          {"GET", R1 "/nodes/kwok-node-0", "application/json;as=Table;v=v1beta1;g=meta.k8s.io", 200, kAny,
           "\"apiVersion\":\"meta.k8s.io/v1beta1\"", 1},
          {"GET", R1 "/nodes?includeObject=Object", TABLE_V1, 200, kAny, "\"object\":{\"kind\":\"NodeMetrics\"", 1},
          {"GET", R1 "/nodes?includeObject=None", TABLE_V1, 200, kAny, "\"object\":null", 1},
          {"GET", R1 "/nodes?includeObject=Everything", TABLE_V1, 400, kAny, "unrecognized includeObject", 0},
          {"GET", R1 "/nodes?includeObject=Everything", "", 200, 2, "", 1},  // only Tables read it
          {"GET", R1 "/namespaces/down/pods", TABLE_V1, 503, kAny, "", 1},
          {"GET", R1 "/nodes/kwok-node-0", "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io", 200, kAny,
           "\"kind\":\"PartialObjectMetadata\"", 1},
          {"GET", R1 "/nodes", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", 200, 2,
           "\"kind\":\"PartialObjectMetadataList\"", 1},
          {"GET", R1 "/nodes", "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io", 406, kAny, "is a list", 0},
          {"GET", R1 "/nodes/kwok-node-0", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", 406, kAny,
           "is not a list", 0},
          {"GET", R1 "/nodes", "application/json;as=Table;v=v2;g=meta.k8s.io", 406, kAny, "", 0},
          {"GET", R1 "/nodes", "application/json;as=Table;v=v1;g=apps", 406, kAny, "", 0},
          {"GET", R1 "/nodes", "application/vnd.kubernetes.protobuf", 406, kAny, "", 0},
          {"GET", R1 "/nodes", "application/vnd.kubernetes.protobuf, */*", 200, 2, "", 1},
          {"GET", R1 "/namespaces/Bad_NS/pods", "", 400, kAny, "invalid namespace", 0},
          {"GET", R1 "/namespaces/default/pods?labelSelector=a+in+b", "", 400, kAny, "invalid labelSelector", 0},
          {"GET", R1 "/namespaces/default/pods?fieldSelector=metadata.name", "", 400, kAny, "invalid fieldSelector", 0},
          {"GET", R1 "/namespaces/default/pods/web-0?labelSelector=a+in+b", "", 200, kAny, "", 1},  // a get ignores it
          {"GET", "/apis/metrics.k8s.io/v1beta2/nodes", "", 404, kAny, "", 0},
          {"GET", R1 "/namespaces/default/pods/web-0/containers", "", 404, kAny, "", 0},
          {"GET", R1 "/deployments", "", 404, kAny, "", 0},
          {"POST", R1 "/nodes", "", 405, kAny, "", 0},
          {"DELETE", R1 "/namespaces/default/pods/web-0", "", 405, kAny, "", 0},
          // ---- targets that are not routable at all ----
          {"GET", "*", "", 400, kAny, "", 0},
          {"GET", "http://127.0.0.1/apis", "", 400, kAny, "", 0},
          {"GET", "/apis//custom.metrics.k8s.io", "", 400, kAny, "", 0},
          {"GET", "/apis/%zz", "", 400, kAny, "", 0},
      }));

  CAPTURE(method, target, accept);
  ApiFixture f;
  const auto r = f.send(method, target, accept.empty() ? std::nullopt : std::optional<std::string>(accept));
  INFO("response " << r.status << " " << r.content_type << "\n" << r.body);

  CHECK(r.status == status);
  if (calls != kAny) CHECK(f.provider.call_count() == static_cast<std::size_t>(calls));

  if (method == "HEAD") {
    CHECK(r.body.empty());
    return;
  }
  if (!fragment.empty()) CHECK(r.body.find(fragment) != std::string::npos);

  if (status >= 400) {
    testing::check_status_response(r, status);
    if (status == 405) CHECK(r.headers.get("Allow") == std::optional<std::string_view>("GET, HEAD"));
    if (status == 503) CHECK(r.headers.get("Retry-After").has_value());
    return;
  }
  if (is_health(target)) {
    CHECK(r.content_type == "text/plain; charset=utf-8");
    return;
  }
  if (target == "/metrics") {
    CHECK(r.content_type.rfind("text/plain", 0) == 0);
    return;
  }
  CHECK(r.content_type == "application/json");
  const auto j = testing::parse_json(r.body);
  if (items != kAny) CHECK(listed(j) == items);
}

}  // namespace fedmetrics::api
