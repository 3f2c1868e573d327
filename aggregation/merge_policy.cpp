#include "aggregation/merge_policy.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace fedmetrics::aggregation {
namespace {

using kubeapi::ExternalMetricValue;
using kubeapi::ExternalMetricValueList;
using kubeapi::MetricValue;
using kubeapi::MetricValueList;
using kubeapi::Quantity;

// Value first, then format: a total order, so equal-looking items from one member still sort stably.
int compare_quantity(const Quantity& a, const Quantity& b) {
  if (const int c = a.compare(b); c != 0) {
    return c;
  }
  return static_cast<int>(a.format()) - static_cast<int>(b.format());
}

// A comparable rendering of the selector; LabelSelector has no ordering of its own.
std::string selector_key(const std::optional<kubeapi::LabelSelector>& s) {
  if (!s) {
    return "";
  }
  std::string key = "+";
  for (const auto& [k, v] : s->match_labels) {
    key += k + '\x1f' + v + '\x1e';
  }
  for (const auto& e : s->match_expressions) {
    key += '\x1d' + e.key + '\x1f' + e.op;
    for (const auto& v : e.values) {
      key += '\x1f' + v;
    }
  }
  return key;
}

// (namespace, name, cluster, kind, metric) and then every other field, so the order is total.
bool custom_less(const MetricValue& a, const MetricValue& b) {
  const auto& x = a.described_object;
  const auto& y = b.described_object;
  const auto ka = std::tie(x.namespace_, x.name, a.cluster, x.kind, a.metric_name, x.api_version, x.uid,
                           x.resource_version, x.field_path, a.timestamp, a.window_seconds);
  const auto kb = std::tie(y.namespace_, y.name, b.cluster, y.kind, b.metric_name, y.api_version, y.uid,
                           y.resource_version, y.field_path, b.timestamp, b.window_seconds);
  if (ka != kb) {
    return ka < kb;
  }
  if (const int c = compare_quantity(a.value, b.value); c != 0) {
    return c < 0;
  }
  return selector_key(a.metric_selector) < selector_key(b.metric_selector);
}

bool external_less(const ExternalMetricValue& a, const ExternalMetricValue& b) {
  const auto ka = std::tie(a.metric_name, a.metric_labels, a.cluster, a.timestamp, a.window_seconds);
  const auto kb = std::tie(b.metric_name, b.metric_labels, b.cluster, b.timestamp, b.window_seconds);
  if (ka != kb) {
    return ka < kb;
  }
  return compare_quantity(a.value, b.value) < 0;
}

std::string join(const std::set<std::string>& clusters, std::string_view separator = ",") {
  std::string out;
  for (const auto& c : clusters) {
    if (!out.empty()) out += separator;
    out += c;
  }
  return out;
}

// Folds one group (already in cluster-name order) into its first item, per the header's rules.
template <class Item>
Item fold(const std::vector<const Item*>& group) {
  Item out = *group.front();
  std::set<std::string> clusters{out.cluster};
  bool same_window = true;
  for (std::size_t i = 1; i < group.size(); ++i) {
    const Item& next = *group[i];
    auto sum = out.value.add(next.value);
    if (!sum) {
      continue;  // overflow: skip this contribution (documented in the header)
    }
    out.value = *sum;
    clusters.insert(next.cluster);
    out.timestamp = std::max(out.timestamp, next.timestamp);
    same_window = same_window && next.window_seconds == group.front()->window_seconds;
  }
  if (!same_window) {
    out.window_seconds.reset();
  }
  out.cluster = join(clusters);
  return out;
}

}  // namespace

MetricValueList merge_custom(std::vector<MemberCustomResult> results) {
  std::vector<MetricValue*> order;
  std::size_t total = 0;
  for (const auto& result : results) total += result.list.items.size();
  order.reserve(total);
  for (auto& result : results) {
    for (auto& item : result.list.items) {
      item.cluster = result.cluster;
      order.push_back(&item);
    }
  }
  // Sort pointers, then move each item once: swapping MetricValues (ten strings each) inside std::sort was
  // most of this function's cost with 100k items (scripts/bench scenario c).
  std::sort(order.begin(), order.end(), [](const MetricValue* a, const MetricValue* b) { return custom_less(*a, *b); });
  MetricValueList out;
  out.items.reserve(total);
  for (MetricValue* item : order) out.items.push_back(std::move(*item));
  return out;
}

namespace {

using GroupKey = std::tuple<std::string, std::string, std::string, std::string>;

// The general case: group by (namespace, name, kind, metric name) in a map, which orders the groups.
MetricValueList collapse_with_map(const MetricValueList& merged) {
  std::map<GroupKey, std::vector<const MetricValue*>> groups;
  for (const auto& item : merged.items) {
    const auto& ref = item.described_object;
    groups[GroupKey{ref.namespace_, ref.name, ref.kind, item.metric_name}].push_back(&item);
  }
  MetricValueList out;
  out.items.reserve(groups.size());
  for (auto& [key, group] : groups) {
    // Within a group namespace/name/kind/metric are equal, so custom_less orders by cluster first.
    std::sort(group.begin(), group.end(), [](const MetricValue* a, const MetricValue* b) { return custom_less(*a, *b); });
    out.items.push_back(group.size() == 1 ? *group.front() : fold(group));
  }
  return out;
}

}  // namespace

