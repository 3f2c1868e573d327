#pragma once
// A MetricsProvider whose answers the test scripts and whose received queries the test inspects.
//
//   test::FakeMetricsProvider p;
//   p.set_custom_metrics({{{"", "pods"}, "http_requests", true}});
//   p.answer_custom("http_requests", provider::CustomAnswer{list, {}});
//   p.answer_custom("gone", make_error(Errc::NotFound, "..."));
//   ... drive the code under test ...
//   CHECK(p.custom_calls().at(0).label_selector == "app=web");
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aggregation/provider/metrics_provider.hpp"

namespace fedmetrics::test {

/// Thread-safe. Answers are looked up in this order: a fixed answer for the query's key (the metric name; for
/// resource metrics "pods" or "nodes"), then the scripted function, then NotFound ("the server could not find
/// the metric <m> for <resource>"). Every get_* call is recorded (also the ones answered with an error), in
/// arrival order. The by-cluster reads answer like the wire reads and are recorded with them.
class FakeMetricsProvider final : public provider::MetricsProvider {
 public:
  using CustomScript = std::function<Result<provider::CustomAnswer>(const provider::MetricQuery&)>;
  using ExternalScript = std::function<Result<provider::ExternalAnswer>(const provider::ExternalQuery&)>;
  using ResourceScript = std::function<Result<provider::ResourceAnswer>(const provider::ResourceQuery&)>;

  FakeMetricsProvider() = default;

  // ---- scripting ----
  void set_custom_metrics(std::vector<provider::CustomMetricInfo> metrics) {
    std::lock_guard lock(mu_);
    custom_metrics_ = std::move(metrics);
  }
  void set_external_metrics(std::vector<provider::ExternalMetricInfo> metrics) {
    std::lock_guard lock(mu_);
    external_metrics_ = std::move(metrics);
  }
  /// The fixed answer for every custom query of `metric`.
  void answer_custom(std::string metric, Result<provider::CustomAnswer> answer) { custom_.fix(mu_, std::move(metric), std::move(answer)); }
  /// The fixed answer for every external query of `metric`.
  void answer_external(std::string metric, Result<provider::ExternalAnswer> answer) { external_.fix(mu_, std::move(metric), std::move(answer)); }
  /// The fixed answer for every resource metrics query of `kind`.
  void answer_resource(kubeapi::ResourceMetricsKind kind, Result<provider::ResourceAnswer> answer) {
    resource_.fix(mu_, std::string(kubeapi::to_string(kind)), std::move(answer));
  }
  /// Computes answers for custom queries without a fixed answer.
  void on_custom(CustomScript script) { custom_.set_script(mu_, std::move(script)); }
  /// Computes answers for external queries without a fixed answer.
  void on_external(ExternalScript script) { external_.set_script(mu_, std::move(script)); }
  /// Computes answers for resource metrics queries without a fixed answer.
  void on_resource(ResourceScript script) { resource_.set_script(mu_, std::move(script)); }

  // ---- recorded state ----
  std::vector<provider::MetricQuery> custom_calls() const { return custom_.recorded(mu_); }
  std::vector<provider::ExternalQuery> external_calls() const { return external_.recorded(mu_); }
  std::vector<provider::ResourceQuery> resource_calls() const { return resource_.recorded(mu_); }
  /// Every recorded read, of every kind.
  std::size_t call_count() const { return custom_calls().size() + external_calls().size() + resource_calls().size(); }
  /// How often discovery asked for the lists.
  int list_count() const {
    std::lock_guard lock(mu_);
    return list_calls_;
  }

  // ---- provider::MetricsProvider ----
  std::vector<provider::CustomMetricInfo> list_custom_metrics() const override {
    std::lock_guard lock(mu_);
    ++list_calls_;
    return custom_metrics_;
  }
  std::vector<provider::ExternalMetricInfo> list_external_metrics() const override {
    std::lock_guard lock(mu_);
    ++list_calls_;
    return external_metrics_;
  }

  net::awaitable<Result<provider::CustomAnswer>> get_custom_metric(provider::MetricQuery query) override {
    co_return custom_.read(mu_, query, query.metric_name, custom_not_found(query));
  }
  net::awaitable<Result<provider::ExternalAnswer>> get_external_metric(provider::ExternalQuery query) override {
    co_return external_.read(mu_, query, query.metric_name,
                             make_error(Errc::NotFound, "the server could not find the external metric " + query.metric_name));
  }
  net::awaitable<Result<provider::ResourceAnswer>> get_resource_metrics(provider::ResourceQuery query) override {
    co_return resource_.read(mu_, query, std::string(kubeapi::to_string(query.kind)),
                             make_error(Errc::NotFound, "the server could not find the requested resource"));
  }
  net::awaitable<Result<provider::CustomAnswer>> get_custom_metric_by_cluster(provider::MetricQuery query) override {
    co_return custom_.read(mu_, query, query.metric_name, custom_not_found(query));
  }
  net::awaitable<Result<provider::ExternalAnswer>> get_external_metric_by_cluster(provider::ExternalQuery query) override {
    co_return external_.read(mu_, query, query.metric_name,
                             make_error(Errc::NotFound, "the server could not find the external metric " + query.metric_name));
  }

 private:
  // The scripted answers and recorded queries of one kind; every method takes the provider's mutex.
  template <class Query, class Answer>
  struct Reads {
    std::map<std::string, Result<Answer>> fixed;
    std::function<Result<Answer>(const Query&)> script;
    std::vector<Query> calls;

    void fix(std::mutex& mu, std::string key, Result<Answer> answer) {
      std::lock_guard lock(mu);
      fixed.insert_or_assign(std::move(key), std::move(answer));
    }
    void set_script(std::mutex& mu, std::function<Result<Answer>(const Query&)> s) {
      std::lock_guard lock(mu);
      script = std::move(s);
    }
    std::vector<Query> recorded(std::mutex& mu) const {
      std::lock_guard lock(mu);
      return calls;
    }
    Result<Answer> read(std::mutex& mu, const Query& query, const std::string& key, Error not_found) {
      std::function<Result<Answer>(const Query&)> s;
      {
        std::lock_guard lock(mu);
        calls.push_back(query);
        if (auto it = fixed.find(key); it != fixed.end()) return it->second;
        s = script;
      }
      if (s) return s(query);
      return not_found;
    }
  };

  static Error custom_not_found(const provider::MetricQuery& query) {
    return make_error(Errc::NotFound, "the server could not find the metric " + query.metric_name + " for " +
                                          query.resource.to_string());
  }

  mutable std::mutex mu_;
  std::vector<provider::CustomMetricInfo> custom_metrics_;
  std::vector<provider::ExternalMetricInfo> external_metrics_;
  Reads<provider::MetricQuery, provider::CustomAnswer> custom_;
  Reads<provider::ExternalQuery, provider::ExternalAnswer> external_;
  Reads<provider::ResourceQuery, provider::ResourceAnswer> resource_;
  mutable int list_calls_ = 0;
};

}  // namespace fedmetrics::test
