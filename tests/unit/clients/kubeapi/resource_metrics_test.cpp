#include "clients/kubeapi/resource_metrics.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/catch_result.hpp"

using namespace fedmetrics;
using namespace fedmetrics::kubeapi;
using Json = nlohmann::json;

namespace {

// A member's answer in the shape metrics-server (and prometheus-adapter's resource rules) write it.
constexpr const char* kPodList = R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},
  "items":[{"metadata":{"name":"web-0","namespace":"default","creationTimestamp":"2026-08-21T03:12:10Z",
                        "labels":{"app":"web"}},
            "timestamp":"2026-08-21T03:12:09Z","window":"1m0s",
            "containers":[{"name":"app","usage":{"cpu":"250m","memory":"51300Ki"}},
                          {"name":"sidecar","usage":{"cpu":"5m","memory":"1Mi"}}]},
           {"metadata":{"name":"web-1","namespace":"default","creationTimestamp":null},
            "timestamp":"2026-08-21T03:12:09Z","window":"20.13s",
            "containers":[{"name":"app","usage":{"memory":"2Mi","cpu":"1"}}]}]})";

constexpr const char* kNodeList = R"({"kind":"NodeMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},
  "items":[{"metadata":{"name":"kwok-node-0","creationTimestamp":"2026-08-21T03:12:10Z",
                        "labels":{"type":"kwok"}},
            "timestamp":"2026-08-21T03:12:09Z","window":"30s","usage":{"cpu":"1500m","memory":"3Gi"}}]})";

Quantity q(const char* text) { return *Quantity::parse(text); }

}  // namespace

