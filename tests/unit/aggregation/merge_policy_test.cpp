#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aggregation/merge_policy.hpp"
#include "tests/support/catch_result.hpp"

namespace fedmetrics::aggregation {
namespace {

using kubeapi::CustomMetricsVersion;
using kubeapi::ExternalMetricValue;
using kubeapi::MetricValue;
using kubeapi::Quantity;

Quantity q(const std::string& text) { return Quantity::parse(text).value(); }

MetricValue pod(const std::string& ns, const std::string& name, const std::string& value,
                const std::string& timestamp = "2026-08-21T03:12:09Z", std::optional<std::int64_t> window = 60,
                const std::string& metric = "http_requests") {
  MetricValue v;
  v.described_object = {"Pod", ns, name, "", "/v1", "", ""};
  v.metric_name = metric;
  v.timestamp = timestamp;
  v.window_seconds = window;
  v.value = q(value);
  return v;
}

ExternalMetricValue ext(const std::string& name, std::map<std::string, std::string> labels, const std::string& value,
                        const std::string& timestamp = "2026-08-21T03:12:09Z",
                        std::optional<std::int64_t> window = std::nullopt) {
  return {name, std::move(labels), timestamp, window, q(value), ""};
}

std::vector<std::string> names_and_clusters(const kubeapi::MetricValueList& list) {
  std::vector<std::string> out;
  for (const auto& i : list.items) {
    out.push_back(i.described_object.namespace_ + "/" + i.described_object.name + "@" + i.cluster + "=" +
                  i.value.to_string());
  }
  return out;
}

std::vector<MemberCustomResult> three_members() {
  return {
      {"member-b", {{pod("default", "web-0", "250m"), pod("default", "web-1", "2"), pod("alpha", "api-0", "1")}}},
      {"member-a", {{pod("default", "web-0", "100m", "2026-08-21T03:12:11Z"), pod("default", "db-0", "3")}}},
      {"member-c", {{pod("default", "web-0", "1", "2026-08-21T03:12:10Z")}}},
  };
}

}  // namespace

TEST_CASE("merge_custom keeps every item with its cluster, ordered by namespace, name, cluster",
          "[unit][merge]") {
  auto members = three_members();
  members[0].list.items[0].cluster = "spoofed";  // the member's own claim is overwritten
  const auto merged = merge_custom(members);
  CHECK(names_and_clusters(merged) == std::vector<std::string>{
                                          "alpha/api-0@member-b=1",
                                          "default/db-0@member-a=3",
                                          "default/web-0@member-a=100m",
                                          "default/web-0@member-b=250m",
                                          "default/web-0@member-c=1",
                                          "default/web-1@member-b=2",
                                      });
}

TEST_CASE("collapse_duplicates sums the same object across clusters in cluster-name order", "[unit][merge]") {
  const auto collapsed = collapse_duplicates(merge_custom(three_members()));
  CHECK(names_and_clusters(collapsed) == std::vector<std::string>{
                                             "alpha/api-0@member-b=1",
                                             "default/db-0@member-a=3",
                                             "default/web-0@member-a,member-b,member-c=1350m",
                                             "default/web-1@member-b=2",
                                         });
  REQUIRE(collapsed.items.size() == 4);
  const MetricValue& web0 = collapsed.items[2];
  CHECK(web0.described_object.name == "web-0");
  CHECK(web0.value.to_string() == "1350m");
  CHECK(web0.cluster == "member-a,member-b,member-c");
  CHECK(web0.timestamp == "2026-08-21T03:12:11Z");  // the latest
  CHECK(web0.window_seconds == 60);                  // all equal: kept
  CHECK(collapsed.items[3].described_object.name == "web-1");
  CHECK(collapsed.items[3].cluster == "member-b");
}

TEST_CASE("merge output does not depend on the order members answered", "[unit][merge]") {
  auto members = three_members();
  std::sort(members.begin(), members.end(),
            [](const MemberCustomResult& a, const MemberCustomResult& b) { return a.cluster < b.cluster; });
  const auto expected_merged = merge_custom(members);
  const auto expected_wire =
      kubeapi::encode_metric_value_list(collapse_duplicates(expected_merged), CustomMetricsVersion::V1Beta2);
  int permutations = 0;
  do {
    auto shuffled = members;
    for (auto& m : shuffled) {
      std::reverse(m.list.items.begin(), m.list.items.end());
    }
    CHECK(merge_custom(shuffled) == expected_merged);
    CHECK(kubeapi::encode_metric_value_list(collapse_duplicates(merge_custom(shuffled)),
                                            CustomMetricsVersion::V1Beta2) == expected_wire);
    ++permutations;
  } while (std::next_permutation(members.begin(), members.end(), [](const auto& a, const auto& b) {
    return a.cluster < b.cluster;
  }));
  CHECK(permutations == 6);
}

TEST_CASE("summed values keep the A.4 format rule in cluster-name order", "[unit][merge]") {
  const auto [first, second, sum] = GENERATE(table<std::string, std::string, std::string>({
      {"1Ki", "1Ki", "2Ki"},      // BinarySI + BinarySI
      {"1024", "1Ki", "2048"},    // DecimalSI + BinarySI stays DecimalSI
      {"1Ki", "1024", "2Ki"},     // BinarySI + DecimalSI stays BinarySI
      {"0", "1Mi", "1Mi"},        // a zero left operand takes the right's format
      {"66m", "34m", "100m"},     // milli values
      {"1500m", "500m", "2"},     // carries into units
      {"1e3", "1k", "2e3"},       // DecimalExponent stays DecimalExponent
      {"-1", "250m", "-750m"},    // signed values
  }));
  CAPTURE(first, second);
  // "a" sorts before "b" whatever order the members answer in.
  const auto order = GENERATE(0, 1);
  std::vector<MemberCustomResult> members{{"a", {{pod("ns", "p", first)}}}, {"b", {{pod("ns", "p", second)}}}};
  if (order == 1) {
    std::swap(members[0], members[1]);
  }
  const auto collapsed = collapse_duplicates(merge_custom(members));
  REQUIRE(collapsed.items.size() == 1);
  CHECK(collapsed.items[0].value.to_string() == sum);
  CHECK(collapsed.items[0].cluster == "a,b");
}

TEST_CASE("collapse_duplicates only merges the same object and metric", "[unit][merge]") {
  MetricValue svc = pod("default", "web-0", "5");
  svc.described_object.kind = "Service";
  std::vector<MemberCustomResult> members{
      {"c1", {{pod("default", "web-0", "1"), pod("other", "web-0", "2"), pod("default", "web-0", "3", "", 60, "rps")}}},
      {"c2", {{svc, pod("default", "web-0", "4")}}},
  };
  const auto collapsed = collapse_duplicates(merge_custom(members));
  REQUIRE(collapsed.items.size() == 4);
  // namespace, name, then kind and metric name
  CHECK(collapsed.items[0].metric_name == "http_requests");
  CHECK(collapsed.items[0].described_object.kind == "Pod");
  CHECK(collapsed.items[0].value.to_string() == "5");  // 1 + 4
  CHECK(collapsed.items[0].cluster == "c1,c2");
  CHECK(collapsed.items[1].metric_name == "rps");
  CHECK(collapsed.items[1].value.to_string() == "3");
  CHECK(collapsed.items[2].described_object.kind == "Service");
  CHECK(collapsed.items[2].cluster == "c2");
  CHECK(collapsed.items[3].described_object.namespace_ == "other");
}

TEST_CASE("collapse_duplicates omits a window the clusters disagree on", "[unit][merge]") {
  std::vector<MemberCustomResult> members{
      {"c1", {{pod("ns", "p", "1", "t", 60), pod("ns", "q", "1", "t", std::nullopt)}}},
      {"c2", {{pod("ns", "p", "1", "t", 30), pod("ns", "q", "1", "t", std::nullopt)}}},
  };
  const auto collapsed = collapse_duplicates(merge_custom(members));
  REQUIRE(collapsed.items.size() == 2);
  CHECK_FALSE(collapsed.items[0].window_seconds.has_value());
  CHECK_FALSE(collapsed.items[1].window_seconds.has_value());
  members[1].list.items[0].window_seconds = 60;
  CHECK(collapse_duplicates(merge_custom(members)).items[0].window_seconds == 60);
}

TEST_CASE("a contribution that would overflow is skipped and its cluster not listed", "[unit][merge]") {
  std::vector<MemberCustomResult> members{
      {"a", {{pod("ns", "p", "9e27")}}},
      {"b", {{pod("ns", "p", "9e27")}}},
      {"c", {{pod("ns", "p", "5e26")}}},
  };
  const auto collapsed = collapse_duplicates(merge_custom(members));
  REQUIRE(collapsed.items.size() == 1);
  CHECK(collapsed.items[0].value.compare(q("9.5e27")) == 0);
  CHECK(collapsed.items[0].value.to_string() == "9500e24");
  CHECK(collapsed.items[0].cluster == "a,c");
}

TEST_CASE("merging empty inputs gives empty lists", "[unit][merge]") {
  CHECK(merge_custom({}).items.empty());
  CHECK(merge_custom({{"c1", {}}, {"c2", {}}}).items.empty());
  CHECK(collapse_duplicates({}).items.empty());
  CHECK(merge_external({}).items.empty());
  CHECK(merge_external({{"c1", {}}}).items.empty());
  CHECK(collapse_external({}).items.empty());
  CHECK(kubeapi::encode_metric_value_list(collapse_duplicates(merge_custom({{"c1", {}}})),
                                          CustomMetricsVersion::V1Beta2) ==
        R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[]})");
}

