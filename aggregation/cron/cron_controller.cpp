#include "aggregation/cron/cron_controller.hpp"

#include <atomic>
#include <map>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "aggregation/cron/cron_federated_hpa.hpp"
#include "aggregation/cron/cron_plan.hpp"
#include "clients/base/log.hpp"
#include "clients/kube/encoding.hpp"
#include "clients/kube/fence.hpp"
#include "clients/kube/informer.hpp"
#include "clients/kube/objects.hpp"

namespace fedmetrics::cron {

using nlohmann::json;

namespace {

// client-go's retry.DefaultRetry, which the reference uses for every write of a run.
constexpr int kWriteAttempts = 5;

struct Metrics {
  explicit Metrics(prometheus::Registry& r)
      : process(prometheus::BuildHistogram()
                    .Name("fedmetrics_cronfederatedhpa_process_duration_seconds")
                    .Help("Duration of planning one CronFederatedHPA after a spec change (reference: "
                          "cronfederatedhpa_process_duration_seconds).")
                    .Register(r)),
        rule(prometheus::BuildHistogram()
                 .Name("fedmetrics_cronfederatedhpa_rule_process_duration_seconds")
                 .Help("Duration of one rule execution: read, scale write, status write (reference: "
                       "cronfederatedhpa_rule_process_duration_seconds).")
                 .Register(r)),
        delay(prometheus::BuildHistogram()
                  .Name("fedmetrics_cronfederatedhpa_execution_delay_seconds")
                  .Help("How long after its scheduled instant a rule execution started.")
                  .Register(r)
                  .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30})),
        planned(prometheus::BuildGauge()
                    .Name("fedmetrics_cronfederatedhpa_planned_rules")
                    .Help("CronFederatedHPA rules with a next execution on this replica.")
                    .Register(r)
                    .Add({})) {}

  // The reference's buckets: 0.01 s doubling, 12 buckets (pkg/metrics/resource.go).
  static const prometheus::Histogram::BucketBoundaries& buckets() {
    static const prometheus::Histogram::BucketBoundaries b{0.01, 0.02, 0.04, 0.08, 0.16, 0.32,
                                                           0.64, 1.28, 2.56, 5.12, 10.24, 20.48};
    return b;
  }

  prometheus::Family<prometheus::Histogram>& process;
  prometheus::Family<prometheus::Histogram>& rule;
  prometheus::Histogram& delay;
  prometheus::Gauge& planned;
};

const json& metadata_of(const json& obj) {
  static const json kEmpty = json::object();
  const auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : kEmpty;
}

std::string key_of(const json& obj) {
  const json& meta = metadata_of(obj);
  return meta.value("namespace", "") + "/" + meta.value("name", "");
}

Seconds floor_seconds(Time t) { return std::chrono::floor<std::chrono::seconds>(t); }

// co_spawn completion: log what escaped (STYLE.md §7: every co_spawn handler checks its exception).
auto log_failure(const char* what) { return log::on_task_failure(std::string("cronfederatedhpa ") + what); }

