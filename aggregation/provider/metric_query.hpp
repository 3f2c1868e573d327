#pragma once
// What a metrics request asks for, after routing and validation (aggregated-api.md §1.6, §1.8).
#include <string>
#include <vector>

#include "clients/base/error.hpp"
#include "clients/kubeapi/metric_value.hpp"
#include "clients/kubeapi/resource_metrics.hpp"

namespace fedmetrics::provider {

/// A plural resource with its API group: pods (core), deployments.apps, ingresses.networking.k8s.io.
struct GroupResource {
  std::string group;
  std::string resource;
  /// "pods" for the core group, "<resource>.<group>" otherwise.
  std::string to_string() const { return group.empty() ? resource : resource + "." + group; }
  /// Splits at the first dot (schema.ParseGroupResource).
  static GroupResource parse(std::string_view text) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos) return {"", std::string(text)};
    return {std::string(text.substr(dot + 1)), std::string(text.substr(0, dot))};
  }
  bool operator==(const GroupResource&) const = default;
  auto operator<=>(const GroupResource&) const = default;
};

/// A custom metrics read. `name` empty means "every object matching label_selector" (the `*` form).
/// `namespace_` empty means a cluster-scoped object (or the Namespace-object form, resource `namespaces`).
/// Selectors are already validated and in canonical string form ("" = everything).
struct MetricQuery {
  kubeapi::CustomMetricsVersion version = kubeapi::CustomMetricsVersion::V1Beta2;
  GroupResource resource;
  std::string namespace_;
  std::string name;
  std::string metric_name;
  std::string label_selector;
  std::string metric_label_selector;
  bool operator==(const MetricQuery&) const = default;
};

/// An external metrics read: namespaces/{ns}/{metric}?labelSelector= (a selector on metric labels).
struct ExternalQuery {
  std::string namespace_;
  std::string metric_name;
  std::string label_selector;
  bool operator==(const ExternalQuery&) const = default;
};

/// A resource metrics read (metrics.k8s.io/v1beta1, aggregated-api.md §1.9): `pods` in a namespace or in all
/// namespaces (`namespace_` empty), or `nodes`; a list by the selectors, or a get by name. Selectors are
/// already validated and in canonical string form ("" = everything).
struct ResourceQuery {
  kubeapi::ResourceMetricsKind kind = kubeapi::ResourceMetricsKind::Pods;
  std::string namespace_;
  std::string name;
  std::string label_selector;
  std::string field_selector;
  bool operator==(const ResourceQuery&) const = default;
};

/// One entry of custom metrics discovery: (group-resource, metric, namespaced).
struct CustomMetricInfo {
  GroupResource resource;
  std::string metric;
  bool namespaced = true;
  bool operator==(const CustomMetricInfo&) const = default;
  auto operator<=>(const CustomMetricInfo&) const = default;
};

struct ExternalMetricInfo {
  std::string metric;
  bool operator==(const ExternalMetricInfo&) const = default;
  auto operator<=>(const ExternalMetricInfo&) const = default;
};

/// A member that did not contribute to an answer, and why (NotFound included: the metric or object is
/// unknown there).
struct MemberFailure {
  std::string cluster;
  Errc code = Errc::Internal;
  std::string message;
  bool operator==(const MemberFailure&) const = default;
};

/// A successful answer, possibly partial: one warning per member that failed (sent as `Warning:` headers),
/// the members whose answers were merged (for the audit log), and every member that did not contribute
/// (the FederatedHPA loop treats an Object/External metric missing from a target member as failed).
template <class List>
struct Answer {
  List list;
  std::vector<std::string> warnings;
  std::vector<std::string> members;
  std::vector<MemberFailure> failed;
};

using CustomAnswer = Answer<kubeapi::MetricValueList>;
using ExternalAnswer = Answer<kubeapi::ExternalMetricValueList>;
using ResourceAnswer = Answer<kubeapi::ResourceMetricsList>;

}  // namespace fedmetrics::provider