TEST_CASE("member answers decode, merge and encode to a byte-exact wire answer", "[unit][merge]") {
  const std::string member1 =
      R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[
          {"describedObject":{"kind":"Pod","namespace":"default","name":"web-1","apiVersion":"/v1"},
           "metric":{"name":"http_requests","selector":null},"timestamp":"2026-08-21T03:12:09Z","value":"66m"},
          {"describedObject":{"kind":"Pod","namespace":"default","name":"web-0","apiVersion":"/v1"},
           "metric":{"name":"http_requests","selector":null},"timestamp":"2026-08-21T03:12:09Z","value":"34m"}]})";
  const std::string member2 =
      R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[
          {"describedObject":{"kind":"Pod","namespace":"default","name":"web-0","apiVersion":"/v1"},
           "metricName":"http_requests","timestamp":"2026-08-21T03:12:19Z","value":"1","selector":null}]})";
  auto l1 = kubeapi::decode_metric_value_list(member1, "member1");
  auto l2 = kubeapi::decode_metric_value_list(member2, "member2");
  REQUIRE(l1.has_value());
  REQUIRE(l2.has_value());
  const auto wire = collapse_duplicates(merge_custom({{"member2", *l2}, {"member1", *l1}}));
  CHECK(kubeapi::encode_metric_value_list(wire, CustomMetricsVersion::V1Beta1) ==
        R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[)"
        R"({"describedObject":{"kind":"Pod","namespace":"default","name":"web-0","apiVersion":"/v1"},)"
        R"("metricName":"http_requests","timestamp":"2026-08-21T03:12:19Z","value":"1034m","selector":null},)"
        R"({"describedObject":{"kind":"Pod","namespace":"default","name":"web-1","apiVersion":"/v1"},)"
        R"("metricName":"http_requests","timestamp":"2026-08-21T03:12:09Z","value":"66m","selector":null}]})");
}