std::pair<std::string, std::string> split_key(const std::string& key) {
  const auto slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace

struct CronFederatedHpaController::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::any_io_executor ex, kube::RestClient& cp, kube::Ownership& own, const ZoneDatabase& z, const Clock& clk,
       prometheus::Registry& registry, CronControllerOptions opts)
      : strand(net::make_strand(ex)),
        control_plane(cp),
        ownership(own),
        zones(z),
        clock(clk),
        options(std::move(opts)),
        metrics(registry),
        informer(cp, cron_federated_hpas(), informer_options(options)),
        timer(strand),
        plan(zones) {}

  static kube::InformerOptions informer_options(const CronControllerOptions& o) {
    kube::InformerOptions io;
    io.watch_timeout = o.watch_timeout;
    return io;
  }

  // The strand owns `plan`, `seen` and the timer; coroutines below run on it.
  net::strand<net::any_io_executor> strand;
  kube::RestClient& control_plane;
  kube::Ownership& ownership;
  const ZoneDatabase& zones;
  const Clock& clock;
  CronControllerOptions options;
  Metrics metrics;
  kube::Informer informer;
  net::steady_timer timer;
  net::cancellation_signal informer_cancel;
  CronPlan plan;
  /// uid and generation last planned per object: status writes do not change the generation.
  std::map<std::string, std::pair<std::string, std::int64_t>> seen;

  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> executions{0};

  /// The ownership gate, one call: the fence under which this replica acts on `key` now (nullptr: not ours).
  /// Every write goes through a FencedWriter on it, which checks it again right before sending.
  kube::FencePtr fence_of(const std::string& key) const {
    if (stopped.load()) return nullptr;
    const auto [ns, name] = split_key(key);
    return ownership.fence_for(ns, name);
  }

  void update_gauge() { metrics.planned.Set(static_cast<double>(plan.planned())); }

  // --- planning (on the strand) -------------------------------------------------------------------------

  void on_delta(const kube::Delta& delta) {
    const std::string key = key_of(*delta.object);
    if (delta.type == kube::DeltaType::Deleted) {
      plan.remove(key);
      seen.erase(key);
      update_gauge();
      timer.cancel();
      return;
    }
    if (!fence_of(key)) {
      return;
    }
    const json& meta = metadata_of(*delta.object);
    const std::pair<std::string, std::int64_t> version{meta.value("uid", ""), meta.value("generation", std::int64_t{0})};
    const auto it = seen.find(key);
    if (it != seen.end() && it->second == version) {
      return;  // a status or metadata change: the plan stands
    }
    seen[key] = version;
    replan(*delta.object);
  }

  void replan(const json& object) {
    const auto started_at = clock.steady_now();
    auto decoded = decode_cron_federated_hpa(object);
    if (!decoded) {
      log::warning("cannot decode CronFederatedHPA", {{"cronfederatedhpa", key_of(object)}, {"err", decoded.error().message}});
      return;
    }
    const auto problems = plan.apply(*decoded, floor_seconds(clock.system_now()));
    update_gauge();
    timer.cancel();  // the earliest instant may have changed
    net::co_spawn(strand, sync_status(shared_from_this(), *decoded, problems, started_at), log_failure("status"));
  }

  /// After an ownership change: objects gained are planned from now (nothing is caught up), objects lost
  /// are forgotten; the plans of objects still owned stand.
  void on_ownership_change() {
    for (const auto& obj : informer.list()) {
      const std::string key = key_of(*obj);
      const bool ours = fence_of(key) != nullptr;
      if (ours && !seen.contains(key)) {
        const json& meta = metadata_of(*obj);
        seen[key] = {meta.value("uid", ""), meta.value("generation", std::int64_t{0})};
        replan(*obj);
      } else if (!ours && seen.contains(key)) {
        plan.remove(key);
        seen.erase(key);
      }
    }
    update_gauge();
    timer.cancel();
  }

  // --- writes -------------------------------------------------------------------------------------------

  /// Sets the object's status to what `edit` makes of the decoded object (re-read on Conflict).
  net::awaitable<Result<json>> edit_status(kube::FencedWriter& writer, std::string namespace_name, std::string name,
                                           std::function<void(CronFederatedHpa&)> edit) {
    kube::Mutator mutate = [edit](json& obj) -> Result<bool> {
      auto decoded = decode_cron_federated_hpa(obj);
      if (!decoded) return decoded.error();
      edit(*decoded);
      json status = encode_status(decoded->histories, decoded->conditions);
      if (obj.contains("status") && obj["status"] == status) return false;
      obj["status"] = std::move(status);
      return true;
    };
    // Named arguments only in co_await calls: g++ 12 destroys a temporary argument of a coroutine call inside
    // co_await twice (as in fhpa/controller.cpp). The same holds for every co_await in this file.
    const kube::ResourceRef ref = cron_federated_hpas().in(namespace_name);
    const std::string subresource = "status";
    co_return co_await writer.update_with_retry(ref, name, subresource, mutate, kWriteAttempts);
  }

  net::awaitable<void> post_event(kube::FencedWriter& writer, std::string namespace_name, std::string name,
                                  std::string uid, std::string type, std::string reason, std::string message) {
    kube::EventSpec spec;
    spec.involved = {kKarmadaAutoscalingVersion, "CronFederatedHPA", namespace_name, name, uid, ""};
    spec.type = std::move(type);
    spec.reason = std::move(reason);
    spec.message = std::move(message);
    spec.reporting_component = "fedmetrics-cronfederatedhpa";
    spec.reporting_instance = options.reporting_instance;
    spec.time = clock.system_now();
    const kube::ResourceRef ref = kube::resources::events().in(namespace_name);
    json event = kube::make_event(spec);
    auto r = co_await writer.create(ref, std::move(event));
    if (!r) {
      log::warning("cannot record event", {{"cronfederatedhpa", namespace_name + "/" + name}, {"reason", spec.reason},
                                           {"err", r.error().message}});
    }
  }

  // --- status after planning ----------------------------------------------------------------------------

  static net::awaitable<void> sync_status(std::shared_ptr<Impl> self, CronFederatedHpa object,
                                          std::vector<std::string> problems,
                                          std::chrono::steady_clock::time_point started) {
    const std::string key = object.key();
    auto fence = self->fence_of(key);
    if (!fence) co_return;  // no longer ours: the new owner plans it
    kube::FencedWriter writer(self->control_plane, std::move(fence));
    std::vector<std::optional<Time>> next;
    for (const auto& n : self->plan.next_of(object)) {
      next.push_back(n ? std::optional<Time>(*n) : std::nullopt);
    }
    const Time now = self->clock.system_now();
    const bool was_valid = std::none_of(object.conditions.begin(), object.conditions.end(),
                                        [](const CronCondition& c) { return c.type == "Valid" && c.status == "False"; });
    auto edit = [next, problems, now](CronFederatedHpa& c) {
      c.histories = reconcile_histories(c.histories, c.rules, next);
      c.conditions = {valid_condition(problems, c.conditions, now)};
    };
    const std::function<void(CronFederatedHpa&)> edit_fn = edit;
    auto r = co_await self->edit_status(writer, object.namespace_name, object.name, edit_fn);
    log::verbose(2, "cronfederatedhpa planned", {{"cronfederatedhpa", key}, {"rules", self->plan.planned()},
                                                 {"problems", problems.size()},
                                                 {"status", r ? std::string("written") : r.error().message}});
    self->metrics.process.Add({{"result", r ? "success" : "error"}}, Metrics::buckets())
        .Observe(std::chrono::duration<double>(self->clock.steady_now() - started).count());
    if (!r && r.error().code != Errc::NotFound) {
      log::warning("cannot update CronFederatedHPA status", {{"cronfederatedhpa", key}, {"err", r.error().message}});
      const std::string type = "Warning", reason = "UpdateCronFederatedHPAFailed", message = r.error().message;
      co_await self->post_event(writer, object.namespace_name, object.name, object.uid, type, reason, message);
    }
    if (!problems.empty() && (was_valid || object.conditions.empty())) {
      std::string message;
      for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
      log::warning("invalid CronFederatedHPA: no rule runs", {{"cronfederatedhpa", key}, {"err", message}});
      const std::string type = "Warning", reason = "InvalidSpec";
      co_await self->post_event(writer, object.namespace_name, object.name, object.uid, type, reason, message);
    }
  }

  static net::awaitable<void> run_informer(std::shared_ptr<Impl> self) { co_await self->informer.run(); }

  // --- the timer ----------------------------------------------------------------------------------------

  static net::awaitable<void> timer_loop(std::shared_ptr<Impl> self) {
    while (!self->stopped.load()) {
      const Time now = self->clock.system_now();
      for (auto& due : self->plan.take_due(floor_seconds(now))) {
        self->metrics.delay.Observe(std::chrono::duration<double>(now - Time(due.scheduled)).count());
        net::co_spawn(self->strand, execute(self, std::move(due)), log_failure("execution"));
      }
      self->update_gauge();
      auto sleep = std::chrono::duration_cast<std::chrono::milliseconds>(self->options.max_sleep);
      if (const auto next = self->plan.next_wakeup()) {
        const auto until = std::chrono::ceil<std::chrono::milliseconds>(Time(*next) - self->clock.system_now());
        sleep = std::clamp(until, std::chrono::milliseconds(1), sleep);
      }
      self->timer.expires_after(sleep);
      boost::system::error_code ec;
      co_await self->timer.async_wait(net::redirect_error(net::use_awaitable, ec));  // cancel() = replanned
    }
  }

  // --- one execution ------------------------------------------------------------------------------------

  static net::awaitable<void> execute(std::shared_ptr<Impl> self, DueExecution due) {
    const auto started = self->clock.steady_now();
    const auto [ns, name] = split_key(due.key);
    // The whole execution writes under the fence it starts with: nothing is written once it is revoked or
    // has expired (the lease was not renewed in time), even before this replica learns it lost the lease.
    auto fence = self->fence_of(due.key);
    if (!fence) {
      log::verbose(2, "cron rule not run: not the owner", {{"cronfederatedhpa", due.key}, {"rule", due.rule.name}});
      co_return;
    }
    kube::FencedWriter writer(self->control_plane, std::move(fence));
    // Re-read the object, as the reference does: a deleted object runs nothing.
    const kube::ResourceRef crons = cron_federated_hpas().in(ns);
    const std::string no_subresource;
    auto current = co_await self->control_plane.get(crons, name, no_subresource);
    if (!current) {
      if (current.error().code != Errc::NotFound) {
        log::warning("cannot read CronFederatedHPA", {{"cronfederatedhpa", due.key}, {"err", current.error().message}});
      }
      co_return;
    }
    const std::string uid = metadata_of(*current).value("uid", "");
    Result<void> scaled = co_await scale(writer, due, ns);  // named arguments: see edit_status
    self->executions.fetch_add(1);
    const Time executed = self->clock.system_now();
    const std::optional<Time> next = due.next ? std::optional<Time>(*due.next) : std::nullopt;
    const CronRule rule = due.rule;
    const Time scheduled(due.scheduled);
    std::function<void(CronFederatedHpa&)> record;
    if (scaled) {
      log::info("cron rule executed", {{"cronfederatedhpa", due.key}, {"rule", rule.name},
                                      {"scheduled", format_rfc3339(scheduled)},
                                      {"executed", kube::format_rfc3339_micro(executed)}});
      record = [rule, scheduled, executed, next](CronFederatedHpa& c) {
        if (!std::any_of(c.histories.begin(), c.histories.end(), [&](const auto& h) { return h.rule_name == rule.name; }) &&
            std::none_of(c.rules.begin(), c.rules.end(), [&](const CronRule& r) { return r.name == rule.name; })) {
          return;  // the rule was deleted meanwhile (the reference ignores it too)
        }
        record_success(c.histories, rule, {scheduled, executed, rule.target_replicas, rule.target_min_replicas,
                                           rule.target_max_replicas}, next);
      };
    } else {
      log::warning("cron rule failed", {{"cronfederatedhpa", due.key}, {"rule", rule.name}, {"err", scaled.error().message}});
      const std::string type = "Warning", reason = "ScaleFailed", message = scaled.error().message;
      co_await self->post_event(writer, ns, name, uid, type, reason, message);
      record = [rule, scheduled, executed, next, message](CronFederatedHpa& c) {
        if (std::none_of(c.rules.begin(), c.rules.end(), [&](const CronRule& r) { return r.name == rule.name; })) {
          return;
        }
        record_failure(c.histories, rule, {scheduled, executed, message}, next);
      };
    }
    auto status = co_await self->edit_status(writer, ns, name, record);
    if (!status && status.error().code != Errc::NotFound) {
      const std::string type = "Warning", reason = "UpdateStatusFailed", message = status.error().message;
      co_await self->post_event(writer, ns, name, uid, type, reason, message);
    }
    self->metrics.rule.Add({{"result", scaled && status ? "success" : "error"}}, Metrics::buckets())
        .Observe(std::chrono::duration<double>(self->clock.steady_now() - started).count());
  }

  /// The rule's effect: FederatedHPA bounds, or the workload's scale.
  static net::awaitable<Result<void>> scale(kube::FencedWriter& writer, const DueExecution& due, std::string ns) {
    if (due.target.api_version == kKarmadaAutoscalingVersion) {
      const auto min = due.rule.target_min_replicas, max = due.rule.target_max_replicas;
      kube::Mutator set_bounds = [min, max](json& fhpa) -> Result<bool> {
        json& spec = fhpa["spec"];
        bool changed = false;
        if (max && spec.value("maxReplicas", std::int64_t{-1}) != *max) {
          spec["maxReplicas"] = *max;
          changed = true;
        }
        if (min && spec.value("minReplicas", std::int64_t{1}) != *min) {  // absent = the default 1
          spec["minReplicas"] = *min;
          changed = true;
        }
        return changed;
      };
      const kube::ResourceRef fhpas = fhpa::federated_hpas().in(ns);
      const std::string no_subresource;
      auto r = co_await writer.update_with_retry(fhpas, due.target.name, no_subresource, set_bounds, kWriteAttempts);
      if (!r) co_return r.error();
      co_return ok();
    }
    auto ref = fhpa::target_resource(due.target);
    if (!ref) co_return ref.error();
    const std::int32_t replicas = due.rule.target_replicas.value_or(0);
    // Always writes spec.replicas when it is absent (scale from zero: the reference's PR #7183).
    kube::Mutator set_replicas = [replicas](json& scale) -> Result<bool> {
      json& spec = scale["spec"];
      if (spec.is_object() && spec.contains("replicas") && spec["replicas"] == replicas) return false;
      spec["replicas"] = replicas;
      return true;
    };
    const kube::ResourceRef workloads = ref->in(ns);
    const std::string subresource = "scale";
    auto r = co_await writer.update_with_retry(workloads, due.target.name, subresource, set_replicas, kWriteAttempts);
    if (!r) co_return r.error();
    co_return ok();
  }
};

