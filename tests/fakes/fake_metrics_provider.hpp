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

/// Thread-safe. Answers are looked up in this order: a fixed answer for the query's metric name, then the
/// scripted function, then NotFound ("the server could not find the metric <m> for <resource>").
/// Every get_* call is recorded (also the ones answered with an error), in arrival order.
class FakeMetricsProvider final : public provider::MetricsProvider {
 public:
  using CustomScript = std::function<Result<provider::CustomAnswer>(const provider::MetricQuery&)>;
  using ExternalScript = std::function<Result<provider::ExternalAnswer>(const provider::ExternalQuery&)>;

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
  void answer_custom(std::string metric, Result<provider::CustomAnswer> answer) {
    std::lock_guard lock(mu_);
    custom_answers_.insert_or_assign(std::move(metric), std::move(answer));
  }
  /// The fixed answer for every external query of `metric`.
  void answer_external(std::string metric, Result<provider::ExternalAnswer> answer) {
    std::lock_guard lock(mu_);
    external_answers_.insert_or_assign(std::move(metric), std::move(answer));
  }
  /// Computes answers for custom queries without a fixed answer.
  void on_custom(CustomScript script) {
    std::lock_guard lock(mu_);
    custom_script_ = std::move(script);
  }
  /// Computes answers for external queries without a fixed answer.
  void on_external(ExternalScript script) {
    std::lock_guard lock(mu_);
    external_script_ = std::move(script);
  }

  // ---- recorded state ----
  std::vector<provider::MetricQuery> custom_calls() const {
    std::lock_guard lock(mu_);
    return custom_calls_;
  }
  std::vector<provider::ExternalQuery> external_calls() const {
    std::lock_guard lock(mu_);
    return external_calls_;
  }
  /// custom_calls().size() + external_calls().size()
  std::size_t call_count() const {
    std::lock_guard lock(mu_);
    return custom_calls_.size() + external_calls_.size();
  }
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
    co_return answer(query);
  }
  net::awaitable<Result<provider::ExternalAnswer>> get_external_metric(provider::ExternalQuery query) override {
    co_return answer(query);
  }

 private:
  Result<provider::CustomAnswer> answer(const provider::MetricQuery& query) {
    CustomScript script;
    {
      std::lock_guard lock(mu_);
      custom_calls_.push_back(query);
      if (auto it = custom_answers_.find(query.metric_name); it != custom_answers_.end()) return it->second;
      script = custom_script_;
    }
    if (script) return script(query);
    return make_error(Errc::NotFound, "the server could not find the metric " + query.metric_name + " for " +
                                          query.resource.to_string());
  }

  Result<provider::ExternalAnswer> answer(const provider::ExternalQuery& query) {
    ExternalScript script;
    {
      std::lock_guard lock(mu_);
      external_calls_.push_back(query);
      if (auto it = external_answers_.find(query.metric_name); it != external_answers_.end()) return it->second;
      script = external_script_;
    }
    if (script) return script(query);
    return make_error(Errc::NotFound, "the server could not find the external metric " + query.metric_name);
  }

  mutable std::mutex mu_;
  std::vector<provider::CustomMetricInfo> custom_metrics_;
  std::vector<provider::ExternalMetricInfo> external_metrics_;
  std::map<std::string, Result<provider::CustomAnswer>> custom_answers_;
  std::map<std::string, Result<provider::ExternalAnswer>> external_answers_;
  CustomScript custom_script_;
  ExternalScript external_script_;
  std::vector<provider::MetricQuery> custom_calls_;
  std::vector<provider::ExternalQuery> external_calls_;
  mutable int list_calls_ = 0;
};

}  // namespace fedmetrics::test
