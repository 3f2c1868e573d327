#pragma once
// Wire types of the resource metrics API, metrics.k8s.io/v1beta1 (PodMetrics, NodeMetrics and their lists;
// k8s.io/metrics pkg/apis/metrics/v1beta1/types.go), their JSON codecs, and the two other shapes
// metrics-server answers a read in: a meta.k8s.io Table (what `kubectl get podmetrics` asks for; columns as
// metrics-server's pkg/api/table.go builds them) and PartialObjectMetadata(List). No I/O here.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "clients/base/result.hpp"
#include "clients/kubeapi/quantity.hpp"

namespace fedmetrics::kubeapi {

/// Which resource of metrics.k8s.io: `pods` (namespaced, PodMetrics) or `nodes` (cluster-scoped, NodeMetrics).
enum class ResourceMetricsKind { Pods, Nodes };
/// "pods" / "nodes" (the REST resource name).
std::string_view to_string(ResourceMetricsKind kind);

inline constexpr std::string_view kResourceMetricsGroup = "metrics.k8s.io";
inline constexpr std::string_view kResourceMetricsApiVersion = "metrics.k8s.io/v1beta1";
/// The annotation Karmada's metrics adapter puts on every item of a federated answer: the member it came
/// from (karmada autoscalingv1alpha1.QuerySourceAnnotationKey; `karmadactl top` reads it).
inline constexpr std::string_view kQuerySourceAnnotation = "resource.karmada.io/query-from-cluster";

/// The metav1.ObjectMeta fields metrics servers set on PodMetrics/NodeMetrics; others are dropped on decoding.
struct ObjectMeta {
  std::string name;
  std::string namespace_;
  std::string creation_timestamp;  ///< RFC 3339 as received; "" = zero (null on the wire)
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  bool operator==(const ObjectMeta&) const = default;
};

/// core/v1 ResourceList: resource name ("cpu", "memory") -> quantity.
using ResourceList = std::map<std::string, Quantity>;

struct ContainerMetrics {
  std::string name;
  ResourceList usage;
  bool operator==(const ContainerMetrics&) const = default;
};

/// One PodMetrics (`containers`) or NodeMetrics (`usage`); the kind is the list's. `cluster` is internal: the
/// member it came from; never serialised (the wire carries it as the kQuerySourceAnnotation annotation).
struct ResourceMetrics {
  ObjectMeta metadata;
  std::string timestamp;              ///< RFC 3339 as received
  std::int64_t window_ns = 0;         ///< metav1.Duration, nanoseconds
  std::vector<ContainerMetrics> containers;  ///< pods
  ResourceList usage;                        ///< nodes
  std::string cluster;
  bool operator==(const ResourceMetrics&) const = default;
};

struct ResourceMetricsList {
  ResourceMetricsKind kind = ResourceMetricsKind::Pods;
  std::vector<ResourceMetrics> items;
  bool operator==(const ResourceMetricsList&) const = default;
};

/// Go's time.ParseDuration ("30s", "1m0s", "20.13s", "1h2m", "500ms", "0"): nanoseconds.
/// Errors: InvalidArgument for anything else or a value beyond int64 nanoseconds.
Result<std::int64_t> parse_go_duration(std::string_view text);
/// Go's time.Duration.String(): "30s", "1m0s", "1.5s", "500ms", "0s".
std::string format_go_duration(std::int64_t ns);

/// PodMetricsList / NodeMetricsList {"kind","apiVersion","metadata":{},"items":[...]}, items in list order.
std::string encode_resource_metrics_list(const ResourceMetricsList& list);
/// One PodMetrics / NodeMetrics object with kind and apiVersion (the answer to a get by name).
std::string encode_resource_metrics(const ResourceMetrics& item, ResourceMetricsKind kind);

/// Decodes a member's PodMetricsList / NodeMetricsList; `cluster` is stamped on every item.
/// Errors: ProtocolError for invalid JSON, a wrong kind or apiVersion, a missing name, a bad quantity or window.
Result<ResourceMetricsList> decode_resource_metrics_list(std::string_view json, ResourceMetricsKind kind,
                                                         std::string_view cluster);
/// Decodes a member's single PodMetrics / NodeMetrics object (a get by name). Errors as above.
Result<ResourceMetrics> decode_resource_metrics(std::string_view json, ResourceMetricsKind kind,
                                                std::string_view cluster);

/// Which meta.k8s.io version an `as=Table` / `as=PartialObjectMetadata[List]` Accept entry asked for.
enum class MetaVersion { V1, V1Beta1 };
/// The `includeObject` query parameter of a Table request (metav1.IncludeObjectPolicy; "" = Metadata).
enum class IncludeObject { None, Metadata, Object };

/// A meta.k8s.io Table of `list` as metrics-server renders it: columns Name, one per resource name of the
/// FIRST item (sorted; pods sum their containers), Window; one row per item with the item as `object` per
/// `include` (PartialObjectMetadata, the full object, or null). No items: columnDefinitions and rows null.
std::string encode_resource_metrics_table(const ResourceMetricsList& list, MetaVersion version, IncludeObject include);
/// PartialObjectMetadata of one item / PartialObjectMetadataList of a list.
std::string encode_partial_object_metadata(const ResourceMetrics& item, MetaVersion version);
std::string encode_partial_object_metadata_list(const ResourceMetricsList& list, MetaVersion version);

}  // namespace fedmetrics::kubeapi
