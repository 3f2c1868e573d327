#include "aggregation/static_metrics_provider.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "aggregation/merge_policy.hpp"
#include "aggregation/metric_kinds.hpp"
#include "clients/kubeapi/field_selector.hpp"
#include "clients/kubeapi/label_selector.hpp"

namespace fedmetrics::aggregation {
namespace {

using Json = nlohmann::json;

std::map<std::string, std::string> labels_of(const Json& j) {
  std::map<std::string, std::string> out;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
    }
  }
  return out;
}

// One section of the file: an array of objects, each turned into an Entry by `decode(entry, where)`.
template <class Entry, class Decode>
Result<std::vector<Entry>> load_section(const Json& doc, const char* section, Decode decode) {
  std::vector<Entry> out;
  if (!doc.contains(section)) return out;
  const Json& entries = doc[section];
  if (!entries.is_array()) return make_error(Errc::InvalidArgument, "\"" + std::string(section) + "\" must be an array");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string where = std::string(section) + "[" + std::to_string(i) + "]";
    if (!entries[i].is_object() || !entries[i].contains("item")) {
      return make_error(Errc::InvalidArgument, where + ": needs an \"item\"");
    }
    auto entry = decode(entries[i], where);
    if (!entry) return entry.error();
    out.push_back(std::move(*entry));
  }
  return out;
}

Error bad_entry(const std::string& where, const std::string& what) {
  return make_error(Errc::InvalidArgument, where + ": " + what);
}

Result<StaticMetricsProvider::CustomEntry> decode_custom(const Json& e, const std::string& where) {
  if (!e.contains("resource") || !e["resource"].is_string()) return bad_entry(where, "needs \"resource\" (string)");
  const Json list{{"kind", "MetricValueList"}, {"apiVersion", "custom.metrics.k8s.io/v1beta2"}, {"items", Json::array({e["item"]})}};
  auto decoded = kubeapi::decode_metric_value_list(list.dump(), e.value("cluster", "static"));
  if (!decoded) return bad_entry(where, decoded.error().message);
  StaticMetricsProvider::CustomEntry entry;
  entry.resource = provider::GroupResource::parse(e["resource"].get<std::string>());
  entry.item = std::move(decoded->items.front());
  entry.namespaced = e.value("namespaced", !entry.item.described_object.namespace_.empty());
  entry.labels = labels_of(e.value("labels", Json::object()));
  return entry;
}

Result<StaticMetricsProvider::ExternalEntry> decode_external(const Json& e, const std::string& where) {
  if (!e.contains("namespace") || !e["namespace"].is_string()) return bad_entry(where, "needs \"namespace\" (string)");
  const Json list{{"kind", "ExternalMetricValueList"}, {"apiVersion", "external.metrics.k8s.io/v1beta1"}, {"items", Json::array({e["item"]})}};
  auto decoded = kubeapi::decode_external_metric_value_list(list.dump(), e.value("cluster", "static"));
  if (!decoded) return bad_entry(where, decoded.error().message);
  return StaticMetricsProvider::ExternalEntry{e["namespace"].get<std::string>(), std::move(decoded->items.front())};
}

Result<StaticMetricsProvider::ResourceEntry> decode_resource(const Json& e, const std::string& where) {
  const std::string kind_name = e.value("kind", "");
  if (kind_name != "pods" && kind_name != "nodes") return bad_entry(where, "needs \"kind\": \"pods\" or \"nodes\"");
  const auto kind = kind_name == "pods" ? kubeapi::ResourceMetricsKind::Pods : kubeapi::ResourceMetricsKind::Nodes;
  const Json list{{"kind", kind_name == "pods" ? "PodMetricsList" : "NodeMetricsList"},
                  {"apiVersion", kubeapi::kResourceMetricsApiVersion},
                  {"items", Json::array({e["item"]})}};
  auto decoded = kubeapi::decode_resource_metrics_list(list.dump(), kind, e.value("cluster", "static"));
  if (!decoded) return bad_entry(where, decoded.error().message);
  return StaticMetricsProvider::ResourceEntry{kind, std::move(decoded->items.front())};
}

// The items of the entries a query selects. `known(entry)`: the entry is of the query's metric (or resource);
// when none is, the query is NotFound with `not_found`.
template <class Answer, class Entry, class Known, class Selects>
Result<Answer> select(const std::vector<Entry>& entries, Known known, Selects selects, const std::string& not_found) {
  bool any = false;
  Answer answer;
  for (const auto& e : entries) {
    if (!known(e)) continue;
    any = true;
    if (selects(e)) answer.list.items.push_back(e.item);
  }
  if (!any) return make_error(Errc::NotFound, not_found);
  return answer;
}

}  // namespace

StaticMetricsProvider::StaticMetricsProvider(std::vector<CustomEntry> custom, std::vector<ExternalEntry> external,
                                             std::vector<ResourceEntry> resource)
    : custom_(std::move(custom)), external_(std::move(external)), resource_(std::move(resource)) {}

