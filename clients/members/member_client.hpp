#pragma once
// Talking to one member cluster's metrics APIs. The interface is the seam the aggregation layer fans out
// over; KubeMemberClient is the production implementation, FakeMemberClient (tests/fakes) the scripted one.
#include <chrono>
#include <string>
#include <vector>

#include "clients/base/net.hpp"
#include "clients/base/result.hpp"
#include "clients/kubeapi/metric_value.hpp"
#include "clients/kubeapi/resource_metrics.hpp"

namespace fedmetrics::members {

using Deadline = std::chrono::steady_clock::time_point;

/// A custom-metrics read as sent to a member (aggregated-api.md §1.6). Mirrors provider::MetricQuery
/// without depending on the aggregation layer (STYLE.md §3).
struct CustomMetricsRequest {
  std::string group;                  ///< "" for the core group
  std::string resource;               ///< plural: pods, deployments, namespaces
  std::string namespace_;             ///< "" for cluster-scoped objects and the Namespace-object form
  std::string name;                   ///< "" = every object matching label_selector (sent as %2A)
  std::string metric;
  std::string label_selector;         ///< canonical selector string, "" = everything
  std::string metric_label_selector;
  bool operator==(const CustomMetricsRequest&) const = default;
};

/// An external-metrics read (aggregated-api.md §1.8).
struct ExternalMetricsRequest {
  std::string namespace_;
  std::string metric;
  std::string label_selector;
  bool operator==(const ExternalMetricsRequest&) const = default;
};

/// A resource-metrics read (metrics.k8s.io/v1beta1 pods or nodes, aggregated-api.md §1.9).
struct ResourceMetricsRequest {
  kubeapi::ResourceMetricsKind kind = kubeapi::ResourceMetricsKind::Pods;
  std::string namespace_;      ///< pods: "" = all namespaces; nodes: always ""
  std::string name;            ///< "" = list (by the selectors); otherwise a get by name
  std::string label_selector;  ///< canonical selector string, "" = everything
  std::string field_selector;  ///< canonical field selector, "" = everything
  bool operator==(const ResourceMetricsRequest&) const = default;
};

/// One discovery entry of a member: "<group-resource>/<metric>" split, and its scope.
struct DiscoveredMetric {
  std::string group;
  std::string resource;
  std::string metric;
  bool namespaced = true;
  bool operator==(const DiscoveredMetric&) const = default;
  auto operator<=>(const DiscoveredMetric&) const = default;
};

/// Client for one member cluster.
///
/// Thread-safety: every method may be called concurrently from any thread/strand; coroutines complete on
/// the awaiting coroutine's executor. Each metrics call costs one HTTP request to the member (version
/// discovery is cached). Every error message starts with "member <name>: ".
/// Cancellation: a cancelled awaiting coroutine abandons the request (Errc::Cancelled); `deadline` bounds
/// the whole exchange (Errc::Timeout).
class MemberClient {
 public:
  MemberClient() = default;
  virtual ~MemberClient() = default;
  MemberClient(const MemberClient&) = delete;
  MemberClient& operator=(const MemberClient&) = delete;

  /// The member's name (as in its MemberCluster).
  virtual const std::string& name() const = 0;

  /// Custom metric values; every item has `cluster` set to name().
  /// Errors: NotFound (member answered 404: metric/object unknown there), Unauthorized/Forbidden (401/403),
  /// InvalidArgument (400), Unavailable (5xx, 429, connect/TLS failure), Timeout, ProtocolError (garbage,
  /// truncated body, undecodable list), Cancelled.
  virtual net::awaitable<Result<kubeapi::MetricValueList>> get_custom_metrics(CustomMetricsRequest request,
                                                                              Deadline deadline) = 0;

  /// External metric values; errors as above.
  virtual net::awaitable<Result<kubeapi::ExternalMetricValueList>> get_external_metrics(
      ExternalMetricsRequest request, Deadline deadline) = 0;

  /// PodMetrics / NodeMetrics from the member's metrics.k8s.io (metrics-server or prometheus-adapter's resource
  /// rules, through its kube-apiserver). A get by name answers a one-item list. Every item has `cluster` set to
  /// name(). Errors as above; NotFound also when the member does not serve metrics.k8s.io.
  virtual net::awaitable<Result<kubeapi::ResourceMetricsList>> get_resource_metrics(ResourceMetricsRequest request,
                                                                                    Deadline deadline) = 0;

  /// The member's custom metrics discovery (APIResourceList of its preferred version).
  /// Errors as above; NotFound when the member does not serve custom.metrics.k8s.io.
  virtual net::awaitable<Result<std::vector<DiscoveredMetric>>> list_custom_metrics(Deadline deadline) = 0;

  /// The member's external metrics discovery (names only; `resource`/`group` empty, namespaced true).
  virtual net::awaitable<Result<std::vector<DiscoveredMetric>>> list_external_metrics(Deadline deadline) = 0;
};

}  // namespace fedmetrics::members
