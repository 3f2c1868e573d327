#include "server/api/discovery.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace fedmetrics::api {
namespace {

using Json = nlohmann::ordered_json;

Json group_version(std::string_view group, std::string_view version) {
  return Json{{"groupVersion", std::string(group) + "/" + std::string(version)}, {"version", version}};
}

Json group_body(const GroupVersions& g) {
  Json versions = Json::array();
  for (const auto v : g.versions) versions.push_back(group_version(g.group, v));
  return Json{{"name", g.group}, {"versions", versions}, {"preferredVersion", group_version(g.group, g.versions.front())}};
}

std::string resource_list(std::string_view group_version_text, Json resources) {
  Json doc;
  doc["kind"] = "APIResourceList";
  doc["apiVersion"] = "v1";
  doc["groupVersion"] = group_version_text;
  doc["resources"] = std::move(resources);
  return doc.dump();
}

// ---- OpenAPI ---------------------------------------------------------------------------------

struct ReadPath {
  std::string path;
  std::vector<std::string> params;        ///< path parameters in order
  std::vector<std::string> query_params;  ///< optional query parameters
  std::string operation_id;               ///< unique across the document
  std::string kind;                       ///< the response's schema (a kind of the group-version)
};

std::string capitalized(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::vector<ReadPath> read_paths(std::string_view group, std::string_view version) {
  const std::string base = "/apis/" + std::string(group) + "/" + std::string(version);
  if (group == kResourceGroup) {
    // metrics-server's REST routes (aggregated-api.md §1.9); operation ids as the apiserver names them.
    const std::string v = "MetricsV" + std::string(version.substr(1));
    const std::vector<std::string> list_params{"labelSelector", "fieldSelector"};
    return {
        {base + "/nodes", {}, list_params, "list" + v + "NodeMetrics", "NodeMetricsList"},
        {base + "/nodes/{name}", {"name"}, {}, "read" + v + "NodeMetrics", "NodeMetrics"},
        {base + "/pods", {}, list_params, "list" + v + "PodMetricsForAllNamespaces", "PodMetricsList"},
        {base + "/namespaces/{namespace}/pods", {"namespace"}, list_params, "list" + v + "NamespacedPodMetrics",
         "PodMetricsList"},
        {base + "/namespaces/{namespace}/pods/{name}", {"namespace", "name"}, {}, "read" + v + "NamespacedPodMetrics",
         "PodMetrics"},
    };
  }
  // operationId: readCustomMetricsV1beta2NamespacedObjectMetricValueList
  const bool external = group == kExternalGroup;
  const std::string prefix = std::string("read") + (external ? "ExternalMetrics" : "CustomMetrics") + capitalized(version);
  const std::string kind = external ? "ExternalMetricValueList" : "MetricValueList";
  if (external) {
    return {{base + "/namespaces/{namespace}/{metric}", {"namespace", "metric"}, {"labelSelector"},
             prefix + "Namespaced" + kind, kind}};
  }
  return {
      {base + "/namespaces/{namespace}/{resource}/{name}/{metric}", {"namespace", "resource", "name", "metric"},
       {"labelSelector", "metricLabelSelector"}, prefix + "NamespacedObject" + kind, kind},
      {base + "/namespaces/{namespace}/metrics/{metric}", {"namespace", "metric"}, {"metricLabelSelector"},
       prefix + "Namespace" + kind, kind},
      {base + "/{resource}/{name}/{metric}", {"resource", "name", "metric"}, {"labelSelector", "metricLabelSelector"},
       prefix + "ClusterObject" + kind, kind},
  };
}

std::string schema_prefix(std::string_view group, std::string_view version) {
  const std::string pkg = group == kExternalGroup ? "external_metrics" : group == kResourceGroup ? "metrics" : "custom_metrics";
  return "io.k8s.metrics.pkg.apis." + pkg + "." + std::string(version) + ".";
}

Json list_schema(std::string_view group, std::string_view version, const std::string& kind, const std::string& item) {
  const Json string_t{{"type", "string"}};
  const Json list_meta{{"type", "object"}, {"properties", {{"continue", string_t}, {"resourceVersion", string_t}}}};
  return {{"type", "object"},
          {"required", {"items"}},
          {"properties",
           {{"kind", string_t},
            {"apiVersion", string_t},
            {"metadata", list_meta},
            {"items", {{"type", "array"}, {"items", {{"$ref", "#/definitions/" + schema_prefix(group, version) + item}}}}}}},
          {"x-kubernetes-group-version-kind", Json::array({{{"group", group}, {"version", version}, {"kind", kind}}})}};
}

/// Schemas of the list and item types of one group-version, keyed by their Go-style definition name.
Json schemas(std::string_view group, std::string_view version) {
  const std::string p = schema_prefix(group, version);
  const Json string_t{{"type", "string"}};
  const Json int64_t_{{"type", "integer"}, {"format", "int64"}};
  const Json quantity{{"type", "string"}, {"description", "a resource.Quantity in canonical form"}};
  const Json timestamp{{"type", "string"}, {"format", "date-time"}};
  const Json string_map{{"type", "object"}, {"additionalProperties", string_t}};
  const Json label_selector{{"type", "object"},
                            {"description", "metav1.LabelSelector"},
                            {"properties",
                             {{"matchLabels", string_map},
                              {"matchExpressions", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  Json out = Json::object();
  if (group == kResourceGroup) {
    const Json resource_list{{"type", "object"}, {"additionalProperties", quantity}};
    const Json object_meta{{"type", "object"},
                           {"description", "metav1.ObjectMeta"},
                           {"properties",
                            {{"name", string_t},
                             {"namespace", string_t},
                             {"creationTimestamp", timestamp},
                             {"labels", string_map},
                             {"annotations", string_map}}}};
    const Json window{{"type", "string"}, {"description", "a Go duration (metav1.Duration)"}};
    out[p + "ContainerMetrics"] = {{"type", "object"},
                                   {"required", {"name", "usage"}},
                                   {"properties", {{"name", string_t}, {"usage", resource_list}}}};
    // PodMetrics and NodeMetrics differ in one field: containers (per-container usage) or usage.
    const auto object = [&](const char* kind, const char* field, Json field_schema) {
      Json props{{"kind", string_t},   {"apiVersion", string_t}, {"metadata", object_meta},
                 {"timestamp", timestamp}, {"window", window}};
      props[field] = std::move(field_schema);
      return Json{{"type", "object"},
                  {"required", {"timestamp", "window", field}},
                  {"properties", std::move(props)},
                  {"x-kubernetes-group-version-kind", Json::array({{{"group", group}, {"version", version}, {"kind", kind}}})}};
    };
    out[p + "PodMetrics"] = object("PodMetrics", "containers",
                                   {{"type", "array"}, {"items", {{"$ref", "#/definitions/" + p + "ContainerMetrics"}}}});
    out[p + "NodeMetrics"] = object("NodeMetrics", "usage", resource_list);
    out[p + "PodMetricsList"] = list_schema(group, version, "PodMetricsList", "PodMetrics");
    out[p + "NodeMetricsList"] = list_schema(group, version, "NodeMetricsList", "NodeMetrics");
    return out;
  }
  if (group == kExternalGroup) {
    out[p + "ExternalMetricValue"] = {
        {"type", "object"},
        {"required", {"metricName", "metricLabels", "timestamp", "value"}},
        {"properties",
         {{"metricName", string_t},
          {"metricLabels", string_map},
          {"timestamp", timestamp},
          {"window", int64_t_},
          {"value", quantity}}}};
    out[p + "ExternalMetricValueList"] = list_schema(group, version, "ExternalMetricValueList", "ExternalMetricValue");
    return out;
  }
  const Json object_ref{{"type", "object"},
                        {"properties",
                         {{"kind", string_t},
                          {"namespace", string_t},
                          {"name", string_t},
                          {"uid", string_t},
                          {"apiVersion", string_t},
                          {"resourceVersion", string_t},
                          {"fieldPath", string_t}}}};
  Json item_props;
  if (version == "v1beta1") {
    item_props = {{"describedObject", object_ref}, {"metricName", string_t}, {"timestamp", timestamp},
                  {"window", int64_t_},           {"value", quantity},       {"selector", label_selector}};
  } else {
    item_props = {{"describedObject", object_ref},
                  {"metric",
                   {{"type", "object"},
                    {"required", {"name"}},
                    {"properties", {{"name", string_t}, {"selector", label_selector}}}}},
                  {"timestamp", timestamp},
                  {"windowSeconds", int64_t_},
                  {"value", quantity}};
  }
  out[p + "MetricValue"] = {{"type", "object"},
                            {"required", {"describedObject", "timestamp", "value"}},
                            {"properties", item_props}};
  out[p + "MetricValueList"] = list_schema(group, version, "MetricValueList", "MetricValue");
  return out;
}

Json swagger_operation(const ReadPath& path, std::string_view group, std::string_view version, bool v3) {
  const std::string ref = (v3 ? "#/components/schemas/" : "#/definitions/") + schema_prefix(group, version) + path.kind;
  Json params = Json::array();
  auto string_param = [&](const std::string& name, const char* where, bool required) {
    Json p{{"name", name}, {"in", where}, {"required", required}};
    if (v3) {
      p["schema"] = {{"type", "string"}};
    } else {
      p["type"] = "string";
    }
    return p;
  };
  for (const auto& name : path.params) params.push_back(string_param(name, "path", true));
  for (const auto& name : path.query_params) params.push_back(string_param(name, "query", false));
  Json op{{"operationId", path.operation_id}, {"produces", {"application/json"}}, {"parameters", params}};
  if (v3) {
    op.erase("produces");
    op["responses"] = {{"200",
                        {{"description", "OK"},
                         {"content", {{"application/json", {{"schema", {{"$ref", ref}}}}}}}}}};
  } else {
    op["responses"] = {{"200", {{"description", "OK"}, {"schema", {{"$ref", ref}}}}}};
  }
  return Json{{"get", op}};
}

std::string fnv_hex(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  static const char kHex[] = "0123456789ABCDEF";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return out;
}

}  // namespace

const std::vector<GroupVersions>& served_groups() {
  static const std::vector<GroupVersions> groups{
      {kCustomGroup, {"v1beta2", "v1beta1"}},
      {kExternalGroup, {"v1beta1"}},
      {kResourceGroup, {"v1beta1"}},
  };
  return groups;
}

const GroupVersions* find_group(std::string_view group) {
  for (const auto& g : served_groups()) {
    if (g.group == group) return &g;
  }
  return nullptr;
}

bool serves(std::string_view group, std::string_view version) {
  const auto* g = find_group(group);
  return g != nullptr && std::find(g->versions.begin(), g->versions.end(), version) != g->versions.end();
}

std::string api_group_list_json() {
  Json groups = Json::array();
  for (const auto& g : served_groups()) groups.push_back(group_body(g));
  return Json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}}.dump();
}

std::string api_group_json(const GroupVersions& group) {
  Json doc{{"kind", "APIGroup"}, {"apiVersion", "v1"}};
  const Json body = group_body(group);
  for (const auto& [k, v] : body.items()) doc[k] = v;
  return doc.dump();
}

std::string custom_resource_list_json(std::string_view version, std::vector<provider::CustomMetricInfo> metrics) {
  std::map<provider::GroupResource, bool> namespaced;
  for (const auto& m : metrics) namespaced[m.resource] = namespaced[m.resource] || m.namespaced;
  namespaced.erase(provider::GroupResource{});
  if (auto it = namespaced.find(provider::GroupResource{"", "namespaces"}); it != namespaced.end()) {
    it->second = false;
  }
  std::set<std::pair<std::string, bool>> entries;
  for (const auto& m : metrics) {
    if (m.resource.resource.empty() || m.metric.empty()) continue;
    entries.emplace(m.resource.to_string() + "/" + m.metric, namespaced[m.resource]);
  }
  Json resources = Json::array();
  for (const auto& [name, is_namespaced] : entries) {
    resources.push_back({{"name", name},
                         {"singularName", ""},
                         {"namespaced", is_namespaced},
                         {"kind", "MetricValueList"},
                         {"verbs", {"get"}}});
  }
  return resource_list(std::string(kCustomGroup) + "/" + std::string(version), std::move(resources));
}

std::string external_resource_list_json(std::vector<provider::ExternalMetricInfo> metrics) {
  std::set<std::string> names;
  for (const auto& m : metrics) {
    if (!m.metric.empty()) names.insert(m.metric);
  }
  Json resources = Json::array();
  for (const auto& name : names) {
    resources.push_back({{"name", name},
                         {"singularName", ""},
                         {"namespaced", true},
                         {"kind", "ExternalMetricValueList"},
                         {"verbs", {"get"}}});
  }
  return resource_list(std::string(kExternalGroup) + "/v1beta1", std::move(resources));
}

std::string resource_metrics_resource_list_json() {
  // metrics-server's APIResourceList (kubectl api-resources shows NodeMetrics / PodMetrics).
  Json resources = Json::array();
  resources.push_back({{"name", "nodes"}, {"singularName", ""}, {"namespaced", false}, {"kind", "NodeMetrics"},
                       {"verbs", {"get", "list"}}});
  resources.push_back({{"name", "pods"}, {"singularName", ""}, {"namespaced", true}, {"kind", "PodMetrics"},
                       {"verbs", {"get", "list"}}});
  return resource_list(std::string(kResourceGroup) + "/v1beta1", std::move(resources));
}

std::string openapi_v2_json(std::string_view server_version) {
  Json paths = Json::object();
  Json definitions = Json::object();
  for (const auto& g : served_groups()) {
    for (const auto v : g.versions) {
      for (const auto& p : read_paths(g.group, v)) paths[p.path] = swagger_operation(p, g.group, v, false);
      const Json group_schemas = schemas(g.group, v);  // named: items() of a temporary would dangle
      for (const auto& [name, schema] : group_schemas.items()) definitions[name] = schema;
    }
  }
  return Json{{"swagger", "2.0"},
              {"info", {{"title", "fedmetrics-adapter"}, {"version", server_version}}},
              {"paths", paths},
              {"definitions", definitions}}
      .dump();
}

std::string openapi_v3_group_json(std::string_view group, std::string_view version, std::string_view server_version) {
  if (!serves(group, version)) return "";
  Json paths = Json::object();
  for (const auto& p : read_paths(group, version)) paths[p.path] = swagger_operation(p, group, version, true);
  // The v2-style "#/definitions/" references inside the item schemas become component references.
  std::string components = schemas(group, version).dump();
  for (std::size_t pos; (pos = components.find("#/definitions/")) != std::string::npos;) {
    components.replace(pos, 14, "#/components/schemas/");
  }
  return Json{{"openapi", "3.0.0"},
              {"info", {{"title", "fedmetrics-adapter"}, {"version", server_version}}},
              {"paths", paths},
              {"components", {{"schemas", Json::parse(components)}}}}
      .dump();
}

std::string openapi_v3_root_json(std::string_view server_version) {
  Json paths = Json::object();
  for (const auto& g : served_groups()) {
    for (const auto v : g.versions) {
      const std::string key = "apis/" + std::string(g.group) + "/" + std::string(v);
      const std::string hash = fnv_hex(openapi_v3_group_json(g.group, v, server_version));
      paths[key] = {{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash}};
    }
  }
  return Json{{"paths", paths}}.dump();
}

}  // namespace fedmetrics::api
