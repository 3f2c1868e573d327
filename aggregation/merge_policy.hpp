#pragma once
// How answers from several member clusters become one answer: pure functions over kubeapi values,
// no I/O, no time. Spec: aggregated-api.md Appendix A.4; reference behaviour: karmada-reference.md §1.5.
//
// Two views of the same data:
//
//  * The identity view (merge_custom / merge_external) keeps every item of every member with its cluster
//    in MetricValue::cluster. Two pods named `web-0` in two clusters stay two items. This is what the
//    autoscaler consumes (it needs per-cluster pods), and it is the input of the wire view.
//
//  * The wire view (collapse_duplicates / collapse_external) is what a custom-metrics client sees, and keeps
//    the reference's semantics (Karmada sums values of the same object across clusters, A19/A20):
//      - Items describing the same object are one item. "Same object" = equal describedObject kind,
//        namespace and name, and equal metric name (custom); equal metric name and identical metricLabels
//        (external). Other describedObject fields (uid, apiVersion, ...) and the metric selector are taken
//        from the first contributor in cluster-name order.
//      - value = running Quantity sum in cluster-name order (ties by the item's own value order, so the
//        result never depends on the order members answered): ((c1 + c2) + c3) ... with Quantity::add, so
//        the format is the first contributor's unless the running sum is zero (A.4: DecimalSI + BinarySI
//        stays DecimalSI, BinarySI + DecimalSI stays BinarySI).
//      - timestamp = the latest one (RFC 3339 strings compare in time order when, as the apiserver
//        writes them, they are UTC with whole seconds); window kept when every contributor has the same
//        one (including "unset"), omitted otherwise.
//      - cluster = the contributing clusters, sorted, de-duplicated and comma-joined ("a,b"); internal,
//        never serialised.
//      - Overflow: a contribution whose addition would leave Quantity's range (|v| >= 1e28) is skipped and
//        its cluster is not listed, so the value is always the exact sum of the clusters named in `cluster`.
//        (No saturation: a saturated value would be a number no member reported.)
//    Output is ordered by namespace, then name (then kind and metric name) for custom metrics, by metric
//    name then labels for external metrics. Same member answers => byte-identical output.
//
// All functions are deterministic: the result does not depend on the order of the input results or items.
// Thread-safe (no shared state).
#include <string>
#include <vector>

#include "clients/base/result.hpp"
#include "clients/kubeapi/metric_value.hpp"
#include "clients/kubeapi/resource_metrics.hpp"

namespace fedmetrics::aggregation {

/// One member's successful answer of one kind (custom, external or resource metrics).
template <class List>
struct MemberAnswer {
  std::string cluster;
  List list;
};
using MemberCustomResult = MemberAnswer<kubeapi::MetricValueList>;
using MemberExternalResult = MemberAnswer<kubeapi::ExternalMetricValueList>;
using MemberResourceResult = MemberAnswer<kubeapi::ResourceMetricsList>;

/// Identity view: all items of all members, each with `cluster` set to its member's name (overwriting what
/// the item carried), ordered by (namespace, name, cluster), then kind and metric name.
[[nodiscard]] kubeapi::MetricValueList merge_custom(std::vector<MemberCustomResult> results);

/// Wire view of custom metrics: same-object items summed as described in the file comment. Pass merge_custom's
/// result as an rvalue: items without a duplicate are then moved, not copied.
[[nodiscard]] kubeapi::MetricValueList collapse_duplicates(kubeapi::MetricValueList merged);

/// Identity view of external metrics, ordered by (metric name, labels, cluster).
[[nodiscard]] kubeapi::ExternalMetricValueList merge_external(std::vector<MemberExternalResult> results);

/// Wire view of external metrics: items with the same metric name and identical labels summed as above.
[[nodiscard]] kubeapi::ExternalMetricValueList collapse_external(const kubeapi::ExternalMetricValueList& merged);

// Resource metrics (metrics.k8s.io) have one view: a PodMetrics or NodeMetrics is a measurement of one object
// in one cluster, so nothing is ever summed (Karmada concatenates too, A22). Same-named objects of several
// clusters stay several items, each telling its cluster.

/// The union of the members' items of `kind`, each with `cluster` set to its member's name and the annotation
/// kubeapi::kQuerySourceAnnotation = that name (replacing one the member sent), ordered by (namespace, name,
/// cluster) (metrics-server orders by namespace and name).
[[nodiscard]] kubeapi::ResourceMetricsList merge_resource(std::vector<MemberResourceResult> results,
                                                          kubeapi::ResourceMetricsKind kind);

/// A get by name over merge_resource's result: the one item, or Conflict when the object exists in more than
/// one cluster ("Operation cannot be fulfilled on pods.metrics.k8s.io \"web-0\": the pod web-0 exists in more
/// than one cluster: member1, member2"; Karmada answers 409 too, A23, without naming them).
[[nodiscard]] Result<kubeapi::ResourceMetricsList> single_object(kubeapi::ResourceMetricsList merged,
                                                                 const std::string& name);

}  // namespace fedmetrics::aggregation