TEST_CASE("merge_external keeps identity ordered by metric, labels, cluster", "[unit][merge]") {
  std::vector<MemberExternalResult> members{
      {"c2", {{ext("queue", {{"q", "b"}}, "1"), ext("queue", {{"q", "a"}}, "2"), ext("lag", {}, "7")}}},
      {"c1", {{ext("queue", {{"q", "a"}}, "3")}}},
  };
  const auto merged = merge_external(members);
  REQUIRE(merged.items.size() == 4);
  CHECK(merged.items[0].metric_name == "lag");
  CHECK(merged.items[1].metric_labels.at("q") == "a");
  CHECK(merged.items[1].cluster == "c1");
  CHECK(merged.items[2].metric_labels.at("q") == "a");
  CHECK(merged.items[2].cluster == "c2");
  CHECK(merged.items[3].metric_labels.at("q") == "b");
  std::reverse(members.begin(), members.end());
  CHECK(merge_external(members) == merged);
}

TEST_CASE("collapse_external sums the same metric with identical labels", "[unit][merge]") {
  std::vector<MemberExternalResult> members{
      {"c2", {{ext("queue", {{"q", "a"}}, "1Ki", "2026-08-21T03:12:20Z", 30), ext("queue", {{"q", "b"}}, "1")}}},
      {"c1", {{ext("queue", {{"q", "a"}}, "1024", "2026-08-21T03:12:09Z", 30),
               ext("queue", {{"q", "a"}, {"x", "y"}}, "5")}}},
  };
  const auto collapsed = collapse_external(merge_external(members));
  REQUIRE(collapsed.items.size() == 3);
  CHECK(collapsed.items[0].metric_labels == std::map<std::string, std::string>{{"q", "a"}});
  CHECK(collapsed.items[0].value.to_string() == "2048");  // c1's DecimalSI first
  CHECK(collapsed.items[0].cluster == "c1,c2");
  CHECK(collapsed.items[0].timestamp == "2026-08-21T03:12:20Z");
  CHECK(collapsed.items[0].window_seconds == 30);
  CHECK(collapsed.items[1].metric_labels.size() == 2);
  CHECK(collapsed.items[1].value.to_string() == "5");
  CHECK(collapsed.items[2].metric_labels.at("q") == "b");
  CHECK(collapsed.items[2].cluster == "c2");
}

}  // namespace fedmetrics::aggregation

