#pragma once
// Wire types of custom.metrics.k8s.io (v1beta1, v1beta2) and external.metrics.k8s.io (v1beta1),
// plus their JSON codecs (aggregated-api.md §1.7, §1.8). No I/O here.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clients/base/result.hpp"
#include "clients/kubeapi/quantity.hpp"

namespace fedmetrics::kubeapi {

enum class CustomMetricsVersion { V1Beta1, V1Beta2 };
std::string_view to_string(CustomMetricsVersion v);  // "v1beta1" / "v1beta2"

/// core/v1 ObjectReference; empty strings are omitted on the wire.
struct ObjectReference {
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string api_version;
  std::string resource_version;
  std::string field_path;
  bool operator==(const ObjectReference&) const = default;
};

/// metav1.LabelSelectorRequirement
struct LabelSelectorRequirement {
  std::string key;
  std::string op;  ///< In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
  bool operator==(const LabelSelectorRequirement&) const = default;
};

/// metav1.LabelSelector (the structured form carried in metric.selector)
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  bool operator==(const LabelSelector&) const = default;
};

/// One custom metric value. `cluster` is internal: the member it came from; never serialised.
struct MetricValue {
  ObjectReference described_object;
  std::string metric_name;
  std::optional<LabelSelector> metric_selector;  ///< emitted as null when unset
  std::string timestamp;                         ///< RFC 3339 as received
  std::optional<std::int64_t> window_seconds;    ///< v1beta1 `window`, v1beta2 `windowSeconds`
  Quantity value;
  std::string cluster;
  bool operator==(const MetricValue&) const = default;
};

struct MetricValueList {
  std::vector<MetricValue> items;
  bool operator==(const MetricValueList&) const = default;
};

/// One external metric value; `cluster` as above.
struct ExternalMetricValue {
  std::string metric_name;
  std::map<std::string, std::string> metric_labels;
  std::string timestamp;
  std::optional<std::int64_t> window_seconds;
  Quantity value;
  std::string cluster;
  bool operator==(const ExternalMetricValue&) const = default;
};

struct ExternalMetricValueList {
  std::vector<ExternalMetricValue> items;
  bool operator==(const ExternalMetricValueList&) const = default;
};

/// Serialises in the shape of `version` (kind/apiVersion, metadata {}, items [] when empty).
std::string encode_metric_value_list(const MetricValueList& list, CustomMetricsVersion version);
std::string encode_external_metric_value_list(const ExternalMetricValueList& list);

/// Decodes either version's MetricValueList (from a member). `cluster` is stamped on every item.
/// Errors: ProtocolError for invalid JSON, a wrong kind, a missing or malformed field or quantity.
/// Plain member answers (the Go encoder's shape: known keys only, strings without escapes or non-ASCII bytes,
/// null selectors) take a single-pass fast path; anything else goes through the full JSON decoder, so results
/// and errors are the same either way.
Result<MetricValueList> decode_metric_value_list(std::string_view json, std::string_view cluster);
/// decode_metric_value_list without its fast path, so tests can check that both agree.
Result<MetricValueList> decode_metric_value_list_full_for_test(std::string_view json, std::string_view cluster);
Result<ExternalMetricValueList> decode_external_metric_value_list(std::string_view json, std::string_view cluster);

}  // namespace fedmetrics::kubeapi