CronFederatedHpaController::CronFederatedHpaController(net::any_io_executor executor, kube::RestClient& control_plane,
                                                       kube::Ownership& ownership, const ZoneDatabase& zones,
                                                       const Clock& clock, prometheus::Registry& registry,
                                                       CronControllerOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), control_plane, ownership, zones, clock, registry,
                                   std::move(options))) {
  // Registered before ownership can change (ownership.hpp); the callback outlives the controller harmlessly.
  std::weak_ptr<Impl> weak = impl_;
  ownership.on_change([weak] {
    if (auto self = weak.lock()) net::post(self->strand, [self] { self->on_ownership_change(); });
  });
}

CronFederatedHpaController::~CronFederatedHpaController() { stop(); }

void CronFederatedHpaController::start() {
  auto impl = impl_;
  if (impl->started.exchange(true)) return;
  std::weak_ptr<Impl> weak = impl;
  // Watch events arrive on the REST client's executor: handle every delta on the strand, so planning never
  // races with the timer or an execution.
  impl->informer.add_handler([weak](const kube::Delta& d) {
    if (auto self = weak.lock()) net::post(self->strand, [self, d] { self->on_delta(d); });
  });
  net::co_spawn(impl->strand, Impl::run_informer(impl),
                net::bind_cancellation_slot(impl->informer_cancel.slot(), log_failure("informer")));
  net::co_spawn(impl->strand, Impl::timer_loop(impl), log_failure("timer"));
}

void CronFederatedHpaController::stop() {
  auto impl = impl_;
  if (impl->stopped.exchange(true) || !impl->started.load()) return;
  net::post(impl->strand, [impl] {
    impl->informer_cancel.emit(net::cancellation_type::terminal);
    impl->timer.cancel();
    impl->plan.clear();
  });
}

std::uint64_t CronFederatedHpaController::executions() const { return impl_->executions.load(); }

}  // namespace fedmetrics::cron
