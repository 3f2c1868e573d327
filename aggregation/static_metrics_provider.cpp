#include "aggregation/static_metrics_provider.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "clients/kubeapi/label_selector.hpp"

namespace fedmetrics::aggregation {
namespace {

using Json = nlohmann::json;

Result<kubeapi::Selector> selector_of(const std::string& text) { return kubeapi::parse_label_selector(text); }

std::map<std::string, std::string> labels_of(const Json& j) {
  std::map<std::string, std::string> out;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
    }
  }
  return out;
}

}  // namespace

StaticMetricsProvider::StaticMetricsProvider(std::vector<CustomEntry> custom, std::vector<ExternalEntry> external)
    : custom_(std::move(custom)), external_(std::move(external)) {}

Result<std::unique_ptr<StaticMetricsProvider>> StaticMetricsProvider::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::InvalidArgument, "--metrics-file " + path + ": cannot open file");
  std::stringstream text;
  text << in.rdbuf();
  const Json doc = Json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(Errc::InvalidArgument, "--metrics-file " + path + ": not a JSON object");
  }
  auto fail = [&](const std::string& what) {
    return make_error(Errc::InvalidArgument, "--metrics-file " + path + ": " + what);
  };

  std::vector<CustomEntry> custom;
  if (doc.contains("custom")) {
    if (!doc["custom"].is_array()) return fail("\"custom\" must be an array");
    for (std::size_t i = 0; i < doc["custom"].size(); ++i) {
      const auto& e = doc["custom"][i];
      const std::string where = "custom[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.contains("item") || !e.contains("resource") || !e["resource"].is_string()) {
        return fail(where + ": needs \"resource\" (string) and \"item\"");
      }
      const Json list{{"kind", "MetricValueList"},
                      {"apiVersion", "custom.metrics.k8s.io/v1beta2"},
                      {"items", Json::array({e["item"]})}};
      auto decoded = kubeapi::decode_metric_value_list(list.dump(), e.value("cluster", "static"));
      if (!decoded) return fail(where + ": " + decoded.error().message);
      CustomEntry entry;
      entry.resource = provider::GroupResource::parse(e["resource"].get<std::string>());
      entry.item = std::move(decoded->items.front());
      entry.namespaced = e.value("namespaced", !entry.item.described_object.namespace_.empty());
      entry.labels = labels_of(e.value("labels", Json::object()));
      custom.push_back(std::move(entry));
    }
  }
  std::vector<ExternalEntry> external;
  if (doc.contains("external")) {
    if (!doc["external"].is_array()) return fail("\"external\" must be an array");
    for (std::size_t i = 0; i < doc["external"].size(); ++i) {
      const auto& e = doc["external"][i];
      const std::string where = "external[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.contains("item") || !e.contains("namespace") || !e["namespace"].is_string()) {
        return fail(where + ": needs \"namespace\" (string) and \"item\"");
      }
      const Json list{{"kind", "ExternalMetricValueList"},
                      {"apiVersion", "external.metrics.k8s.io/v1beta1"},
                      {"items", Json::array({e["item"]})}};
      auto decoded = kubeapi::decode_external_metric_value_list(list.dump(), e.value("cluster", "static"));
      if (!decoded) return fail(where + ": " + decoded.error().message);
      external.push_back({e["namespace"].get<std::string>(), std::move(decoded->items.front())});
    }
  }
  return std::make_unique<StaticMetricsProvider>(std::move(custom), std::move(external));
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
  auto objects = selector_of(q.label_selector);
  if (!objects) return objects.error();
  auto metric_labels = selector_of(q.metric_label_selector);
  if (!metric_labels) return metric_labels.error();

  bool known = false;
  provider::CustomAnswer answer;
  for (const auto& e : custom_) {
    if (e.resource != q.resource || e.item.metric_name != q.metric_name) continue;
    known = true;
    if (e.item.described_object.namespace_ != q.namespace_) continue;
    if (!q.name.empty() ? e.item.described_object.name != q.name : !objects->matches(e.labels)) continue;
    const auto item_labels =
        e.item.metric_selector ? e.item.metric_selector->match_labels : std::map<std::string, std::string>{};
    if (!metric_labels->matches(item_labels)) continue;
    answer.list.items.push_back(e.item);
  }
  if (!known) {
    return make_error(Errc::NotFound,
                      "the server could not find the metric " + q.metric_name + " for " + q.resource.to_string());
  }
  return answer;
}

Result<provider::ExternalAnswer> StaticMetricsProvider::answer(const provider::ExternalQuery& q) const {
  auto selector = selector_of(q.label_selector);
  if (!selector) return selector.error();
  bool known = false;
  provider::ExternalAnswer answer;
  for (const auto& e : external_) {
    if (e.item.metric_name != q.metric_name) continue;
    known = true;
    if (e.namespace_ == q.namespace_ && selector->matches(e.item.metric_labels)) answer.list.items.push_back(e.item);
  }
  if (!known) return make_error(Errc::NotFound, "the server could not find the external metric " + q.metric_name);
  return answer;
}

net::awaitable<Result<provider::CustomAnswer>> StaticMetricsProvider::get_custom_metric(provider::MetricQuery query) {
  co_return answer(query);
}

net::awaitable<Result<provider::ExternalAnswer>> StaticMetricsProvider::get_external_metric(
    provider::ExternalQuery query) {
  co_return answer(query);
}

}  // namespace fedmetrics::aggregation