TEST_CASE("Go durations parse like time.ParseDuration", "[unit][resource_metrics]") {
  const auto [text, ns] = GENERATE(table<std::string, std::int64_t>({
      {"0", 0},
      {"30s", 30'000'000'000},
      {"1m0s", 60'000'000'000},
      {"1h2m3s", 3'723'000'000'000},
      {"20.13s", 20'130'000'000},
      {"1.5h", 5'400'000'000'000},
      {"500ms", 500'000'000},
      {"1.5ms", 1'500'000},
      {"10us", 10'000},
      {"10\xC2\xB5s", 10'000},
      {"7ns", 7},
      {"-2s", -2'000'000'000},
      {"+3s", 3'000'000'000},
      {".5s", 500'000'000},
      {"2562047h47m16.854775807s", 9'223'372'036'854'775'807},
  }));
  CAPTURE(text);
  auto parsed = parse_go_duration(text);
  REQUIRE(parsed);
  CHECK(*parsed == ns);
}

TEST_CASE("bad Go durations are InvalidArgument", "[unit][resource_metrics]") {
  const auto text = GENERATE(as<std::string>{}, "", "s", "30", "3x", ".s", "1..5s", "-", "2562047h47m16.854775808s",
                             "99999999999999999999h", "30 s");
  CAPTURE(text);
  auto parsed = parse_go_duration(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == Errc::InvalidArgument);
}

TEST_CASE("Go durations print like time.Duration.String", "[unit][resource_metrics]") {
  const auto [ns, text] = GENERATE(table<std::int64_t, std::string>({
      {0, "0s"},
      {30'000'000'000, "30s"},
      {60'000'000'000, "1m0s"},
      {90'500'000'000, "1m30.5s"},
      {3'600'000'000'000, "1h0m0s"},
      {20'130'000'000, "20.13s"},
      {500'000'000, "500ms"},
      {1'500'000, "1.5ms"},
      {10'000, "10\xC2\xB5s"},
      {7, "7ns"},
      {-2'000'000'000, "-2s"},
  }));
  CHECK(format_go_duration(ns) == text);
}

TEST_CASE("a PodMetricsList decodes every field and stamps the cluster", "[unit][resource_metrics]") {
  auto list = decode_resource_metrics_list(kPodList, ResourceMetricsKind::Pods, "member1");
  REQUIRE(list);
  CHECK(list->kind == ResourceMetricsKind::Pods);
  REQUIRE(list->items.size() == 2);
  const auto& a = list->items[0];
  CHECK(a.metadata.name == "web-0");
  CHECK(a.metadata.namespace_ == "default");
  CHECK(a.metadata.creation_timestamp == "2026-08-21T03:12:10Z");
  CHECK(a.metadata.labels == std::map<std::string, std::string>{{"app", "web"}});
  CHECK(a.timestamp == "2026-08-21T03:12:09Z");
  CHECK(a.window_ns == 60'000'000'000);
  REQUIRE(a.containers.size() == 2);
  CHECK(a.containers[0].name == "app");
  CHECK(a.containers[0].usage.at("cpu").milli_value() == 250);
  CHECK(a.containers[0].usage.at("memory").to_string() == "51300Ki");
  CHECK(a.cluster == "member1");
  CHECK(list->items[1].metadata.creation_timestamp.empty());
  CHECK(list->items[1].window_ns == 20'130'000'000);
}

TEST_CASE("a list encodes back to the member's bytes, in Go's field order", "[unit][resource_metrics]") {
  auto pods = decode_resource_metrics_list(kPodList, ResourceMetricsKind::Pods, "member1");
  REQUIRE(pods);
  // Same JSON as the input (null creationTimestamp kept), and byte for byte in Go's order (usage keys sorted).
  CHECK(Json::parse(encode_resource_metrics_list(*pods)) == Json::parse(kPodList));
  CHECK(encode_resource_metrics_list(*pods).rfind(
            R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[{"metadata":{"name":"web-0","namespace":"default","creationTimestamp":"2026-08-21T03:12:10Z","labels":{"app":"web"}},"timestamp":"2026-08-21T03:12:09Z","window":"1m0s","containers":[{"name":"app","usage":{"cpu":"250m","memory":"51300Ki"}})",
            0) == 0);
  auto nodes = decode_resource_metrics_list(kNodeList, ResourceMetricsKind::Nodes, "member2");
  REQUIRE(nodes);
  CHECK(Json::parse(encode_resource_metrics_list(*nodes)) == Json::parse(kNodeList));
  CHECK(nodes->items[0].usage.at("memory").to_string() == "3Gi");
}

TEST_CASE("a single object carries kind and apiVersion and round-trips", "[unit][resource_metrics]") {
  auto nodes = decode_resource_metrics_list(kNodeList, ResourceMetricsKind::Nodes, "m");
  REQUIRE(nodes);
  const std::string one = encode_resource_metrics(nodes->items[0], ResourceMetricsKind::Nodes);
  const auto j = Json::parse(one);
  CHECK(j["kind"] == "NodeMetrics");
  CHECK(j["apiVersion"] == "metrics.k8s.io/v1beta1");
  auto back = decode_resource_metrics(one, ResourceMetricsKind::Nodes, "m");
  REQUIRE(back);
  CHECK(*back == nodes->items[0]);
}

TEST_CASE("annotations are emitted (the cluster annotation reaches clients)", "[unit][resource_metrics]") {
  ResourceMetricsList list{ResourceMetricsKind::Pods, {}};
  ResourceMetrics m;
  m.metadata.name = "web-0";
  m.metadata.namespace_ = "default";
  m.metadata.annotations[std::string(kQuerySourceAnnotation)] = "member1";
  m.window_ns = 30'000'000'000;
  list.items.push_back(m);
  const auto j = Json::parse(encode_resource_metrics_list(list));
  CHECK(j["items"][0]["metadata"]["annotations"]["resource.karmada.io/query-from-cluster"] == "member1");
  CHECK(j["items"][0]["containers"] == Json::array());
  CHECK(j["items"][0]["timestamp"].is_null());
  CHECK(j["items"][0]["window"] == "30s");
}

TEST_CASE("undecodable member answers are ProtocolError naming the member and the field", "[unit][resource_metrics]") {
  const auto [body, fragment] = GENERATE(table<std::string, std::string>({
      {"not json", "invalid JSON"},
      {R"({"kind":"NodeMetricsList","items":[]})", "expected \"PodMetricsList\""},
      {R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1","items":[]})", "unsupported apiVersion"},
      {R"({"kind":"PodMetricsList","items":[{"metadata":{}}]})", "items[0].metadata.name: missing"},
      {R"({"kind":"PodMetricsList","items":[{"window":"1m"}]})", "items[0].metadata: missing"},
      {R"({"kind":"PodMetricsList","items":[{"metadata":{"name":"a"},"window":"forever"}]})", "items[0].window"},
      {R"({"kind":"PodMetricsList","items":[{"metadata":{"name":"a"},"containers":[{"name":"c","usage":{"cpu":"lots"}}]}]})",
       "items[0].containers[0].usage.cpu"},
      {R"({"kind":"PodMetricsList","items":[{"metadata":{"name":"a"},"containers":[{"usage":{}}]}]})",
       "containers[0].name: missing"},
      {R"({"kind":"PodMetricsList","items":[{"metadata":{"name":"a","labels":{"x":1}}}]})", "labels.x"},
  }));
  CAPTURE(body);
  auto r = decode_resource_metrics_list(body, ResourceMetricsKind::Pods, "member9");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::ProtocolError);
  CHECK_THAT(r.error().message, Catch::Contains("PodMetricsList from cluster member9") && Catch::Contains(fragment));
}

TEST_CASE("a single object of the wrong kind is refused", "[unit][resource_metrics]") {
  auto r = decode_resource_metrics(R"({"kind":"PodMetrics","metadata":{"name":"a"}})", ResourceMetricsKind::Nodes, "m");
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("NodeMetrics"));
}

TEST_CASE("a Table has metrics-server's columns, summed pod usage and one row per item", "[unit][resource_metrics]") {
  auto pods = decode_resource_metrics_list(kPodList, ResourceMetricsKind::Pods, "member1");
  REQUIRE(pods);
  const auto t = Json::parse(encode_resource_metrics_table(*pods, MetaVersion::V1, IncludeObject::Metadata));
  CHECK(t["kind"] == "Table");
  CHECK(t["apiVersion"] == "meta.k8s.io/v1");
  REQUIRE(t["columnDefinitions"].size() == 4);
  CHECK(t["columnDefinitions"][0] == Json::parse(R"({"name":"Name","type":"string","format":"name",
      "description":"Name of the resource","priority":0})"));
  CHECK(t["columnDefinitions"][1]["name"] == "cpu");
  CHECK(t["columnDefinitions"][1]["format"] == "quantity");
  CHECK(t["columnDefinitions"][2]["name"] == "memory");
  CHECK(t["columnDefinitions"][3]["name"] == "Window");
  CHECK(t["columnDefinitions"][3]["format"] == "duration");
  REQUIRE(t["rows"].size() == 2);
  // web-0: 250m + 5m cpu, 51300Ki + 1Mi memory
  CHECK(t["rows"][0]["cells"] == Json::parse(R"(["web-0","255m","52324Ki","1m0s"])"));
  CHECK(t["rows"][1]["cells"] == Json::parse(R"(["web-1","1","2Mi","20.13s"])"));
  CHECK(t["rows"][0]["object"]["kind"] == "PartialObjectMetadata");
  CHECK(t["rows"][0]["object"]["apiVersion"] == "meta.k8s.io/v1");
  CHECK(t["rows"][0]["object"]["metadata"]["name"] == "web-0");
  CHECK_FALSE(t["rows"][0]["object"].contains("containers"));
}

TEST_CASE("Table object inclusion follows includeObject, and v1beta1 is served", "[unit][resource_metrics]") {
  auto nodes = decode_resource_metrics_list(kNodeList, ResourceMetricsKind::Nodes, "m");
  REQUIRE(nodes);
  const auto none = Json::parse(encode_resource_metrics_table(*nodes, MetaVersion::V1Beta1, IncludeObject::None));
  CHECK(none["apiVersion"] == "meta.k8s.io/v1beta1");
  CHECK(none["rows"][0]["object"].is_null());
  CHECK(none["rows"][0]["cells"] == Json::parse(R"(["kwok-node-0","1500m","3Gi","30s"])"));
  const auto full = Json::parse(encode_resource_metrics_table(*nodes, MetaVersion::V1, IncludeObject::Object));
  CHECK(full["rows"][0]["object"]["kind"] == "NodeMetrics");
  CHECK(full["rows"][0]["object"]["usage"]["cpu"] == "1500m");
}

TEST_CASE("an empty Table has null columns and rows, as metrics-server's", "[unit][resource_metrics]") {
  const auto t = Json::parse(encode_resource_metrics_table({ResourceMetricsKind::Pods, {}}, MetaVersion::V1,
                                                           IncludeObject::Metadata));
  CHECK(t["columnDefinitions"].is_null());
  CHECK(t["rows"].is_null());
}

TEST_CASE("Table columns come from the first item, a later item lacking one shows 0", "[unit][resource_metrics]") {
  ResourceMetricsList list{ResourceMetricsKind::Nodes, {}};
  ResourceMetrics a, b;
  a.metadata.name = "a";
  a.usage = {{"cpu", q("1")}, {"memory", q("1Gi")}};
  b.metadata.name = "b";
  b.usage = {{"cpu", q("2")}, {"ephemeral-storage", q("5Gi")}};
  list.items = {a, b};
  const auto t = Json::parse(encode_resource_metrics_table(list, MetaVersion::V1, IncludeObject::None));
  CHECK(t["columnDefinitions"].size() == 4);
  CHECK(t["rows"][1]["cells"] == Json::parse(R"(["b","2","0","0s"])"));
}

TEST_CASE("PartialObjectMetadata and its list carry the metadata only", "[unit][resource_metrics]") {
  auto pods = decode_resource_metrics_list(kPodList, ResourceMetricsKind::Pods, "m");
  REQUIRE(pods);
  const auto one = Json::parse(encode_partial_object_metadata(pods->items[0], MetaVersion::V1));
  CHECK(one == Json::parse(R"({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
      "metadata":{"name":"web-0","namespace":"default","creationTimestamp":"2026-08-21T03:12:10Z","labels":{"app":"web"}}})"));
  const auto list = Json::parse(encode_partial_object_metadata_list(*pods, MetaVersion::V1Beta1));
  CHECK(list["kind"] == "PartialObjectMetadataList");
  CHECK(list["apiVersion"] == "meta.k8s.io/v1beta1");
  CHECK(list["items"].size() == 2);
  CHECK(list["items"][1]["apiVersion"] == "meta.k8s.io/v1beta1");
}
