#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "clients/kubeapi/metric_value.hpp"

namespace fedmetrics::kubeapi {
namespace {

Quantity q(const std::string& text) { return Quantity::parse(text).value(); }

MetricValue sample_pod_item() {
  MetricValue v;
  v.described_object = {"Pod", "default", "sample-app-7cfb596f98-8h5kw", "", "/v1", "", ""};
  v.metric_name = "http_requests";
  v.timestamp = "2026-08-21T03:12:09Z";
  v.value = q("66m");
  return v;
}

MetricValue full_item() {
  MetricValue v;
  v.described_object = {"Deployment", "prod", "web", "1234-abcd", "apps/v1", "42", "spec.replicas"};
  v.metric_name = "qps";
  v.metric_selector = LabelSelector{{{"route", "/api"}}, {{"code", "In", {"200", "201"}}, {"x", "Exists", {}}}};
  v.timestamp = "2026-08-21T03:12:10Z";
  v.window_seconds = 60;
  v.value = q("1.5Gi");
  return v;
}

const std::string kGoldenV1Beta2 =
    R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[)"
    R"({"describedObject":{"kind":"Pod","namespace":"default","name":"sample-app-7cfb596f98-8h5kw","apiVersion":"/v1"},)"
    R"("metric":{"name":"http_requests","selector":null},"timestamp":"2026-08-21T03:12:09Z","value":"66m"}]})";

const std::string kGoldenV1Beta1 =
    R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[)"
    R"({"describedObject":{"kind":"Pod","namespace":"default","name":"sample-app-7cfb596f98-8h5kw","apiVersion":"/v1"},)"
    R"("metricName":"http_requests","timestamp":"2026-08-21T03:12:09Z","value":"66m","selector":null}]})";

const std::string kFullV1Beta2 =
    R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[)"
    R"({"describedObject":{"kind":"Deployment","namespace":"prod","name":"web","uid":"1234-abcd",)"
    R"("apiVersion":"apps/v1","resourceVersion":"42","fieldPath":"spec.replicas"},)"
    R"("metric":{"name":"qps","selector":{"matchLabels":{"route":"/api"},"matchExpressions":[)"
    R"({"key":"code","operator":"In","values":["200","201"]},{"key":"x","operator":"Exists"}]}},)"
    R"("timestamp":"2026-08-21T03:12:10Z","windowSeconds":60,"value":"1536Mi"}]})";

const std::string kFullV1Beta1 =
    R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[)"
    R"({"describedObject":{"kind":"Deployment","namespace":"prod","name":"web","uid":"1234-abcd",)"
    R"("apiVersion":"apps/v1","resourceVersion":"42","fieldPath":"spec.replicas"},)"
    R"("metricName":"qps","timestamp":"2026-08-21T03:12:10Z","window":60,"value":"1536Mi",)"
    R"("selector":{"matchLabels":{"route":"/api"},"matchExpressions":[)"
    R"({"key":"code","operator":"In","values":["200","201"]},{"key":"x","operator":"Exists"}]}}]})";

}  // namespace

TEST_CASE("custom metrics lists encode in the field order of each version", "[unit][metric_value]") {
  MetricValueList list{{sample_pod_item()}};
  CHECK(encode_metric_value_list(list, CustomMetricsVersion::V1Beta2) == kGoldenV1Beta2);
  CHECK(encode_metric_value_list(list, CustomMetricsVersion::V1Beta1) == kGoldenV1Beta1);
  MetricValueList full{{full_item()}};
  CHECK(encode_metric_value_list(full, CustomMetricsVersion::V1Beta2) == kFullV1Beta2);
  CHECK(encode_metric_value_list(full, CustomMetricsVersion::V1Beta1) == kFullV1Beta1);
}

TEST_CASE("an empty custom metrics list has an empty items list and the internal cluster is never emitted",
          "[unit][metric_value]") {
  CHECK(encode_metric_value_list({}, CustomMetricsVersion::V1Beta2) ==
        R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[]})");
  MetricValue v = sample_pod_item();
  v.cluster = "member-secret-name";
  v.timestamp.clear();
  const auto out = encode_metric_value_list({{v}}, CustomMetricsVersion::V1Beta2);
  CHECK(out.find("member-secret-name") == std::string::npos);
  CHECK(out.find(R"("timestamp":null)") != std::string::npos);
}

