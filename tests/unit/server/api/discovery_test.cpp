#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>

#include "server/api/discovery.hpp"

namespace fedmetrics::api {
namespace {

using Json = nlohmann::json;
using provider::CustomMetricInfo;
using provider::ExternalMetricInfo;

/// name -> namespaced, in document order
std::vector<std::pair<std::string, bool>> entries(const std::string& doc) {
  const auto j = Json::parse(doc);
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& e : j.at("resources")) out.emplace_back(e.at("name").get<std::string>(), e.at("namespaced").get<bool>());
  return out;
}

using Entries = std::vector<std::pair<std::string, bool>>;

}  // namespace

TEST_CASE("served groups and versions", "[unit][discovery]") {
  const auto [group, version, served] = GENERATE(table<std::string, std::string, bool>({
      {"custom.metrics.k8s.io", "v1beta2", true},
      {"custom.metrics.k8s.io", "v1beta1", true},
      {"custom.metrics.k8s.io", "v1", false},
      {"external.metrics.k8s.io", "v1beta1", true},
      {"external.metrics.k8s.io", "v1beta2", false},
      {"metrics.k8s.io", "v1beta1", true},
      {"metrics.k8s.io", "v1", false},
      {"", "", false},
  }));
  CAPTURE(group, version);
  CHECK(serves(group, version) == served);
}

TEST_CASE("find_group knows the three groups, preferred version first", "[unit][discovery]") {
  const auto* custom = find_group("custom.metrics.k8s.io");
  REQUIRE(custom != nullptr);
  CHECK(custom->versions == std::vector<std::string_view>{"v1beta2", "v1beta1"});
  const auto* external = find_group("external.metrics.k8s.io");
  REQUIRE(external != nullptr);
  CHECK(external->versions == std::vector<std::string_view>{"v1beta1"});
  const auto* resource = find_group("metrics.k8s.io");
  REQUIRE(resource != nullptr);
  CHECK(resource->versions == std::vector<std::string_view>{"v1beta1"});
  CHECK(find_group("Custom.Metrics.k8s.io") == nullptr);
}

TEST_CASE("the group documents have the legacy discovery shape", "[unit][discovery]") {
  CHECK(api_group_json(*find_group("custom.metrics.k8s.io")) ==
        R"({"kind":"APIGroup","apiVersion":"v1","name":"custom.metrics.k8s.io","versions":[)"
        R"({"groupVersion":"custom.metrics.k8s.io/v1beta2","version":"v1beta2"},)"
        R"({"groupVersion":"custom.metrics.k8s.io/v1beta1","version":"v1beta1"}],)"
        R"("preferredVersion":{"groupVersion":"custom.metrics.k8s.io/v1beta2","version":"v1beta2"}})");
  const auto list = Json::parse(api_group_list_json());
  CHECK(list["kind"] == "APIGroupList");
  CHECK(list["apiVersion"] == "v1");
  REQUIRE(list["groups"].size() == 3);
  CHECK(list["groups"][1]["name"] == "external.metrics.k8s.io");
  CHECK(list["groups"][2]["name"] == "metrics.k8s.io");
  CHECK_FALSE(list["groups"][1].contains("serverAddressByClientCIDRs"));
}

TEST_CASE("resource metrics discovery lists nodes and pods as metrics-server does", "[unit][discovery]") {
  const auto j = Json::parse(resource_metrics_resource_list_json());
  CHECK(j["groupVersion"] == "metrics.k8s.io/v1beta1");
  CHECK(j["resources"] == Json::parse(R"([
      {"name":"nodes","singularName":"","namespaced":false,"kind":"NodeMetrics","verbs":["get","list"]},
      {"name":"pods","singularName":"","namespaced":true,"kind":"PodMetrics","verbs":["get","list"]}])"));
}