namespace fedmetrics::aggregation {

TEST_CASE("collapse_duplicates gives the same answer for unsorted input and for runs mixing metrics",
          "[unit][merge]") {
  // merge_custom's sorted output takes a run-based fast path; these inputs take the general one.
  const auto merged = merge_custom(three_members());
  auto reversed = merged;
  std::reverse(reversed.items.begin(), reversed.items.end());
  CHECK(collapse_duplicates(reversed) == collapse_duplicates(merged));

  auto mixed = three_members();
  mixed[1].list.items.push_back(pod("default", "web-0", "5", "2026-08-21T03:12:09Z", 60, "a_metric"));
  const auto collapsed = collapse_duplicates(merge_custom(mixed));
  std::vector<std::string> metrics;
  for (const auto& i : collapsed.items) metrics.push_back(i.described_object.name + "/" + i.metric_name + "@" + i.cluster);
  CHECK(metrics == std::vector<std::string>{"api-0/http_requests@member-b", "db-0/http_requests@member-a",
                                            "web-0/a_metric@member-a", "web-0/http_requests@member-a,member-b,member-c",
                                            "web-1/http_requests@member-b"});
}

}  // namespace fedmetrics::aggregation

// ---- resource metrics ----

namespace fedmetrics::aggregation {
namespace {

kubeapi::ResourceMetrics pod_metrics(const std::string& ns, const std::string& name, const std::string& cpu) {
  kubeapi::ResourceMetrics m;
  m.metadata.name = name;
  m.metadata.namespace_ = ns;
  m.window_ns = 30'000'000'000;
  m.containers = {{"app", {{"cpu", q(cpu)}}}};
  return m;
}

MemberResourceResult member_pods(const std::string& cluster, std::vector<kubeapi::ResourceMetrics> items) {
  return {cluster, kubeapi::ResourceMetricsList{kubeapi::ResourceMetricsKind::Pods, std::move(items)}};
}

}  // namespace

TEST_CASE("resource metrics are the union of the members' items, never summed", "[unit][merge][resource]") {
  auto merged = merge_resource({member_pods("member2", {pod_metrics("default", "web-0", "300m")}),
                                member_pods("member1", {pod_metrics("default", "web-1", "100m"),
                                                        pod_metrics("default", "web-0", "200m"),
                                                        pod_metrics("apps", "api-0", "5m")})},
                               kubeapi::ResourceMetricsKind::Pods);
  CHECK(merged.kind == kubeapi::ResourceMetricsKind::Pods);
  std::vector<std::string> order;
  for (const auto& i : merged.items) {
    order.push_back(i.metadata.namespace_ + "/" + i.metadata.name + "@" + i.cluster + "=" +
                    i.containers.at(0).usage.at("cpu").to_string());
    // the member is on the wire as Karmada's annotation
    CHECK(i.metadata.annotations.at("resource.karmada.io/query-from-cluster") == i.cluster);
  }
  // ordered by namespace, name, cluster; the two web-0 stay two items with their own values
  CHECK(order == std::vector<std::string>{"apps/api-0@member1=5m", "default/web-0@member1=200m",
                                          "default/web-0@member2=300m", "default/web-1@member1=100m"});
}

TEST_CASE("the cluster annotation replaces one the member sent", "[unit][merge][resource]") {
  auto item = pod_metrics("default", "web-0", "1");
  item.metadata.annotations = {{"resource.karmada.io/query-from-cluster", "spoofed"}, {"other", "kept"}};
  auto merged = merge_resource({member_pods("member1", {item})}, kubeapi::ResourceMetricsKind::Pods);
  CHECK(merged.items.at(0).metadata.annotations ==
        std::map<std::string, std::string>{{"other", "kept"}, {"resource.karmada.io/query-from-cluster", "member1"}});
}

TEST_CASE("a get by name found in several clusters is a Conflict naming them", "[unit][merge][resource]") {
  auto merged = merge_resource({member_pods("member2", {pod_metrics("default", "web-0", "1")}),
                                member_pods("member1", {pod_metrics("default", "web-0", "2")})},
                               kubeapi::ResourceMetricsKind::Pods);
  auto r = single_object(merged, "web-0");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Conflict);
  CHECK(r.error().message ==
        "Operation cannot be fulfilled on pods.metrics.k8s.io \"web-0\": the pod web-0 exists in more than one "
        "cluster: member1, member2");
  auto one = single_object(merge_resource({member_pods("member1", {pod_metrics("default", "web-0", "2")})},
                                          kubeapi::ResourceMetricsKind::Pods),
                           "web-0");
  REQUIRE(one);
  CHECK(one->items.size() == 1);
}

}  // namespace fedmetrics::aggregation
