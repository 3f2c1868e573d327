#include "aggregation/federated_metrics_provider.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "aggregation/fan_out.hpp"
#include "aggregation/merge_policy.hpp"
#include "aggregation/metric_kinds.hpp"
#include "aggregation/single_flight.hpp"
#include "aggregation/ttl_cache.hpp"
#include "clients/base/log.hpp"

namespace fedmetrics::aggregation {
namespace {

using members::DiscoveredMetric;
using members::MemberHandle;

// Failed members are logged at most this often each, so a dead member cannot flood the log.
constexpr auto kFailureLogInterval = std::chrono::seconds(30);
// The discovery loop wakes at least this often to notice directory changes early.
constexpr auto kDirectoryCheckInterval = std::chrono::seconds(5);

std::string outcome_of(const std::optional<Error>& e) {
  if (!e) return "success";
  if (e->code == Errc::NotFound) return "not_found";
  if (e->code == Errc::Timeout) return "timeout";
  return "error";
}

// Applies the App. A.4 status rule to per-member results (in member order); `merge` is the kind's merge rule.
template <class List, class Merge>
Result<provider::Answer<List>> combine(const std::vector<MemberHandle>& targets, std::vector<Result<List>>& results,
                                       const std::string& not_found, Merge merge) {
  std::vector<MemberAnswer<List>> ok;
  std::vector<std::string> failures;
  std::vector<provider::MemberFailure> failed;
  std::size_t not_found_count = 0;
  bool all_timeouts = true;
  bool all_invalid = true;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i]) {
      ok.push_back(MemberAnswer<List>{targets[i].cluster.name, std::move(*results[i])});
      continue;
    }
    const Error& e = results[i].error();
    failed.push_back(provider::MemberFailure{targets[i].cluster.name, e.code, e.message});
    if (e.code == Errc::NotFound) {
      ++not_found_count;
      continue;
    }
    all_timeouts = all_timeouts && e.code == Errc::Timeout;
    all_invalid = all_invalid && e.code == Errc::InvalidArgument;
    failures.push_back(e.message);
  }
  if (!ok.empty()) {
    std::vector<std::string> answered;
    for (const auto& r : ok) answered.push_back(r.cluster);
    Result<List> merged = merge(std::move(ok));
    if (!merged) return merged.error();
    return provider::Answer<List>{std::move(*merged), std::move(failures), std::move(answered), std::move(failed)};
  }
  if (targets.empty()) return make_error(Errc::Unavailable, "no member clusters are configured");
  if (failures.empty()) return make_error(Errc::NotFound, not_found);
  std::string msg = "no member cluster answered: ";
  for (std::size_t i = 0; i < failures.size(); ++i) msg += (i ? "; " : "") + failures[i];
  if (not_found_count > 0) msg += "; " + std::to_string(not_found_count) + " member(s) answered NotFound";
  const Errc code = all_timeouts ? Errc::Timeout : all_invalid ? Errc::InvalidArgument : Errc::Unavailable;
  return make_error(code, msg);
}

struct Metrics {
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Counter>& errors;
  prometheus::Family<prometheus::Histogram>& duration;
  prometheus::Counter& partial;
  prometheus::Family<prometheus::Counter>& cache;
  prometheus::Gauge& in_flight;

  explicit Metrics(prometheus::Registry& r)
      : requests(prometheus::BuildCounter()
                     .Name("fedmetrics_member_requests_total")
                     .Help("Requests to member clusters by outcome (success, not_found, timeout, error).")
                     .Register(r)),
        errors(prometheus::BuildCounter()
                   .Name("fedmetrics_member_errors_total")
                   .Help("Failed requests to member clusters by error code.")
                   .Register(r)),
        duration(prometheus::BuildHistogram()
                     .Name("fedmetrics_member_request_duration_seconds")
                     .Help("Latency of requests to member clusters.")
                     .Register(r)),
        partial(prometheus::BuildCounter()
                    .Name("fedmetrics_aggregation_partial_answers_total")
                    .Help("Successful answers that lacked at least one failed member.")
                    .Register(r)
                    .Add({})),
        cache(prometheus::BuildCounter()
                  .Name("fedmetrics_aggregation_cache_requests_total")
                  .Help("Metric reads served from the result cache (hit), by joining an identical "
                        "in-flight fan-out (coalesced), or by a new fan-out (miss).")
                  .Register(r)),
        in_flight(prometheus::BuildGauge()
                      .Name("fedmetrics_aggregation_fanouts_in_flight")
                      .Help("Member fan-outs currently running.")
                      .Register(r)
                      .Add({})) {}

  static const prometheus::Histogram::BucketBoundaries& duration_buckets() {
    static const prometheus::Histogram::BucketBoundaries b{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5,   1,    2.5,   5,    10,  30};
    return b;
  }

