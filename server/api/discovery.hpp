#pragma once
// Legacy discovery and OpenAPI documents for the groups we serve (aggregated-api.md §1.2, §1.4).
// Pure functions: the inputs are the metric lists the provider advertises.
#include <string>
#include <string_view>
#include <vector>

#include "aggregation/provider/metric_query.hpp"

namespace fedmetrics::api {

inline constexpr std::string_view kCustomGroup = "custom.metrics.k8s.io";
inline constexpr std::string_view kExternalGroup = "external.metrics.k8s.io";
inline constexpr std::string_view kResourceGroup = "metrics.k8s.io";

/// The versions of a group, preferred first.
struct GroupVersions {
  std::string_view group;
  std::vector<std::string_view> versions;
};

/// custom.metrics.k8s.io (v1beta2, v1beta1), external.metrics.k8s.io (v1beta1), metrics.k8s.io (v1beta1).
const std::vector<GroupVersions>& served_groups();
/// Null when `group` is not served.
const GroupVersions* find_group(std::string_view group);
bool serves(std::string_view group, std::string_view version);

/// GET /apis: APIGroupList of every served group.
std::string api_group_list_json();
/// GET /apis/<group>: APIGroup listing every version, preferred first.
std::string api_group_json(const GroupVersions& group);

/// GET /apis/custom.metrics.k8s.io/<version>: one entry per (resource, metric), sorted, duplicates
/// removed. A resource's entries share one scope (mixed scopes break the aggregator's conversion): a
/// resource is namespaced if any of its metrics is, except `namespaces`, which is always cluster-scoped.
std::string custom_resource_list_json(std::string_view version, std::vector<provider::CustomMetricInfo> metrics);
/// GET /apis/external.metrics.k8s.io/v1beta1: one namespaced entry per metric.
std::string external_resource_list_json(std::vector<provider::ExternalMetricInfo> metrics);

/// GET /apis/metrics.k8s.io/v1beta1: `nodes` (cluster-scoped, NodeMetrics) and `pods` (namespaced,
/// PodMetrics), verbs get and list, as metrics-server lists them.
std::string resource_metrics_resource_list_json();

/// GET /openapi/v2: a Swagger 2.0 document with the read paths and list schemas of every served version.
std::string openapi_v2_json(std::string_view server_version);
/// GET /openapi/v3: the root listing one entry per served group-version.
std::string openapi_v3_root_json(std::string_view server_version);
/// GET /openapi/v3/apis/<group>/<version>: an OpenAPI 3.0 document for one group-version; "" if not served.
std::string openapi_v3_group_json(std::string_view group, std::string_view version, std::string_view server_version);

}  // namespace fedmetrics::api