TEST_CASE("strings that are not plain ASCII are escaped as nlohmann escapes them", "[unit][metric_value]") {
  // The list encoder writes plain strings directly and hands every other string to nlohmann: quotes,
  // backslashes, control characters, UTF-8 and invalid UTF-8 (replaced by U+FFFD) must come out as before.
  MetricValue v = sample_pod_item();
  v.described_object.name = std::string("a\"b\\c\x01\td\xc3\xa9") + "\xff" + "\x7f";
  v.timestamp = "";
  const auto out = encode_metric_value_list({{v}}, CustomMetricsVersion::V1Beta2);
  CHECK(out == R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[)"
               R"({"describedObject":{"kind":"Pod","namespace":"default","name":"a\"b\\c\u0001\td)"
               "\xc3\xa9\xef\xbf\xbd\x7f"
               R"(","apiVersion":"/v1"},"metric":{"name":"http_requests","selector":null},"timestamp":null,)"
               R"("value":"66m"}]})");
}

TEST_CASE("the fast decoding path and the full decoder agree, value for value and error for error",
          "[unit][metric_value]") {
  const std::string v2 = R"("kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2",)";
  const std::string item2 =
      R"({"describedObject":{"kind":"Pod","namespace":"default","name":"p-0","apiVersion":"/v1"},)"
      R"("metric":{"name":"http_requests","selector":null},"timestamp":"2026-08-21T03:12:09Z","value":"66m"})";
  const std::vector<std::string> inputs = {
      encode_metric_value_list({{sample_pod_item(), sample_pod_item()}}, CustomMetricsVersion::V1Beta2),
      encode_metric_value_list({{sample_pod_item()}}, CustomMetricsVersion::V1Beta1),
      encode_metric_value_list({{full_item()}}, CustomMetricsVersion::V1Beta2),  // a selector: full decoder
      encode_metric_value_list({{full_item()}}, CustomMetricsVersion::V1Beta1),
      encode_metric_value_list({}, CustomMetricsVersion::V1Beta2),
      // whitespace, windowSeconds, metadata fields, items null
      "{ \"kind\" : \"MetricValueList\",\n \"apiVersion\":\"custom.metrics.k8s.io/v1beta2\", \"metadata\":{\"resourceVersion\":\"\"},"
      " \"items\": [ {\"describedObject\":{\"kind\":\"Pod\",\"name\":\"p\",\"uid\":null},\"metric\":{\"name\":\"m\"},"
      "\"timestamp\":null,\"windowSeconds\":60,\"value\":\" 1.5 \"} ] }\r\n",
      "{" + v2 + R"("metadata":{},"items":null})",
      "{" + v2 + R"("items":[)" + item2 + "," + item2 + "]}",
      // shapes the fast path leaves to the full decoder
      R"({"items":[)" + item2 + R"(],"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2"})",
      R"({"kind":"MetricValueList","items":[)" + item2 + "]}",
      "{" + v2 + v2 + R"("items":[]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"a\"b"},"metric":{"name":"m"},"value":"1"}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":5}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":null}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":"abc"}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":""},"metric":{"name":"m"},"value":"1"}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{},"value":"1"}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"}}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":"1","windowSeconds":1.5}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":"1","windowSeconds":01}]})",
      // 18, 19 and 20 digits: the fast path gives up beyond 18 without overflowing (a fuzzer find)
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":"1","windowSeconds":123456789012345678}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":"1","windowSeconds":1844674407370955161}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":"1","windowSeconds":-18446744073709551616}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":"1","extra":1}]})",
      "{" + v2 + R"("items":[)" + item2 + "]} trailing",
      "{" + v2 + R"("items":[)" + item2 + ",]}",
      R"({"kind":"Other","apiVersion":"custom.metrics.k8s.io/v1beta2","items":[]})",
      R"({"kind":"MetricValueList","apiVersion":"v9","items":[]})",
      R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","items":[{"describedObject":{"kind":"Pod","name":"p"},"metricName":"m","window":30,"selector":null,"value":"2"}]})",
      R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","items":[{"describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"},"value":"2"}]})",
      "{" + v2 + R"("items":[{"describedObject":{"kind":"Pod","name":"p\u00e9"},"metric":{"name":"m"},"value":"1"}]})",
      "{" + v2 + "\"items\":[{\"describedObject\":{\"kind\":\"Pod\",\"name\":\"p\xc3\xa9\"},\"metric\":{\"name\":\"m\"},\"value\":\"1\"}]}",
      "",
      "[]",
  };
  for (const auto& text : inputs) {
    INFO(text);
    const auto fast = decode_metric_value_list(text, "member1");
    const auto full = decode_metric_value_list_full_for_test(text, "member1");
    REQUIRE(fast.has_value() == full.has_value());
    if (fast) {
      CHECK(*fast == *full);
    } else {
      CHECK(fast.error().message == full.error().message);
    }
  }
}