  /// Removes every series of a member that left the directory (its labels would otherwise stay forever).
  void forget(const std::string& cluster) {
    for (const char* outcome : {"success", "not_found", "timeout", "error"}) {
      remove(requests, {{"cluster", cluster}, {"outcome", outcome}});
    }
    for (int c = 0; c <= static_cast<int>(Errc::Internal); ++c) {
      remove(errors, {{"cluster", cluster}, {"code", std::string(to_string(static_cast<Errc>(c)))}});
    }
    if (duration.Has({{"cluster", cluster}})) duration.Remove(&duration.Add({{"cluster", cluster}}, duration_buckets()));
  }

  static void remove(prometheus::Family<prometheus::Counter>& family, const prometheus::Labels& labels) {
    if (family.Has(labels)) family.Remove(&family.Add(labels));
  }
};

struct InFlightGuard {
  prometheus::Gauge& g;
  explicit InFlightGuard(prometheus::Gauge& gauge) : g(gauge) { g.Increment(); }
  ~InFlightGuard() { g.Decrement(); }
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;
};

struct HealthRecord {
  MemberHealth health;
  std::chrono::steady_clock::time_point last_logged{};
};

// The answers of one kind that are shared between requests: the result cache and the in-flight fan-outs.
template <class Kind>
struct KindState {
  KindState(Clock& clock, std::chrono::milliseconds ttl, std::size_t max_entries) : cache(clock, ttl, max_entries) {}
  SingleFlight<typename Kind::Answer> flight;
  TtlCache<std::string, typename Kind::Answer> cache;
};

}  // namespace

struct FederatedMetricsProvider::Impl : std::enable_shared_from_this<FederatedMetricsProvider::Impl> {
  Impl(net::any_io_executor ex, members::ClusterDirectory& dir, members::MemberClientCache& cache, Clock& clk,
       prometheus::Registry& registry, FederatedMetricsProviderOptions opts)
      : executor(std::move(ex)),
        directory(dir),
        clients(cache),
        clock(clk),
        options(opts),
        metrics(registry),
        fan_out(executor, FanOutOptions{opts.member_timeout, opts.request_timeout, opts.max_in_flight},
                [this](const MemberCallReport& r) { observe(r); }),
        custom_state(clk, opts.cache_ttl, opts.cache_max_entries),
        external_state(clk, opts.cache_ttl, opts.cache_max_entries),
        resource_state(clk, opts.cache_ttl, opts.cache_max_entries) {}

  net::any_io_executor executor;
  members::ClusterDirectory& directory;
  members::MemberClientCache& clients;
  Clock& clock;
  FederatedMetricsProviderOptions options;
  Metrics metrics;
  FanOut fan_out;
  KindState<CustomKind> custom_state;
  KindState<ExternalKind> external_state;
  KindState<ResourceKind> resource_state;

  mutable std::mutex mu;  // guards the maps below; never held across co_await
  std::map<std::string, HealthRecord> health;
  std::map<std::string, std::vector<DiscoveredMetric>> custom_discovery;
  std::map<std::string, std::vector<DiscoveredMetric>> external_discovery;

  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::atomic<bool> discovered{false};  // one discovery pass has finished
  std::shared_ptr<net::steady_timer> timer;

  // Called on member strands, concurrently.
  void observe(const MemberCallReport& r) {
    const std::string outcome = outcome_of(r.error);
    metrics.requests.Add({{"cluster", r.cluster}, {"outcome", outcome}}).Increment();
    metrics.duration.Add({{"cluster", r.cluster}}, Metrics::duration_buckets())
        .Observe(std::chrono::duration<double>(r.elapsed).count());
    const bool failed = r.error && r.error->code != Errc::NotFound;
    if (failed) metrics.errors.Add({{"cluster", r.cluster}, {"code", std::string(to_string(r.error->code))}}).Increment();
    bool log_it = false;
    {
      std::lock_guard lock(mu);
      auto& rec = health[r.cluster];
      rec.health.cluster = r.cluster;
      if (!failed) {
        rec.health.last_success = clock.system_now();
        rec.health.consecutive_failures = 0;
      } else {
        rec.health.last_error_time = clock.system_now();
        rec.health.last_error = r.error->message;
        rec.health.last_error_code = r.error->code;
        ++rec.health.consecutive_failures;
        const auto now = clock.steady_now();
        if (rec.last_logged == std::chrono::steady_clock::time_point{} || now - rec.last_logged >= kFailureLogInterval) {
          rec.last_logged = now;
          log_it = true;
        }
      }
    }
    if (log_it) {
      log::warning("member request failed", {{"cluster", r.cluster},
                                             {"code", std::string(to_string(r.error->code))},
                                             {"error", r.error->message}});
    }
  }