TEST_CASE("custom discovery gives every metric of a resource one scope", "[unit][discovery]") {
  SECTION("a resource is namespaced if any of its metrics is") {
    const auto doc = custom_resource_list_json(
        "v1beta2", {{{"", "pods"}, "a", true}, {{"", "pods"}, "b", false}, {{"", "nodes"}, "c", false}});
    CHECK(entries(doc) == Entries{{"nodes/c", false}, {"pods/a", true}, {"pods/b", true}});
  }
  SECTION("the order of the mixed entries does not matter") {
    const auto doc = custom_resource_list_json("v1beta2", {{{"", "pods"}, "b", false}, {{"", "pods"}, "a", true}});
    CHECK(entries(doc) == Entries{{"pods/a", true}, {"pods/b", true}});
  }
  SECTION("namespaces are always cluster-scoped") {
    const auto doc = custom_resource_list_json(
        "v1beta2", {{{"", "namespaces"}, "q", true}, {{"", "namespaces"}, "r", false}});
    CHECK(entries(doc) == Entries{{"namespaces/q", false}, {"namespaces/r", false}});
  }
  SECTION("the group is part of the resource") {
    const auto doc = custom_resource_list_json(
        "v1beta2", {{{"apps", "deployments"}, "m", true}, {{"", "deployments"}, "m", false}});
    CHECK(entries(doc) == Entries{{"deployments.apps/m", true}, {"deployments/m", false}});
  }
  SECTION("a group-qualified namespaces resource is not the Namespace kind") {
    const auto doc = custom_resource_list_json("v1beta2", {{{"example.io", "namespaces"}, "m", true}});
    CHECK(entries(doc) == Entries{{"namespaces.example.io/m", true}});
  }
}

TEST_CASE("custom discovery removes duplicates, sorts, and skips empty names", "[unit][discovery]") {
  const auto doc = custom_resource_list_json("v1beta1", {
                                                             {{"", "pods"}, "z", true},
                                                             {{"batch", "jobs"}, "m", true},
                                                             {{"", "pods"}, "a", true},
                                                             {{"", "pods"}, "z", true},
                                                             {{}, "orphan", true},
                                                             {{"", "pods"}, "", true},
                                                             {{"", ""}, "x", false},
                                                         });
  CHECK(entries(doc) == Entries{{"jobs.batch/m", true}, {"pods/a", true}, {"pods/z", true}});
}

TEST_CASE("custom discovery entries have the APIResource fields clients need", "[unit][discovery]") {
  const auto version = GENERATE(as<std::string>{}, "v1beta1", "v1beta2");
  const auto j = Json::parse(custom_resource_list_json(version, {{{"", "pods"}, "http_requests", true}}));
  CHECK(j["kind"] == "APIResourceList");
  CHECK(j["apiVersion"] == "v1");
  CHECK(j["groupVersion"] == "custom.metrics.k8s.io/" + version);
  REQUIRE(j["resources"].size() == 1);
  CHECK(j["resources"][0] == Json{{"name", "pods/http_requests"},
                                  {"singularName", ""},
                                  {"namespaced", true},
                                  {"kind", "MetricValueList"},
                                  {"verbs", {"get"}}});
}

TEST_CASE("discovery with no metrics lists an empty resources list (never null)", "[unit][discovery]") {
  CHECK(custom_resource_list_json("v1beta2", {}) ==
        R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"custom.metrics.k8s.io/v1beta2","resources":[]})");
  CHECK(external_resource_list_json({}) ==
        R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"external.metrics.k8s.io/v1beta1","resources":[]})");
  CHECK(Json::parse(external_resource_list_json({{""}}))["resources"] == Json::array());
}

TEST_CASE("external discovery lists each metric once, sorted, namespaced", "[unit][discovery]") {
  const auto j = Json::parse(external_resource_list_json({{"b"}, {"a"}, {"b"}, {""}}));
  REQUIRE(j["resources"].size() == 2);
  CHECK(j["resources"][0]["name"] == "a");
  CHECK(j["resources"][1] == Json{{"name", "b"},
                                  {"singularName", ""},
                                  {"namespaced", true},
                                  {"kind", "ExternalMetricValueList"},
                                  {"verbs", {"get"}}});
}