TEST_CASE("versions and names print as on the wire", "[unit][metric_value]") {
  CHECK(to_string(CustomMetricsVersion::V1Beta1) == "v1beta1");
  CHECK(to_string(CustomMetricsVersion::V1Beta2) == "v1beta2");
}

TEST_CASE("custom metrics lists round-trip through both versions", "[unit][metric_value]") {
  const auto from = GENERATE(CustomMetricsVersion::V1Beta1, CustomMetricsVersion::V1Beta2);
  const auto to = GENERATE(CustomMetricsVersion::V1Beta1, CustomMetricsVersion::V1Beta2);
  CAPTURE(to_string(from), to_string(to));
  MetricValueList list{{sample_pod_item(), full_item()}};
  auto decoded = decode_metric_value_list(encode_metric_value_list(list, from), "member1");
  REQUIRE(decoded.has_value());
  for (auto& item : list.items) {
    item.cluster = "member1";
  }
  CHECK(*decoded == list);
  // Converting what a member sent in one version to the other is purely structural.
  const std::string golden_to = to == CustomMetricsVersion::V1Beta2 ? kFullV1Beta2 : kFullV1Beta1;
  auto member = decode_metric_value_list(from == CustomMetricsVersion::V1Beta2 ? kFullV1Beta2 : kFullV1Beta1, "m");
  REQUIRE(member.has_value());
  CHECK(encode_metric_value_list(*member, to) == golden_to);
}

TEST_CASE("custom metrics decoding is lenient where Go is", "[unit][metric_value]") {
  SECTION("a number value, null value and null timestamp") {
    auto list = decode_metric_value_list(
        R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","items":[
             {"describedObject":{"name":"a"},"metric":{"name":"m"},"timestamp":null,"value":1.5},
             {"describedObject":{"name":"b"},"metric":{"name":"m"},"value":3},
             {"describedObject":{"name":"c"},"metric":{"name":"m"},"value":null},
             {"describedObject":{"name":"d"},"metric":{"name":"m"},"value":" 2Ki "}]})",
        "c1");
    REQUIRE(list.has_value());
    REQUIRE(list->items.size() == 4);
    CHECK(list->items[0].value.to_string() == "1500m");
    CHECK(list->items[0].timestamp.empty());
    CHECK(list->items[1].value.to_string() == "3");
    CHECK(list->items[2].value.is_zero());
    CHECK(list->items[3].value.to_string() == "2Ki");
    CHECK(list->items[3].cluster == "c1");
  }
  SECTION("null items is an empty list") {
    auto list = decode_metric_value_list(R"({"kind":"MetricValueList","items":null})", "c1");
    REQUIRE(list.has_value());
    CHECK(list->items.empty());
  }
  SECTION("without apiVersion each item's shape decides its version") {
    auto list = decode_metric_value_list(
        R"({"kind":"MetricValueList","items":[
             {"describedObject":{"name":"a"},"metricName":"old","window":30,"value":"1"},
             {"describedObject":{"name":"b"},"metric":{"name":"new"},"windowSeconds":15,"value":"2"}]})",
        "c1");
    REQUIRE(list.has_value());
    REQUIRE(list->items.size() == 2);
    CHECK(list->items[0].metric_name == "old");
    CHECK(list->items[0].window_seconds == 30);
    CHECK(list->items[1].metric_name == "new");
    CHECK(list->items[1].window_seconds == 15);
  }
}