Result<std::unique_ptr<StaticMetricsProvider>> StaticMetricsProvider::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::InvalidArgument, "--metrics-file " + path + ": cannot open file");
  std::stringstream text;
  text << in.rdbuf();
  const Json doc = Json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(Errc::InvalidArgument, "--metrics-file " + path + ": not a JSON object");
  }
  auto in_file = [&](const Error& e) { return make_error(Errc::InvalidArgument, "--metrics-file " + path + ": " + e.message); };
  auto custom = load_section<CustomEntry>(doc, "custom", decode_custom);
  if (!custom) return in_file(custom.error());
  auto external = load_section<ExternalEntry>(doc, "external", decode_external);
  if (!external) return in_file(external.error());
  auto resource = load_section<ResourceEntry>(doc, "resourceMetrics", decode_resource);
  if (!resource) return in_file(resource.error());
  return std::make_unique<StaticMetricsProvider>(std::move(*custom), std::move(*external), std::move(*resource));
}

std::vector<provider::CustomMetricInfo> StaticMetricsProvider::list_custom_metrics() const {
  std::set<provider::CustomMetricInfo> unique;
  for (const auto& e : custom_) unique.insert({e.resource, e.item.metric_name, e.namespaced});
  return {unique.begin(), unique.end()};
}

std::vector<provider::ExternalMetricInfo> StaticMetricsProvider::list_external_metrics() const {
  std::set<provider::ExternalMetricInfo> unique;
  for (const auto& e : external_) unique.insert({e.item.metric_name});
  return {unique.begin(), unique.end()};
}

Result<provider::CustomAnswer> StaticMetricsProvider::answer(const provider::MetricQuery& q) const {
  auto objects = kubeapi::parse_label_selector(q.label_selector);
  if (!objects) return objects.error();
  auto metric_labels = kubeapi::parse_label_selector(q.metric_label_selector);
  if (!metric_labels) return metric_labels.error();
  return select<provider::CustomAnswer>(
      custom_, [&](const CustomEntry& e) { return e.resource == q.resource && e.item.metric_name == q.metric_name; },
      [&](const CustomEntry& e) {
        if (e.item.described_object.namespace_ != q.namespace_) return false;
        if (!q.name.empty() ? e.item.described_object.name != q.name : !objects->matches(e.labels)) return false;
        const auto item_labels =
            e.item.metric_selector ? e.item.metric_selector->match_labels : std::map<std::string, std::string>{};
        return metric_labels->matches(item_labels);
      },
      CustomKind::not_found(q));
}

Result<provider::ExternalAnswer> StaticMetricsProvider::answer(const provider::ExternalQuery& q) const {
  auto selector = kubeapi::parse_label_selector(q.label_selector);
  if (!selector) return selector.error();
  return select<provider::ExternalAnswer>(
      external_, [&](const ExternalEntry& e) { return e.item.metric_name == q.metric_name; },
      [&](const ExternalEntry& e) { return e.namespace_ == q.namespace_ && selector->matches(e.item.metric_labels); },
      ExternalKind::not_found(q));
}

Result<provider::ResourceAnswer> StaticMetricsProvider::answer(const provider::ResourceQuery& q) const {
  auto labels = kubeapi::parse_label_selector(q.label_selector);
  if (!labels) return labels.error();
  auto fields = kubeapi::parse_field_selector(q.field_selector);
  if (!fields) return fields.error();
  const bool pods = q.kind == kubeapi::ResourceMetricsKind::Pods;
  auto selected = select<provider::ResourceAnswer>(
      resource_, [&](const ResourceEntry& e) { return e.kind == q.kind; },
      [&](const ResourceEntry& e) {
        const auto& m = e.item.metadata;
        if (pods && !q.namespace_.empty() && m.namespace_ != q.namespace_) return false;
        if (!q.name.empty() && m.name != q.name) return false;
        std::map<std::string, std::string> object_fields{{"metadata.name", m.name}};
        if (pods) object_fields["metadata.namespace"] = m.namespace_;
        return labels->matches(m.labels) && fields->matches(object_fields);
      },
      ResourceKind::not_found(q));
  if (!selected) return selected.error();
  if (!q.name.empty() && selected->list.items.empty()) return make_error(Errc::NotFound, ResourceKind::not_found(q));
  // The same merge as for members: each entry's cluster is a source of its own.
  std::vector<MemberResourceResult> per_cluster;
  for (auto& item : selected->list.items) {
    per_cluster.push_back(MemberResourceResult{item.cluster, kubeapi::ResourceMetricsList{q.kind, {std::move(item)}}});
  }
  auto merged = ResourceKind::merge(std::move(per_cluster), q, View::Wire);
  if (!merged) return merged.error();
  return provider::ResourceAnswer{std::move(*merged), {}, {}, {}};
}

net::awaitable<Result<provider::CustomAnswer>> StaticMetricsProvider::get_custom_metric(provider::MetricQuery query) {
  co_return answer(query);
}

net::awaitable<Result<provider::ExternalAnswer>> StaticMetricsProvider::get_external_metric(
    provider::ExternalQuery query) {
  co_return answer(query);
}

net::awaitable<Result<provider::ResourceAnswer>> StaticMetricsProvider::get_resource_metrics(
    provider::ResourceQuery query) {
  co_return answer(query);
}

net::awaitable<Result<provider::CustomAnswer>> StaticMetricsProvider::get_custom_metric_by_cluster(
    provider::MetricQuery query) {
  co_return answer(query);
}

net::awaitable<Result<provider::ExternalAnswer>> StaticMetricsProvider::get_external_metric_by_cluster(
    provider::ExternalQuery query) {
  co_return answer(query);
}

}  // namespace fedmetrics::aggregation