TEST_CASE("OpenAPI documents parse as JSON", "[unit][discovery][openapi]") {
  SECTION("v2") {
    const auto j = Json::parse(openapi_v2_json("v1.2.3"));
    CHECK(j["swagger"] == "2.0");
    CHECK(j["info"]["version"] == "v1.2.3");
    CHECK(j["paths"].size() == 12);
    std::set<std::string> ids;
    for (const auto& [path, item] : j["paths"].items()) ids.insert(item["get"]["operationId"].get<std::string>());
    CHECK(ids.size() == 12);  // unique across the document
    CHECK(ids.count("listMetricsV1beta1NamespacedPodMetrics") == 1);
    CHECK(ids.count("readMetricsV1beta1NodeMetrics") == 1);
    CHECK(j["paths"]["/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods"]["get"]["responses"]["200"]["schema"]
           ["$ref"] == "#/definitions/io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetricsList");
    CHECK(j["definitions"]["io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics"]["x-kubernetes-group-version-kind"] ==
          Json::array({{{"group", "metrics.k8s.io"}, {"version", "v1beta1"}, {"kind", "NodeMetrics"}}}));
    CHECK(ids.count("readCustomMetricsV1beta2NamespacedObjectMetricValueList") == 1);
    CHECK(ids.count("readExternalMetricsV1beta1NamespacedExternalMetricValueList") == 1);
    CHECK(j["definitions"].contains("io.k8s.metrics.pkg.apis.custom_metrics.v1beta2.MetricValueList"));
    CHECK(j["definitions"].contains("io.k8s.metrics.pkg.apis.custom_metrics.v1beta1.MetricValue"));
    CHECK(j["definitions"].contains("io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValueList"));
    CHECK(j["definitions"]["io.k8s.metrics.pkg.apis.custom_metrics.v1beta2.MetricValueList"]
           ["x-kubernetes-group-version-kind"] ==
          Json::array({{{"group", "custom.metrics.k8s.io"}, {"version", "v1beta2"}, {"kind", "MetricValueList"}}}));
  }
  SECTION("v3 root") {
    const auto j = Json::parse(openapi_v3_root_json("v1.2.3"));
    CHECK(j["paths"].size() == 4);
    CHECK(j["paths"].contains("apis/external.metrics.k8s.io/v1beta1"));
    CHECK(j["paths"].contains("apis/metrics.k8s.io/v1beta1"));
    CHECK_FALSE(j["paths"].contains("version"));
    CHECK_FALSE(j["paths"].contains("apis"));
  }
  SECTION("v3 group documents") {
    const auto [group, version] = GENERATE(table<std::string, std::string>({
        {"custom.metrics.k8s.io", "v1beta2"},
        {"custom.metrics.k8s.io", "v1beta1"},
        {"external.metrics.k8s.io", "v1beta1"},
        {"metrics.k8s.io", "v1beta1"},
    }));
    CAPTURE(group, version);
    const auto j = Json::parse(openapi_v3_group_json(group, version, "v1.2.3"));
    CHECK(j["openapi"] == "3.0.0");
    CHECK_FALSE(j["paths"].empty());
    CHECK_FALSE(j["components"]["schemas"].empty());
    CHECK(j.dump().find("#/definitions/") == std::string::npos);
    std::set<std::string> ids;
    for (const auto& [path, item] : j["paths"].items()) {
      CAPTURE(path);
      CHECK(ids.insert(item["get"]["operationId"].get<std::string>()).second);
    }
  }
  SECTION("v3 of an unserved version is empty") {
    CHECK(openapi_v3_group_json("custom.metrics.k8s.io", "v1", "v1.2.3").empty());
    CHECK(openapi_v3_group_json("metrics.k8s.io", "v1", "v1.2.3").empty());
  }
}

TEST_CASE("the v3 root hash changes with the document", "[unit][discovery][openapi]") {
  const auto a = Json::parse(openapi_v3_root_json("v1.0.0"));
  const auto b = Json::parse(openapi_v3_root_json("v2.0.0"));
  const std::string key = "apis/custom.metrics.k8s.io/v1beta2";
  CHECK(a["paths"][key]["serverRelativeURL"] != b["paths"][key]["serverRelativeURL"]);
  CHECK(a == Json::parse(openapi_v3_root_json("v1.0.0")));
}

}  // namespace fedmetrics::api