TEST_CASE("malformed member custom metrics answers are ProtocolErrors with a precise message",
          "[unit][metric_value]") {
  const std::string item_v2 = R"("describedObject":{"kind":"Pod","name":"p"},"metric":{"name":"m"})";
  auto list_v2 = [](const std::string& items) {
    return R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","items":[)" + items + "]}";
  };
  auto list_v1 = [](const std::string& items) {
    return R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","items":[)" + items + "]}";
  };
  const auto [body, message] = GENERATE_REF(table<std::string, std::string>({
      {"", "invalid JSON"},
      {kGoldenV1Beta2.substr(0, kGoldenV1Beta2.size() / 2), "invalid JSON"},
      {kGoldenV1Beta2.substr(0, kGoldenV1Beta2.size() - 1), "invalid JSON"},
      {"[]", "body is not a JSON object"},
      {"null", "body is not a JSON object"},
      {R"({"apiVersion":"custom.metrics.k8s.io/v1beta2","items":[]})", "missing kind"},
      {R"({"kind":"Status","apiVersion":"v1","status":"Failure"})", "kind is \"Status\", expected \"MetricValueList\""},
      {R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1","items":[]})", "unsupported apiVersion"},
      {R"({"kind":"MetricValueList","items":{}})", "items is not an array"},
      {R"({"kind":"MetricValueList","items":"x"})", "items is not an array"},
      {list_v2("1"), "items[0]: expected an object, got number"},
      {list_v2("{" + item_v2 + R"(,"value":"abc"})"), "items[0].value: quantity \"abc\""},
      {list_v2("{" + item_v2 + R"(,"value":"1.2.3"})"), "items[0].value"},
      {list_v2("{" + item_v2 + "}"), "items[0].value: missing"},
      {list_v2("{" + item_v2 + R"(,"value":true})"), "items[0].value: expected a quantity string, got boolean"},
      {list_v2(R"({"metric":{"name":"m"},"value":"1"})"), "items[0].describedObject: missing"},
      {list_v2(R"({"describedObject":"p","metric":{"name":"m"},"value":"1"})"),
       "items[0].describedObject: expected an object, got string"},
      {list_v2(R"({"describedObject":{"kind":"Pod"},"metric":{"name":"m"},"value":"1"})"),
       "items[0].describedObject.name: missing"},
      {list_v2(R"({"describedObject":{"kind":7,"name":"p"},"metric":{"name":"m"},"value":"1"})"),
       "items[0].describedObject.kind: expected a string, got number"},
      {list_v2(R"({"describedObject":{"name":"p"},"value":"1"})"), "items[0].metric: missing or not an object"},
      {list_v2(R"({"describedObject":{"name":"p"},"metric":{"name":5},"value":"1"})"),
       "items[0].metric.name: expected a string"},
      {list_v2(R"({"describedObject":{"name":"p"},"metric":{"name":""},"value":"1"})"), "empty metric name"},
      {list_v1(R"({"describedObject":{"name":"p"},"value":"1"})"), "items[0].metricName: missing"},
      {list_v2("{" + item_v2 + R"(,"windowSeconds":"60","value":"1"})"), "items[0].windowSeconds: expected an int64"},
      {list_v2("{" + item_v2 + R"(,"windowSeconds":1.5,"value":"1"})"), "items[0].windowSeconds: expected an int64"},
      {list_v1(R"({"describedObject":{"name":"p"},"metricName":"m","window":-1.0,"value":"1"})"),
       "items[0].window: expected an int64"},
      {list_v2(R"({"describedObject":{"name":"p"},"metric":{"name":"m","selector":"a=b"},"value":"1"})"),
       "items[0].metric.selector: expected an object, got string"},
      {list_v2(R"({"describedObject":{"name":"p"},"metric":{"name":"m","selector":{"matchLabels":{"a":1}}},"value":"1"})"),
       "items[0].metric.selector.matchLabels.a: expected a string"},
      {list_v1(R"({"describedObject":{"name":"p"},"metricName":"m","selector":{"matchExpressions":{}},"value":"1"})"),
       "items[0].selector.matchExpressions: expected an array"},
      {list_v1(R"({"describedObject":{"name":"p"},"metricName":"m","selector":{"matchExpressions":[{"key":"a"}]},"value":"1"})"),
       "items[0].selector.matchExpressions[0].operator: missing"},
      {list_v2("{" + item_v2 + R"(,"value":"1"},{"describedObject":{"name":"q"},"value":"1"})"),
       "items[1].metric: missing or not an object"},
      {std::string(100, '[') + std::string(100, ']'), "nested deeper than"},
      {R"({"kind":"MetricValueList","items":[],"x":")" + std::string(1, '\xff') + R"("})", "invalid JSON"},
  }));
  CAPTURE(body);
  const auto list = decode_metric_value_list(body, "member1");
  REQUIRE_FALSE(list.has_value());
  CHECK(list.error().code == Errc::ProtocolError);
  CHECK_THAT(list.error().message, Catch::StartsWith("MetricValueList from cluster member1: "));
  CHECK_THAT(list.error().message, Catch::Contains(message));
}

