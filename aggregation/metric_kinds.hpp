#pragma once
// The three kinds of metrics read FederatedMetricsProvider serves — custom (custom.metrics.k8s.io), external
// (external.metrics.k8s.io) and resource (metrics.k8s.io) — as policy types for ONE fan-out/merge/answer path
// (federated_metrics_provider.cpp). A kind says only what differs: its query and list types, the member call,
// the cache key, the NotFound wording and the merge rule (merge_policy.hpp). Everything else — cache,
// single-flight, fan-out with deadlines, the partial-answer status rule, metrics — is written once.
//
// A kind K provides:
//   using Query, List, Answer (= provider::Answer<List>);
//   static std::string cache_key(const Query&, View);           distinct across kinds and views
//   static std::string not_found(const Query&);                 the message when every member says NotFound
//   static MemberCall<List> member_call(const Query&);          one member's read
//   static Result<List> merge(std::vector<MemberAnswer<List>>, const Query&, View);
//
// Include from aggregation .cpp files and tests only (it pulls in fan_out.hpp).
#include <string>
#include <vector>

#include "aggregation/fan_out.hpp"
#include "aggregation/merge_policy.hpp"
#include "aggregation/provider/metric_query.hpp"

namespace fedmetrics::aggregation {

/// Which merge_policy.hpp view an answer is in: the wire view (same objects summed) for API clients, the
/// identity view (every member's items, tagged with their cluster) for the in-process autoscaler. Resource
/// metrics have one view (never summed); they answer the same for both.
enum class View { Wire, ByCluster };

struct CustomKind {
  using Query = provider::MetricQuery;
  using List = kubeapi::MetricValueList;
  using Answer = provider::CustomAnswer;
  static std::string cache_key(const Query& q, View view);
  static std::string not_found(const Query& q);
  static MemberCall<List> member_call(const Query& q);
  static Result<List> merge(std::vector<MemberAnswer<List>> ok, const Query& q, View view);
};

struct ExternalKind {
  using Query = provider::ExternalQuery;
  using List = kubeapi::ExternalMetricValueList;
  using Answer = provider::ExternalAnswer;
  static std::string cache_key(const Query& q, View view);
  static std::string not_found(const Query& q);
  static MemberCall<List> member_call(const Query& q);
  static Result<List> merge(std::vector<MemberAnswer<List>> ok, const Query& q, View view);
};

struct ResourceKind {
  using Query = provider::ResourceQuery;
  using List = kubeapi::ResourceMetricsList;
  using Answer = provider::ResourceAnswer;
  static std::string cache_key(const Query& q, View view);
  static std::string not_found(const Query& q);
  static MemberCall<List> member_call(const Query& q);
  /// merge_resource; a get by name goes through single_object (409 naming the clusters).
  static Result<List> merge(std::vector<MemberAnswer<List>> ok, const Query& q, View view);
};

}  // namespace fedmetrics::aggregation