  std::vector<MemberHandle> targets() { return clients.clients_for(*directory.snapshot()); }

  template <class Kind>
  KindState<Kind>& state() {
    if constexpr (std::is_same_v<Kind, CustomKind>) return custom_state;
    else if constexpr (std::is_same_v<Kind, ExternalKind>) return external_state;
    else return resource_state;
  }

  // One member call per member, then the status rule and the kind's merge.
  template <class Kind>
  net::awaitable<Result<typename Kind::Answer>> fan_out_read(typename Kind::Query query, View view) {
    using List = typename Kind::List;
    auto self = shared_from_this();
    InFlightGuard guard(metrics.in_flight);
    auto handles = targets();
    MemberCall<List> call = Kind::member_call(query);
    auto call_targets = handles;  // moved, not copied into the call (see read())
    auto results = co_await fan_out.run<List>(std::move(call_targets), std::move(call));
    auto answer = combine<List>(handles, results, Kind::not_found(query),
                                [&query, view](std::vector<MemberAnswer<List>> ok) {
                                  return Kind::merge(std::move(ok), query, view);
                                });
    if (answer && !answer->warnings.empty()) metrics.partial.Increment();
    co_return answer;
  }

  // The result cache, then an identical in-flight fan-out, then a new one.
  template <class Kind>
  net::awaitable<Result<typename Kind::Answer>> read(typename Kind::Query query, View view) {
    using Answer = typename Kind::Answer;
    auto self = shared_from_this();
    auto& st = state<Kind>();
    const std::string key = Kind::cache_key(query, view);
    if (auto hit = st.cache.get(key)) {
      metrics.cache.Add({{"result", "hit"}}).Increment();
      co_return std::move(*hit);
    }
    bool coalesced = false;
    // Named, not a temporary lambda: g++ 12 destroys a converted temporary argument of a coroutine call
    // inside co_await twice.
    typename SingleFlight<Answer>::Work work = [self, query, view]() {
      return self->template fan_out_read<Kind>(query, view);
    };
    auto r = co_await st.flight.run(key, std::move(work), &coalesced);
    metrics.cache.Add({{"result", coalesced ? "coalesced" : "miss"}}).Increment();
    if (!coalesced && r && r->warnings.empty()) st.cache.put(key, *r);
    co_return r;
  }

  net::awaitable<void> refresh() {
    auto self = shared_from_this();
    auto handles = targets();
    MemberCall<std::vector<DiscoveredMetric>> custom_call = [](std::shared_ptr<members::MemberClient> c,
                                                               members::Deadline d) {
      return c->list_custom_metrics(d);
    };
    MemberCall<std::vector<DiscoveredMetric>> external_call = [](std::shared_ptr<members::MemberClient> c,
                                                                 members::Deadline d) {
      return c->list_external_metrics(d);
    };
    auto custom_targets = handles;
    auto custom_results =
        co_await fan_out.run<std::vector<DiscoveredMetric>>(std::move(custom_targets), std::move(custom_call));
    auto external_targets = handles;
    auto external_results =
        co_await fan_out.run<std::vector<DiscoveredMetric>>(std::move(external_targets), std::move(external_call));
    std::lock_guard lock(mu);
    std::set<std::string> present;
    auto apply = [](auto& map, const std::string& name, auto& result) {
      if (result) {
        map[name] = std::move(*result);
      } else if (result.error().code == Errc::NotFound) {
        map[name] = {};  // the member does not serve this API
      }  // other failures: keep what the member advertised last time
    };
    for (std::size_t i = 0; i < handles.size(); ++i) {
      const std::string& name = handles[i].cluster.name;
      present.insert(name);
      apply(custom_discovery, name, custom_results[i]);
      apply(external_discovery, name, external_results[i]);
    }
    std::erase_if(custom_discovery, [&](const auto& kv) { return !present.contains(kv.first); });
    std::erase_if(external_discovery, [&](const auto& kv) { return !present.contains(kv.first); });
    for (const auto& [name, record] : health) {
      if (!present.contains(name)) metrics.forget(name);
    }
    std::erase_if(health, [&](const auto& kv) { return !present.contains(kv.first); });
    discovered.store(true);
  }

  static net::awaitable<void> discovery_loop(std::shared_ptr<Impl> self) {
    auto last_refresh = std::chrono::steady_clock::now();
    auto last_generation = self->directory.generation();
    co_await self->refresh();
    while (!self->stopped.load()) {
      self->timer->expires_after(std::min<std::chrono::steady_clock::duration>(self->options.discovery_interval,
                                                                               kDirectoryCheckInterval));
      auto [ec] = co_await self->timer->async_wait(net::as_tuple(net::use_awaitable));
      if (ec || self->stopped.load()) co_return;
      const auto generation = self->directory.generation();
      if (generation != last_generation ||
          std::chrono::steady_clock::now() - last_refresh >= self->options.discovery_interval) {
        last_generation = generation;
        last_refresh = std::chrono::steady_clock::now();
        co_await self->refresh();
      }
    }
  }
};

