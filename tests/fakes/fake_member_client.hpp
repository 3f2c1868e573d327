#pragma once
// A scripted, recording MemberClient: answers come from per-metric scripts (or a default), every call is
// logged. Behaviour knobs: `yields` (resume N times through the executor before answering, so concurrent
// callers interleave deterministically without clocks) and `hang` (never answer until cancelled).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "clients/members/member_client.hpp"

namespace fedmetrics::test {

/// Thread-safe (scripts and logs behind a mutex, never held across a suspension).
class FakeMemberClient final : public members::MemberClient {
 public:
  explicit FakeMemberClient(std::string name) : name_(std::move(name)) {}

  // --- scripting -------------------------------------------------------------------------------------
  /// Answer for custom requests of `metric` ("" = any metric without its own script).
  void script_custom(std::string metric, Result<kubeapi::MetricValueList> answer) {
    custom_.script(mu_, std::move(metric), std::move(answer));
  }
  void script_external(std::string metric, Result<kubeapi::ExternalMetricValueList> answer) {
    external_.script(mu_, std::move(metric), std::move(answer));
  }
  /// Answer for resource metrics requests of `kind` (list or get by name alike).
  void script_resource(kubeapi::ResourceMetricsKind kind, Result<kubeapi::ResourceMetricsList> answer) {
    resource_.script(mu_, std::string(kubeapi::to_string(kind)), std::move(answer));
  }
  void script_discovery(Result<std::vector<members::DiscoveredMetric>> custom,
                        Result<std::vector<members::DiscoveredMetric>> external =
                            std::vector<members::DiscoveredMetric>{}) {
    std::lock_guard lock(mu_);
    custom_discovery_ = std::move(custom);
    external_discovery_ = std::move(external);
  }
  /// Resume through the executor `n` times before answering.
  void set_yields(int n) { yields_ = n; }
  /// Never answer (until the awaiting coroutine is cancelled, e.g. by a FanOut deadline).
  void set_hang(bool hang) { hang_ = hang; }