MetricValueList collapse_duplicates(MetricValueList merged) {
  // Fast path for merge_custom's output, which is sorted by (namespace, name, cluster, kind, metric, ...): every
  // object's items are one contiguous run, already in custom_less order, and when a run has a single kind and
  // metric name (always, for one query) it is exactly one group of the general case, in the same output order.
  // A 100k-item answer then builds no 100k-entry map of four-string keys and moves, rather than copies, the
  // items that have no duplicate (scripts/bench scenario c). Anything else (unsorted input, a run mixing kinds
  // or metrics) takes the general path; the check runs before any item is moved.
  auto& items = merged.items;
  const auto same_object = [](const MetricValue& a, const MetricValue& b) {
    return a.described_object.namespace_ == b.described_object.namespace_ && a.described_object.name == b.described_object.name;
  };
  for (std::size_t i = 1; i < items.size(); ++i) {
    const auto& a = items[i - 1];
    const auto& b = items[i];
    if (std::tie(b.described_object.namespace_, b.described_object.name) <
        std::tie(a.described_object.namespace_, a.described_object.name)) {
      return collapse_with_map(merged);
    }
    if (same_object(a, b) && (a.described_object.kind != b.described_object.kind || a.metric_name != b.metric_name)) {
      return collapse_with_map(merged);
    }
  }
  MetricValueList out;
  out.items.reserve(items.size());
  std::vector<const MetricValue*> group;
  for (std::size_t begin = 0; begin < items.size();) {
    std::size_t end = begin + 1;
    while (end < items.size() && same_object(items[end], items[begin])) ++end;
    if (end - begin == 1) {
      out.items.push_back(std::move(items[begin]));  // a single item folds to itself
    } else {
      group.clear();
      for (std::size_t i = begin; i < end; ++i) group.push_back(&items[i]);
      // Already in this order when the input came from merge_custom; cheap for a few clusters.
      std::sort(group.begin(), group.end(), [](const MetricValue* a, const MetricValue* b) { return custom_less(*a, *b); });
      out.items.push_back(fold(group));
    }
    begin = end;
  }
  return out;
}

ExternalMetricValueList merge_external(std::vector<MemberExternalResult> results) {
  ExternalMetricValueList out;
  for (auto& result : results) {
    for (auto& item : result.list.items) {
      item.cluster = result.cluster;
      out.items.push_back(std::move(item));
    }
  }
  std::sort(out.items.begin(), out.items.end(), external_less);
  return out;
}

ExternalMetricValueList collapse_external(const ExternalMetricValueList& merged) {
  using Key = std::pair<std::string, std::map<std::string, std::string>>;
  std::map<Key, std::vector<const ExternalMetricValue*>> groups;
  for (const auto& item : merged.items) {
    groups[Key{item.metric_name, item.metric_labels}].push_back(&item);
  }
  ExternalMetricValueList out;
  out.items.reserve(groups.size());
  for (auto& [key, group] : groups) {
    std::sort(group.begin(), group.end(),
              [](const ExternalMetricValue* a, const ExternalMetricValue* b) { return external_less(*a, *b); });
    out.items.push_back(fold(group));
  }
  return out;
}

kubeapi::ResourceMetricsList merge_resource(std::vector<MemberResourceResult> results, kubeapi::ResourceMetricsKind kind) {
  kubeapi::ResourceMetricsList out;
  out.kind = kind;
  std::size_t total = 0;
  for (const auto& r : results) total += r.list.items.size();
  out.items.reserve(total);
  for (auto& r : results) {
    for (auto& item : r.list.items) {
      item.cluster = r.cluster;
      item.metadata.annotations[std::string(kubeapi::kQuerySourceAnnotation)] = r.cluster;
      out.items.push_back(std::move(item));
    }
  }
  std::stable_sort(out.items.begin(), out.items.end(), [](const kubeapi::ResourceMetrics& a, const kubeapi::ResourceMetrics& b) {
    return std::tie(a.metadata.namespace_, a.metadata.name, a.cluster) <
           std::tie(b.metadata.namespace_, b.metadata.name, b.cluster);
  });
  return out;
}

Result<kubeapi::ResourceMetricsList> single_object(kubeapi::ResourceMetricsList merged, const std::string& name) {
  if (merged.items.size() <= 1) return merged;
  std::set<std::string> clusters;
  for (const auto& item : merged.items) clusters.insert(item.cluster);
  const bool pods = merged.kind == kubeapi::ResourceMetricsKind::Pods;
  return make_error(Errc::Conflict, "Operation cannot be fulfilled on " + std::string(kubeapi::to_string(merged.kind)) +
                                        ".metrics.k8s.io \"" + name + "\": the " + (pods ? "pod " : "node ") + name +
                                        " exists in more than one cluster: " + join(clusters, ", "));
}

}  // namespace fedmetrics::aggregation