FederatedMetricsProvider::FederatedMetricsProvider(net::any_io_executor executor,
                                                   members::ClusterDirectory& directory,
                                                   members::MemberClientCache& clients, Clock& clock,
                                                   prometheus::Registry& registry,
                                                   FederatedMetricsProviderOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), directory, clients, clock, registry, options)) {}

FederatedMetricsProvider::~FederatedMetricsProvider() { stop(); }

void FederatedMetricsProvider::start() {
  if (impl_->started.exchange(true)) return;
  auto strand = net::make_strand(impl_->executor);
  impl_->timer = std::make_shared<net::steady_timer>(strand);
  net::co_spawn(strand, Impl::discovery_loop(impl_), [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("discovery refresh loop failed", {{"error", ex.what()}});
      }
    }
  });
}

void FederatedMetricsProvider::stop() {
  if (impl_->stopped.exchange(true) || !impl_->timer) return;
  auto timer = impl_->timer;
  net::post(timer->get_executor(), [timer] { timer->cancel(); });
}

net::awaitable<void> FederatedMetricsProvider::refresh_discovery() {
  auto impl = impl_;
  co_await impl->refresh();
}

bool FederatedMetricsProvider::discovery_synced() const { return impl_->discovered.load(); }

std::vector<MemberHealth> FederatedMetricsProvider::member_health() const {
  const auto members = impl_->directory.snapshot();
  std::vector<MemberHealth> out;
  std::lock_guard lock(impl_->mu);
  for (const auto& m : *members) {
    auto it = impl_->health.find(m.name);
    if (it != impl_->health.end()) {
      out.push_back(it->second.health);
    } else {
      out.push_back(MemberHealth{m.name, std::nullopt, std::nullopt, "", 0});
    }
  }
  return out;
}

std::vector<provider::CustomMetricInfo> FederatedMetricsProvider::list_custom_metrics() const {
  // Union over members in name order. All metrics of one group-resource must share one scope, or the
  // aggregator's discovery conversion rejects the whole version (aggregated-api.md §1.2): the first
  // member (by name) to advertise a group-resource decides its scope.
  std::map<provider::GroupResource, bool> scope;
  std::set<provider::CustomMetricInfo> out;
  std::lock_guard lock(impl_->mu);
  for (const auto& [name, list] : impl_->custom_discovery) {
    for (const auto& d : list) {
      provider::GroupResource gr{d.group, d.resource};
      const bool namespaced = scope.try_emplace(gr, d.namespaced).first->second;
      out.insert(provider::CustomMetricInfo{std::move(gr), d.metric, namespaced});
    }
  }
  return {out.begin(), out.end()};
}

std::vector<provider::ExternalMetricInfo> FederatedMetricsProvider::list_external_metrics() const {
  std::set<provider::ExternalMetricInfo> out;
  std::lock_guard lock(impl_->mu);
  for (const auto& [name, list] : impl_->external_discovery) {
    for (const auto& d : list) out.insert(provider::ExternalMetricInfo{d.metric});
  }
  return {out.begin(), out.end()};
}

net::awaitable<Result<provider::CustomAnswer>> FederatedMetricsProvider::get_custom_metric(
    provider::MetricQuery query) {
  auto impl = impl_;
  co_return co_await impl->read<CustomKind>(std::move(query), View::Wire);
}

net::awaitable<Result<provider::ExternalAnswer>> FederatedMetricsProvider::get_external_metric(
    provider::ExternalQuery query) {
  auto impl = impl_;
  co_return co_await impl->read<ExternalKind>(std::move(query), View::Wire);
}

net::awaitable<Result<provider::ResourceAnswer>> FederatedMetricsProvider::get_resource_metrics(
    provider::ResourceQuery query) {
  auto impl = impl_;
  co_return co_await impl->read<ResourceKind>(std::move(query), View::Wire);
}

net::awaitable<Result<provider::CustomAnswer>> FederatedMetricsProvider::get_custom_metric_by_cluster(
    provider::MetricQuery query) {
  auto impl = impl_;
  co_return co_await impl->read<CustomKind>(std::move(query), View::ByCluster);
}

net::awaitable<Result<provider::ExternalAnswer>> FederatedMetricsProvider::get_external_metric_by_cluster(
    provider::ExternalQuery query) {
  auto impl = impl_;
  co_return co_await impl->read<ExternalKind>(std::move(query), View::ByCluster);
}

}  // namespace fedmetrics::aggregation
