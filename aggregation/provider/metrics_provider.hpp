#pragma once
// The seam between the API layer and where metrics come from (custom-metrics-apiserver's provider split).
// server/api compiles against this only; aggregation implements it; the autoscaler consumes it.
#include <vector>

#include "aggregation/provider/metric_query.hpp"
#include "clients/base/net.hpp"
#include "clients/base/result.hpp"

namespace fedmetrics::provider {

/// Source of custom, external and resource metrics, merged across member clusters.
/// Safe to call concurrently from many sessions and threads. Coroutines may complete on any thread of the
/// io_context they were spawned on. Cancellation: the per-member deadlines bound every call; a terminal
/// cancellation of the awaiting coroutine abandons the wait.
class MetricsProvider {
 public:
  MetricsProvider() = default;
  virtual ~MetricsProvider() = default;
  MetricsProvider(const MetricsProvider&) = delete;
  MetricsProvider& operator=(const MetricsProvider&) = delete;

  /// Custom metrics to advertise in discovery. Never fails, never blocks on I/O (served from a cache).
  virtual std::vector<CustomMetricInfo> list_custom_metrics() const = 0;
  /// External metrics to advertise in discovery. Same contract.
  virtual std::vector<ExternalMetricInfo> list_external_metrics() const = 0;

  /// A single object (query.name non-empty) or every object matching query.label_selector.
  /// Errors: NotFound when no source knows the metric/object; Unavailable or Timeout when every source
  /// failed (message names each); InvalidArgument for a query the sources reject.
  virtual net::awaitable<Result<CustomAnswer>> get_custom_metric(MetricQuery query) = 0;

  /// External metric values in a namespace. Errors as above.
  virtual net::awaitable<Result<ExternalAnswer>> get_external_metric(ExternalQuery query) = 0;

  /// Resource metrics (PodMetrics / NodeMetrics). Items are never summed across sources: each keeps its
  /// cluster in `cluster` (and, on the wire, the annotation kubeapi::kQuerySourceAnnotation), so this one
  /// answer serves both API clients and the FederatedHPA loop. A list is the union of the sources' items; a
  /// get by name (query.name) answers exactly one item. Errors: NotFound when no source has the object (or
  /// none serves the API); Conflict when a named object exists in several clusters (the message names them);
  /// Unavailable/Timeout when every source failed; InvalidArgument for a query the sources reject.
  virtual net::awaitable<Result<ResourceAnswer>> get_resource_metrics(ResourceQuery query) = 0;

  /// The custom and external reads in the identity view (aggregation/merge_policy.hpp): every member's
  /// items, each with its cluster in `cluster`, same-named objects of different clusters kept apart. The
  /// FederatedHPA loop needs this to tell pods apart by (cluster, name). A provider with a single source
  /// answers the same as the wire view, and says so by implementing these.
  virtual net::awaitable<Result<CustomAnswer>> get_custom_metric_by_cluster(MetricQuery query) = 0;
  virtual net::awaitable<Result<ExternalAnswer>> get_external_metric_by_cluster(ExternalQuery query) = 0;
};

}  // namespace fedmetrics::provider