  // --- recorded calls --------------------------------------------------------------------------------
  std::vector<members::CustomMetricsRequest> custom_calls() const { return custom_.recorded(mu_); }
  std::vector<members::ExternalMetricsRequest> external_calls() const { return external_.recorded(mu_); }
  std::vector<members::ResourceMetricsRequest> resource_calls() const { return resource_.recorded(mu_); }
  int discovery_calls() const {
    std::lock_guard lock(mu_);
    return discovery_calls_;
  }
  int cancelled_calls() const {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

  // members::MemberClient
  const std::string& name() const override { return name_; }

  net::awaitable<Result<kubeapi::MetricValueList>> get_custom_metrics(members::CustomMetricsRequest request,
                                                                      members::Deadline) override {
    auto answer = custom_.take(mu_, request, request.metric, not_found("metric " + request.metric));
    co_return co_await finish(std::move(answer));
  }

  net::awaitable<Result<kubeapi::ExternalMetricValueList>> get_external_metrics(
      members::ExternalMetricsRequest request, members::Deadline) override {
    auto answer = external_.take(mu_, request, request.metric, not_found("metric " + request.metric));
    co_return co_await finish(std::move(answer));
  }

  net::awaitable<Result<kubeapi::ResourceMetricsList>> get_resource_metrics(members::ResourceMetricsRequest request,
                                                                            members::Deadline) override {
    const std::string kind(kubeapi::to_string(request.kind));
    auto answer = resource_.take(mu_, request, kind, not_found(kind + " metrics"));
    co_return co_await finish(std::move(answer));
  }

  net::awaitable<Result<std::vector<members::DiscoveredMetric>>> list_custom_metrics(members::Deadline) override {
    Result<std::vector<members::DiscoveredMetric>> answer = std::vector<members::DiscoveredMetric>{};
    {
      std::lock_guard lock(mu_);
      ++discovery_calls_;
      answer = custom_discovery_;
    }
    if (!co_await behave()) co_return make_error(Errc::Cancelled, "member " + name_ + ": cancelled");
    co_return answer;
  }

  net::awaitable<Result<std::vector<members::DiscoveredMetric>>> list_external_metrics(members::Deadline) override {
    Result<std::vector<members::DiscoveredMetric>> answer = std::vector<members::DiscoveredMetric>{};
    {
      std::lock_guard lock(mu_);
      answer = external_discovery_;
    }
    if (!co_await behave()) co_return make_error(Errc::Cancelled, "member " + name_ + ": cancelled");
    co_return answer;
  }

 private:
  // The scripts and recorded requests of one kind; every method takes the client's mutex.
  template <class Request, class List>
  struct Reads {
    std::map<std::string, Result<List>> scripts;
    std::vector<Request> calls;

    void script(std::mutex& mu, std::string key, Result<List> answer) {
      std::lock_guard lock(mu);
      scripts.insert_or_assign(std::move(key), std::move(answer));
    }
    std::vector<Request> recorded(std::mutex& mu) const {
      std::lock_guard lock(mu);
      return calls;
    }
    // Records the request; the script for `key`, else the one for "", else `fallback`.
    Result<List> take(std::mutex& mu, const Request& request, const std::string& key, Error fallback) {
      std::lock_guard lock(mu);
      calls.push_back(request);
      if (auto it = scripts.find(key); it != scripts.end()) return it->second;
      if (auto any = scripts.find(""); any != scripts.end()) return any->second;
      return fallback;
    }
  };

  Error not_found(const std::string& what) const {
    return make_error(Errc::NotFound, "member " + name_ + ": " + what + " not found");
  }

  // Behaves (yields, hangs), then stamps this member's name on every item.
  template <class List>
  net::awaitable<Result<List>> finish(Result<List> answer) {
    if (!co_await behave()) co_return make_error(Errc::Cancelled, "member " + name_ + ": cancelled");
    if (answer) {
      for (auto& item : answer->items) item.cluster = name_;
    }
    co_return answer;
  }

  // false when cancelled while hanging.
  net::awaitable<bool> behave() {
    auto ex = co_await net::this_coro::executor;
    for (int i = 0; i < yields_; ++i) co_await net::post(ex, net::use_awaitable);
    if (hang_) {
      net::steady_timer forever(ex, std::chrono::hours(24));
      co_await forever.async_wait(net::as_tuple(net::use_awaitable));  // ends only when cancelled
      std::lock_guard lock(mu_);
      ++cancelled_;
      co_return false;
    }
    co_return true;
  }

  std::string name_;
  std::atomic<int> yields_{0};
  std::atomic<bool> hang_{false};
  mutable std::mutex mu_;
  Reads<members::CustomMetricsRequest, kubeapi::MetricValueList> custom_;
  Reads<members::ExternalMetricsRequest, kubeapi::ExternalMetricValueList> external_;
  Reads<members::ResourceMetricsRequest, kubeapi::ResourceMetricsList> resource_;
  Result<std::vector<members::DiscoveredMetric>> custom_discovery_ = std::vector<members::DiscoveredMetric>{};
  Result<std::vector<members::DiscoveredMetric>> external_discovery_ = std::vector<members::DiscoveredMetric>{};
  int discovery_calls_ = 0;
  int cancelled_ = 0;
};

/// A MemberClientFactory over a fixed set of fakes, by member name (unknown names throw, like a bad config).
class FakeMemberClients {
 public:
  std::shared_ptr<FakeMemberClient> add(const std::string& name) {
    auto c = std::make_shared<FakeMemberClient>(name);
    std::lock_guard lock(mu_);
    clients_[name] = c;
    return c;
  }
  std::shared_ptr<FakeMemberClient> get(const std::string& name) const {
    std::lock_guard lock(mu_);
    return clients_.at(name);
  }
  /// Factory for members::MemberClientCache; `this` must outlive the cache.
  auto factory() {
    return [this](const members::MemberCluster& m) -> std::shared_ptr<members::MemberClient> {
      std::lock_guard lock(mu_);
      auto it = clients_.find(m.name);
      if (it == clients_.end()) throw std::runtime_error("member " + m.name + ": no fake scripted");
      return it->second;
    };
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<FakeMemberClient>> clients_;
};

}  // namespace fedmetrics::test
