#pragma once
// A MetricsProvider answered from a JSON file (--metrics-file): for demos, for a server without
// members, and for tests of the API surface against the real binary. No I/O after loading.
//
// File format:
//   {"custom": [ {"resource": "pods", "labels": {"app": "web"},
//                 "item": { <a custom.metrics.k8s.io/v1beta2 MetricValue> }}, ...],
//    "external": [ {"namespace": "default",
//                   "item": { <an external.metrics.k8s.io/v1beta1 ExternalMetricValue> }}, ...],
//    "resourceMetrics": [ {"kind": "pods" | "nodes",
//                          "item": { <a metrics.k8s.io/v1beta1 PodMetrics or NodeMetrics> }}, ...]}
// "resource" is the group-resource ("pods", "deployments.apps"); "labels" are the described object's
// labels (matched by labelSelector); "namespaced" defaults to whether the item has a namespace. Resource
// metrics match labelSelector against the item's metadata.labels and fieldSelector against metadata.name
// and metadata.namespace (as metrics-server does). Every entry may name its "cluster" (default "static").
#include <string>
#include <vector>

#include "aggregation/provider/metrics_provider.hpp"

namespace fedmetrics::aggregation {

class StaticMetricsProvider final : public provider::MetricsProvider {
 public:
  struct CustomEntry {
    provider::GroupResource resource;
    bool namespaced = true;
    std::map<std::string, std::string> labels;
    kubeapi::MetricValue item;
  };
  struct ExternalEntry {
    std::string namespace_;
    kubeapi::ExternalMetricValue item;
  };
  struct ResourceEntry {
    kubeapi::ResourceMetricsKind kind = kubeapi::ResourceMetricsKind::Pods;
    kubeapi::ResourceMetrics item;
  };

  /// An empty provider: discovery lists nothing, every read is NotFound.
  StaticMetricsProvider() = default;
  StaticMetricsProvider(std::vector<CustomEntry> custom, std::vector<ExternalEntry> external,
                        std::vector<ResourceEntry> resource = {});

  /// Errors: InvalidArgument naming the file and the problem (unreadable, bad JSON, bad item).
  static Result<std::unique_ptr<StaticMetricsProvider>> load(const std::string& path);

  // provider::MetricsProvider (a single source: the by-cluster views are the same answers)
  std::vector<provider::CustomMetricInfo> list_custom_metrics() const override;
  std::vector<provider::ExternalMetricInfo> list_external_metrics() const override;
  net::awaitable<Result<provider::CustomAnswer>> get_custom_metric(provider::MetricQuery query) override;
  net::awaitable<Result<provider::ExternalAnswer>> get_external_metric(provider::ExternalQuery query) override;
  net::awaitable<Result<provider::ResourceAnswer>> get_resource_metrics(provider::ResourceQuery query) override;
  net::awaitable<Result<provider::CustomAnswer>> get_custom_metric_by_cluster(provider::MetricQuery query) override;
  net::awaitable<Result<provider::ExternalAnswer>> get_external_metric_by_cluster(
      provider::ExternalQuery query) override;

  /// The synchronous core of the reads.
  Result<provider::CustomAnswer> answer(const provider::MetricQuery& query) const;
  Result<provider::ExternalAnswer> answer(const provider::ExternalQuery& query) const;
  Result<provider::ResourceAnswer> answer(const provider::ResourceQuery& query) const;

 private:
  std::vector<CustomEntry> custom_;
  std::vector<ExternalEntry> external_;
  std::vector<ResourceEntry> resource_;
};

}  // namespace fedmetrics::aggregation