TEST_CASE("external metrics lists encode with metricLabels always present", "[unit][metric_value]") {
  ExternalMetricValueList list;
  list.items.push_back({"queue_messages_ready", {{"queue", "worker_tasks"}}, "2026-08-21T03:12:09Z", std::nullopt,
                        q("12"), "member1"});
  list.items.push_back({"queue_messages_ready", {}, "2026-08-21T03:12:09Z", 30, q("0.5"), "member2"});
  const std::string golden =
      R"({"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1","metadata":{},"items":[)"
      R"({"metricName":"queue_messages_ready","metricLabels":{"queue":"worker_tasks"},)"
      R"("timestamp":"2026-08-21T03:12:09Z","value":"12"},)"
      R"({"metricName":"queue_messages_ready","metricLabels":{},"timestamp":"2026-08-21T03:12:09Z",)"
      R"("window":30,"value":"500m"}]})";
  CHECK(encode_external_metric_value_list(list) == golden);
  CHECK(encode_external_metric_value_list({}) ==
        R"({"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1","metadata":{},"items":[]})");

  auto decoded = decode_external_metric_value_list(golden, "member3");
  REQUIRE(decoded.has_value());
  for (auto& item : list.items) {
    item.cluster = "member3";
  }
  CHECK(*decoded == list);
}

TEST_CASE("malformed member external metrics answers are ProtocolErrors", "[unit][metric_value]") {
  auto list = [](const std::string& items) {
    return R"({"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1","items":[)" + items +
           "]}";
  };
  const auto [body, message] = GENERATE_REF(table<std::string, std::string>({
      {R"({"kind":"ExternalMetricValueList","items":[)", "invalid JSON"},
      {R"({"kind":"MetricValueList","items":[]})", "expected \"ExternalMetricValueList\""},
      {R"({"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v2","items":[]})",
       "unsupported apiVersion"},
      {R"({"kind":"ExternalMetricValueList","items":5})", "items is not an array"},
      {list(R"({"metricLabels":{},"value":"1"})"), "items[0].metricName: missing"},
      {list(R"({"metricName":"m","metricLabels":[],"value":"1"})"), "items[0].metricLabels: expected an object"},
      {list(R"({"metricName":"m","metricLabels":{"a":null},"value":"1"})"), "items[0].metricLabels.a: expected a string"},
      {list(R"({"metricName":"m","value":"5Xi"})"), "items[0].value: quantity \"5Xi\""},
      {list(R"({"metricName":"m","value":{}})"), "items[0].value: expected a quantity string, got object"},
      {list(R"({"metricName":"m","window":"30s","value":"1"})"), "items[0].window: expected an int64"},
  }));
  CAPTURE(body);
  const auto decoded = decode_external_metric_value_list(body, "m2");
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().code == Errc::ProtocolError);
  CHECK_THAT(decoded.error().message, Catch::StartsWith("ExternalMetricValueList from cluster m2: "));
  CHECK_THAT(decoded.error().message, Catch::Contains(message));
}

}  // namespace fedmetrics::kubeapi
