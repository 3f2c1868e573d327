#include "aggregation/fhpa/controller.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "aggregation/autoscaler/conditions.hpp"
#include "aggregation/autoscaler/decide.hpp"
#include "aggregation/autoscaler/decision_json.hpp"
#include "aggregation/autoscaler/scenario_writer.hpp"
#include "aggregation/fhpa/federated_hpa_object.hpp"
#include "aggregation/fhpa/observe.hpp"
#include "clients/base/log.hpp"
#include "clients/kube/api_codec.hpp"
#include "clients/kube/fence.hpp"
#include "clients/kube/informer.hpp"
#include "clients/kube/objects.hpp"
#include "clients/kube/scale.hpp"

namespace fedmetrics::fhpa {

using autoscaler::Decision;
using autoscaler::History;
using nlohmann::json;

namespace {

// Far more than any realistic number of FederatedHPAs; a full queue drops the key until the next period.
constexpr std::size_t kQueueCapacity = 1 << 20;
// Events sent concurrently at most (client-go's broadcaster queues 1,000); beyond, they are dropped.
constexpr std::size_t kMaxEventsInFlight = 1000;

std::string action_of(const Decision& d) {
  if (!d.scale_updated || !d.current_replicas) return "none";
  return d.desired_replicas > *d.current_replicas ? "scale_up" : "scale_down";
}

std::string reason_of(const Decision& d) {
  if (d.error && !d.scale_updated && d.branch == "failedGetScale") return "FailedGetScale";
  if (!d.limit_reason.empty()) return d.limit_reason;
  return d.branch.empty() ? "unknown" : d.branch;
}

struct Metrics {
  explicit Metrics(prometheus::Registry& r)
      : reconcile(prometheus::BuildHistogram()
                      .Name("fedmetrics_federatedhpa_reconcile_duration_seconds")
                      .Help("Duration of one FederatedHPA evaluation (reads, decision, writes).")
                      .Register(r)),
        pull(prometheus::BuildHistogram()
                 .Name("fedmetrics_federatedhpa_metric_pull_duration_seconds")
                 .Help("Duration of one metric read of the FederatedHPA loop (in-process fan-out).")
                 .Register(r)),
        desired(prometheus::BuildGauge()
                    .Name("fedmetrics_federatedhpa_desired_replicas")
                    .Help("Desired replicas of each FederatedHPA after its last evaluation.")
                    .Register(r)),
        current(prometheus::BuildGauge()
                    .Name("fedmetrics_federatedhpa_current_replicas")
                    .Help("Template replicas of each FederatedHPA at its last evaluation.")
                    .Register(r)),
        decisions(prometheus::BuildCounter()
                      .Name("fedmetrics_federatedhpa_decisions_total")
                      .Help("FederatedHPA decisions by action and limiting reason.")
                      .Register(r)),
        condition(prometheus::BuildGauge()
                      .Name("fedmetrics_federatedhpa_condition")
                      .Help("Status conditions of each FederatedHPA after its last evaluation: 1 True, 0 False.")
                      .Register(r)) {}

  static constexpr const char* kConditions[] = {"AbleToScale", "ScalingActive", "ScalingLimited"};

  /// Removes the per-object series of a FederatedHPA that was deleted.
  void forget(const std::string& namespace_name, const std::string& name) {
    const prometheus::Labels labels{{"namespace", namespace_name}, {"name", name}};
    for (auto* family : {&desired, &current}) {
      if (family->Has(labels)) family->Remove(&family->Add(labels));
    }
    for (const char* type : kConditions) {
      prometheus::Labels with = labels;
      with.emplace("condition", type);
      if (condition.Has(with)) condition.Remove(&condition.Add(with));
    }
  }

  static const prometheus::Histogram::BucketBoundaries& buckets() {
    static const prometheus::Histogram::BucketBoundaries b{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                           0.25,  0.5,    1,     2.5,  5,     10};
    return b;
  }

  prometheus::Family<prometheus::Histogram>& reconcile;
  prometheus::Family<prometheus::Histogram>& pull;
  prometheus::Family<prometheus::Gauge>& desired;
  prometheus::Family<prometheus::Gauge>& current;
  prometheus::Family<prometheus::Counter>& decisions;
  prometheus::Family<prometheus::Gauge>& condition;
};

const json& metadata_of(const json& obj) {
  static const json kEmpty = json::object();
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : kEmpty;
}

std::string key_of(const json& obj) {
  const json& meta = metadata_of(obj);
  return meta.value("namespace", "") + "/" + meta.value("name", "");
}

std::int64_t generation_of(const json& obj) {
  const json& meta = metadata_of(obj);
  auto it = meta.find("generation");
  return it != meta.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::string metric_type_label(autoscaler::MetricSourceType t) {
  switch (t) {
    case autoscaler::MetricSourceType::Resource:
    case autoscaler::MetricSourceType::ContainerResource: return "ResourceMetric";
    case autoscaler::MetricSourceType::Pods: return "RawMetric";
    case autoscaler::MetricSourceType::Object: return "ObjectMetric";
    case autoscaler::MetricSourceType::External: return "ExternalMetric";
    case autoscaler::MetricSourceType::Invalid: break;
  }
  return "Invalid";
}

}  // namespace

struct FederatedHpaController::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::any_io_executor ex, kube::RestClient& cp, members::ClusterDirectory& dir, MemberKubeClients& mc,
       provider::MetricsProvider& mp, kube::Ownership& own, const Clock& clk, prometheus::Registry& registry,
       ControllerOptions opts)
      : executor(std::move(ex)),
        control_plane(cp),
        directory(dir),
        member_clients(mc),
        metrics_provider(mp),
        ownership(own),
        clock(clk),
        options(std::move(opts)),
        metrics(registry),
        informer(cp, federated_hpas(), informer_options(options)),
        queue(executor, kQueueCapacity),
        informer_strand(net::make_strand(executor)),
        period_strand(net::make_strand(executor)),
        period(period_strand) {}

  static kube::InformerOptions informer_options(const ControllerOptions& o) {
    kube::InformerOptions io;
    io.watch_timeout = o.watch_timeout;
    return io;
  }

  // Per-object state that outlives one evaluation.
  struct State {
    const kube::Fence* fence = nullptr;  ///< the ownership it was built under; another one starts afresh
    std::string uid;
    History history;
    std::string persisted;  ///< the annotation text last written (or read)
    bool history_loaded = false;
    /// The object as our last write stored it (or as last read from the API server). The informer's copy
    /// lags our own writes (and, after a change of owner, the previous owner's); evaluating it would make
    /// every conditional write conflict. Used until the informer shows the same resourceVersion or a newer
    /// spec (metadata.generation), and dropped on a Conflict.
    kube::ObjectPtr latest;
    /// A write conflicted: read the object from the API server at the next evaluation.
    bool read_fresh = false;
  };

  net::any_io_executor executor;
  kube::RestClient& control_plane;
  members::ClusterDirectory& directory;
  MemberKubeClients& member_clients;
  provider::MetricsProvider& metrics_provider;
  kube::Ownership& ownership;
  const Clock& clock;
  ControllerOptions options;
  Metrics metrics;
  kube::Informer informer;
  net::experimental::concurrent_channel<void(boost::system::error_code, std::string)> queue;
  net::strand<net::any_io_executor> informer_strand;  // the informer runs and is cancelled there
  net::strand<net::any_io_executor> period_strand;    // the period timer's: started and cancelled there
  net::steady_timer period;
  net::cancellation_signal informer_cancel;

  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> evaluations{0};
  std::atomic<std::size_t> events_in_flight{0};

  std::mutex mu;  // guards everything below
  std::set<std::string> queued, processing, dirty;
  std::map<std::string, State> states;
  std::map<std::string, std::int64_t> seen_generation;

  // --- queue ------------------------------------------------------------------------------------------

  static std::pair<std::string, std::string> split_key(const std::string& key) {
    const auto slash = key.find('/');
    return {key.substr(0, slash), key.substr(slash + 1)};
  }

  kube::FencePtr fence_of(const std::string& key) const {
    const auto [ns, name] = split_key(key);
    return ownership.fence_for(ns, name);
  }

  void enqueue(const std::string& key) {
    if (stopped.load() || !fence_of(key)) return;
    std::lock_guard lock(mu);
    if (processing.contains(key)) {
      dirty.insert(key);  // evaluated again right after the running evaluation
      return;
    }
    if (!queued.insert(key).second) return;
    if (!queue.try_send(boost::system::error_code{}, key)) queued.erase(key);
  }

  void enqueue_all() {
    for (const auto& obj : informer.list()) enqueue(key_of(*obj));
  }

  void on_delta(const kube::Delta& delta) {
    const std::string key = key_of(*delta.object);
    const std::int64_t generation = generation_of(*delta.object);
    if (delta.type == kube::DeltaType::Deleted) {
      const json& meta = metadata_of(*delta.object);
      metrics.forget(meta.value("namespace", ""), meta.value("name", ""));
      std::lock_guard lock(mu);
      states.erase(key);
      seen_generation.erase(key);
      return;
    }
    bool spec_changed = false;
    {
      std::lock_guard lock(mu);
      auto [it, inserted] = seen_generation.try_emplace(key, generation);
      spec_changed = inserted || it->second != generation;
      it->second = generation;
    }
    // Status and annotation writes (ours included) do not change the generation: no evaluation storm.
    if (spec_changed) enqueue(key);
  }

  // --- loops ------------------------------------------------------------------------------------------

  static net::awaitable<void> run_informer(std::shared_ptr<Impl> self) { co_await self->informer.run(); }

  static net::awaitable<void> period_loop(std::shared_ptr<Impl> self) {
    while (!self->stopped.load()) {
      self->period.expires_after(self->options.sync_period);
      boost::system::error_code ec;
      co_await self->period.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (self->stopped.load()) co_return;
      if (self->informer.synced()) self->enqueue_all();
    }
  }

  /// Ownership changed: forget the state of objects no longer ours (a later owner may have moved their
  /// history on: it is re-read from the object when they come back) and evaluate the newly owned at once.
  void on_ownership_change() {
    {
      std::lock_guard lock(mu);
      std::erase_if(states, [this](const auto& kv) { return !fence_of(kv.first); });
    }
    if (!informer.synced()) return;
    const auto all = informer.list();
    std::size_t owned = 0;
    for (const auto& obj : all) owned += fence_of(key_of(*obj)) ? 1 : 0;
    log::info("federatedhpa ownership changed", {{"owned", owned}, {"federatedhpas", all.size()}});
    enqueue_all();
  }

  static net::awaitable<void> worker(std::shared_ptr<Impl> self) {
    while (!self->stopped.load()) {
      boost::system::error_code ec;
      std::string key = co_await self->queue.async_receive(net::redirect_error(net::use_awaitable, ec));
      if (ec || self->stopped.load()) co_return;
      {
        std::lock_guard lock(self->mu);
        self->queued.erase(key);
        self->processing.insert(key);
      }
      if (auto fence = self->fence_of(key)) {
        using namespace net::experimental::awaitable_operators;
        try {
          // Losing the object (leadership, shard) cancels the evaluation; its writes are fenced anyway.
          co_await (self->evaluate(key, fence) || fence->revoked());
        } catch (const std::exception& e) {
          log::error("federatedhpa evaluation failed", {{"federatedhpa", key}, {"error", e.what()}});
        }
        self->evaluations.fetch_add(1);
      }
      bool again = false;
      {
        std::lock_guard lock(self->mu);
        self->processing.erase(key);
        again = self->dirty.erase(key) > 0;
      }
      if (again) self->enqueue(key);
    }
  }

  // --- one evaluation ---------------------------------------------------------------------------------

  Millis now_millis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.system_now().time_since_epoch()).count();
  }

  /// Whether this object was evaluated under `fence` already (else its state is stale: dropped) and its
  /// informer copy (or our latest) can be used.
  bool has_state(const std::string& key, const kube::Fence* fence) {
    std::lock_guard lock(mu);
    auto it = states.find(key);
    if (it == states.end()) return false;
    if (it->second.fence == fence) return !it->second.read_fresh;
    states.erase(it);
    return false;
  }

  /// The history to start from: ours while we keep evaluating the same object, else the annotation.
  History history_for(const FederatedHpa& hpa, const kube::Fence* fence) {
    std::lock_guard lock(mu);
    auto it = states.find(hpa.key());
    if (it != states.end() && it->second.uid == hpa.uid && it->second.history_loaded) return it->second.history;
    State s;  // a new object (or a new owner): start from the annotation
    if (it != states.end() && it->second.fence == fence && it->second.uid.empty()) s.latest = it->second.latest;
    s.fence = fence;
    s.history_loaded = true;
    s.uid = hpa.uid;
    if (hpa.history) s.history = *hpa.history;
    s.persisted = hpa.history ? encode_history(*hpa.history) : "";
    states[hpa.key()] = s;
    return s.history;
  }

  /// The object one evaluation works on, moved forward by each of its writes (the next conditional write
  /// goes against the resourceVersion the previous one produced).
  struct Current {
    kube::ObjectPtr object;
    std::string resource_version;
  };

  void advance(const std::string& key, Current& current, nlohmann::json stored) {
    auto object = std::make_shared<const json>(std::move(stored));
    std::lock_guard lock(mu);
    states[key].latest = object;
    current.resource_version = kube::resource_version_of(*object);
    current.object = std::move(object);
  }

  /// A conditional write met a newer object: nothing of ours is current any more.
  void conflicted(const std::string& key, const Error& e) {
    if (e.code != Errc::Conflict) return;
    std::lock_guard lock(mu);
    auto& st = states[key];
    st.latest.reset();
    st.read_fresh = true;
  }

  /// Our latest copy while the informer has not caught up with it, else the informer's.
  kube::ObjectPtr freshest(const std::string& key, kube::ObjectPtr cached) {
    std::lock_guard lock(mu);
    auto it = states.find(key);
    if (it == states.end() || !it->second.latest) return cached;
    const auto& latest = *it->second.latest;
    if (kube::resource_version_of(*cached) == kube::resource_version_of(latest) ||
        generation_of(*cached) > generation_of(latest)) {
      it->second.latest.reset();  // caught up, or the spec changed since: the informer is authoritative
      return cached;
    }
    return it->second.latest;
  }

  /// Writes the history annotation when it changed, conditional on the current resourceVersion.
  net::awaitable<Result<void>> persist_history(kube::FencedWriter& writer, FederatedHpa hpa, Current& current,
                                               History history) {
    const std::string text = encode_history(history);
    {
      std::lock_guard lock(mu);
      auto& s = states[hpa.key()];
      s.uid = hpa.uid;
      s.history = history;
      if (s.persisted == text) co_return ok();
    }
    json patch = {{"metadata", {{"annotations", {{kHistoryAnnotation, text}}}}}};
    // Named arguments only: g++ 12 destroys a temporary argument of a coroutine call inside co_await twice
    // (see clients/members/kube_member_client.cpp). The same holds for every co_await in this file.
    const kube::ResourceRef ref = federated_hpas().in(hpa.namespace_name);
    const std::string no_subresource;
    auto r = co_await writer.merge_patch(ref, hpa.name, no_subresource, current.resource_version, std::move(patch));
    if (!r) {
      conflicted(hpa.key(), r.error());
      co_return r.error();
    }
    advance(hpa.key(), current, std::move(*r));
    std::lock_guard lock(mu);
    states[hpa.key()].persisted = text;
    co_return ok();
  }

  /// Records an Event without waiting for it (client-go's recorder is asynchronous too): a slow API server
  /// delays no evaluation. Still fenced: nothing is sent once `fence` is gone. At most kMaxEventsInFlight
  /// are in flight; beyond, events are dropped (logged).
  void record_event(const kube::FencePtr& fence, const FederatedHpa& hpa, std::string type, std::string reason,
                    std::string message) {
    kube::EventSpec spec;
    spec.involved = {"autoscaling.karmada.io/v1alpha1", "FederatedHPA", hpa.namespace_name, hpa.name, hpa.uid,
                     hpa.resource_version};
    spec.type = std::move(type);
    spec.reason = std::move(reason);
    spec.message = std::move(message);
    spec.reporting_component = "fedmetrics-federatedhpa";
    spec.reporting_instance = options.reporting_instance;
    spec.time = clock.system_now();
    if (events_in_flight.fetch_add(1) >= kMaxEventsInFlight) {
      events_in_flight.fetch_sub(1);
      log::warning("too many events in flight; dropping one", {{"federatedhpa", hpa.key()}, {"reason", spec.reason}});
      return;
    }
    net::co_spawn(net::make_strand(executor), send_event(shared_from_this(), fence, hpa.key(), kube::make_event(spec)),
                  log::on_task_failure("federatedhpa event"));
  }

  static net::awaitable<void> send_event(std::shared_ptr<Impl> self, kube::FencePtr fence, std::string key,
                                         json event) {
    kube::FencedWriter writer(self->control_plane, std::move(fence));
    const std::string reason = event.value("reason", "");
    const kube::ResourceRef ref = kube::resources::events().in(event["metadata"].value("namespace", "default"));
    auto r = co_await writer.create(ref, std::move(event));
    self->events_in_flight.fetch_sub(1);
    if (!r) log::warning("cannot record event", {{"federatedhpa", key}, {"reason", reason}, {"error", r.error().message}});
  }

  /// PUT status, conditional on the current resourceVersion (a Conflict is retried next period).
  net::awaitable<Result<void>> write_status(kube::FencedWriter& writer, FederatedHpa hpa, Current& current,
                                            json status) {
    json object = *current.object;
    object["status"] = std::move(status);
    object["metadata"]["resourceVersion"] = current.resource_version;
    const kube::ResourceRef ref = federated_hpas().in(hpa.namespace_name);
    const std::string subresource = "status";
    auto r = co_await writer.update(ref, hpa.name, subresource, std::move(object));
    if (!r) {
      conflicted(hpa.key(), r.error());
      co_return r.error();
    }
    advance(hpa.key(), current, std::move(*r));
    co_return ok();
  }

  /// An invalid object: ScalingActive=False/InvalidSpec with every problem, one Warning event per change.
  net::awaitable<void> report_invalid(kube::FencedWriter& writer, FederatedHpa hpa, Current& current) {
    std::string message;
    for (const auto& e : hpa.spec_errors) message += (message.empty() ? "" : "; ") + e;
    autoscaler::HpaStatus status = hpa.status;
    const bool changed_condition = [&] {
      const auto* c = autoscaler::find_condition(status.conditions, "ScalingActive");
      return c == nullptr || c->status != "False" || c->reason != "InvalidSpec" || c->message != message;
    }();
    autoscaler::set_condition(status.conditions, "ScalingActive", false, "InvalidSpec",
                                     "the FederatedHPA is invalid and is not evaluated: " + message, now_millis());
    if (changed_condition) {
      log::warning("federatedhpa is invalid", {{"federatedhpa", hpa.key()}, {"errors", message}});
      record_event(writer.fence(), hpa, "Warning", "FailedValidation", message);
    }
    if (changed_condition || hpa.observed_generation != hpa.generation) {
      json encoded = encode_status(status, hpa.generation);
      auto w = co_await write_status(writer, hpa, current, std::move(encoded));
      if (!w) log::warning("cannot update federatedhpa status", {{"federatedhpa", hpa.key()}, {"error", w.error().message}});
    }
  }

  net::awaitable<void> evaluate(std::string key, kube::FencePtr fence) {
    const auto began = std::chrono::steady_clock::now();
    const auto [ns, name] = split_key(key);
    auto cached = informer.get(ns, name);
    if (!cached) co_return;
    Current current{freshest(key, cached), ""};
    if (!has_state(key, fence.get())) {
      // First evaluation since this replica owns the object: the watch cache can lag the previous owner's
      // last history write, so read the object itself (the history must not go back in time).
      const kube::ResourceRef ref = federated_hpas().in(ns);
      const std::string no_subresource;
      auto fresh = co_await control_plane.get(ref, name, no_subresource);
      if (!fresh) {
        log::warning("cannot read federatedhpa; retrying next period", {{"federatedhpa", key}, {"error", fresh.error().message}});
        co_return;
      }
      current.object = std::make_shared<const json>(std::move(*fresh));
      std::lock_guard lock(mu);
      auto& st = states[key];
      st.fence = fence.get();
      st.read_fresh = false;
      st.latest = current.object;
    }
    current.resource_version = kube::resource_version_of(*current.object);
    auto decoded = decode_federated_hpa(*current.object);
    if (!decoded) {
      log::warning("cannot decode federatedhpa", {{"federatedhpa", key}, {"error", decoded.error().message}});
      co_return;
    }
    FederatedHpa hpa = std::move(*decoded);
    kube::FencedWriter writer(control_plane, fence);
    if (!hpa.spec_errors.empty()) {
      co_await report_invalid(writer, hpa, current);
      co_return;
    }

    History history = history_for(hpa, fence.get());
    ObserveDeps deps;
    deps.control_plane = &control_plane;
    deps.directory = &directory;
    deps.member_clients = &member_clients;
    deps.metrics = &metrics_provider;
    deps.on_pull = [this](autoscaler::MetricSourceType t, bool good, double seconds) {
      metrics.pull.Add({{"metric_type", metric_type_label(t)}, {"result", good ? "success" : "error"}}, Metrics::buckets())
          .Observe(seconds);
    };
    const Millis now = now_millis();
    Evaluation evaluation = co_await fhpa::evaluate(hpa, options.decision, history, now, deps);
    Observation& obs = evaluation.observation;
    Decision& d = evaluation.decision;
    for (const auto& p : obs.problems) log::verbose(1, "federatedhpa read problem", {{"federatedhpa", key}, {"problem", p}});

    if (d.scale_updated) {
      // Write-ahead: the scale event is on the object before the scale changes, so a successor never
      // repeats this step; if the write fails, the history is rewritten without it below.
      if (auto p = co_await persist_history(writer, hpa, current, d.history); !p) {
        log::warning("cannot store federatedhpa history; not scaling this period",
                     {{"federatedhpa", key}, {"error", p.error().message}});
        co_return;
      }
      auto written = co_await writer.update_scale(obs.target, hpa.target.name, obs.template_scale, d.desired_replicas);
      if (!written) {
        // Conflict included: the template changed since it was read. Not re-read and overwritten: the next
        // period decides again on fresh data (upstream's FailedRescale).
        log::warning("scale update failed", {{"federatedhpa", key}, {"error", written.error().message}});
        obs.scenario.faults.update_scale = true;
        d = autoscaler::decide(obs.scenario);
      }
    }
    if (auto p = co_await persist_history(writer, hpa, current, d.history); !p) {
      log::warning("cannot store federatedhpa history", {{"federatedhpa", key}, {"error", p.error().message}});
    }
    if (d.status_changed || hpa.observed_generation != hpa.generation) {
      json encoded = encode_status(d.status, hpa.generation);
      auto w = co_await write_status(writer, hpa, current, std::move(encoded));
      if (!w) {
        log::warning("cannot update federatedhpa status", {{"federatedhpa", key}, {"error", w.error().message}});
        if (w.error().code != Errc::Cancelled) d.events.push_back({"Warning", "FailedUpdateStatus", w.error().message});
      }
    }
    for (const auto& e : d.events) record_event(fence, hpa, e.type, e.reason, e.message);

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    metrics.reconcile.Add({{"result", d.error ? "error" : "success"}}, Metrics::buckets()).Observe(seconds);
    metrics.decisions.Add({{"action", action_of(d)}, {"reason", reason_of(d)}}).Increment();
    const prometheus::Labels labels{{"namespace", hpa.namespace_name}, {"name", hpa.name}};
    metrics.desired.Add(labels).Set(d.desired_replicas);
    if (d.current_replicas) metrics.current.Add(labels).Set(*d.current_replicas);
    for (const char* type : Metrics::kConditions) {
      if (const auto* c = autoscaler::find_condition(d.status.conditions, type)) {
        prometheus::Labels with = labels;
        with.emplace("condition", type);
        metrics.condition.Add(with).Set(c->status == "True" ? 1 : 0);
      }
    }
    if (d.scale_updated) {
      log::info("federatedhpa rescaled", {{"federatedhpa", key},
                                          {"from", d.current_replicas.value_or(0)},
                                          {"to", d.desired_replicas},
                                          {"reason", d.rescale_reason}});
    }
    if (log::enabled(3)) {
      // The decision's whole input: `simulate --scenario` on this JSON prints the decision logged below.
      log::verbose(3, "federatedhpa scenario", {{"federatedhpa", key}, {"scenario", autoscaler::scenario_to_json(obs.scenario, key).dump()}});
    }
    if (log::enabled(2)) {
      // The same JSON `simulate` prints for this input.
      log::verbose(2, "federatedhpa decision", {{"federatedhpa", key}, {"decision", autoscaler::decision_to_json(d, key).dump()}});
    }
  }
};

FederatedHpaController::FederatedHpaController(net::any_io_executor executor, kube::RestClient& control_plane,
                                               members::ClusterDirectory& directory, MemberKubeClients& member_clients,
                                               provider::MetricsProvider& metrics, kube::Ownership& ownership,
                                               const Clock& clock, prometheus::Registry& registry,
                                               ControllerOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), control_plane, directory, member_clients, metrics, ownership,
                                   clock, registry, std::move(options))) {}

FederatedHpaController::~FederatedHpaController() { stop(); }

void FederatedHpaController::start() {
  auto impl = impl_;
  if (impl->started.exchange(true)) return;
  std::weak_ptr<Impl> weak = impl;
  impl->informer.add_handler([weak](const kube::Delta& d) {
    if (auto self = weak.lock()) self->on_delta(d);
  });
  impl->ownership.on_change([weak] {
    if (auto self = weak.lock()) net::post(self->executor, [self] { self->on_ownership_change(); });
  });
  // Each loop on its own strand: the HTTPS connections a coroutine opens run their I/O on its executor, and
  // Beast's streams must never see two threads at once.
  net::co_spawn(impl->informer_strand, Impl::run_informer(impl),
                net::bind_cancellation_slot(impl->informer_cancel.slot(), log::on_task_failure("federatedhpa informer")));
  net::co_spawn(impl->period_strand, Impl::period_loop(impl), log::on_task_failure("federatedhpa period loop"));
  for (unsigned i = 0; i < std::max(1u, impl->options.workers); ++i) {
    net::co_spawn(net::make_strand(impl->executor), Impl::worker(impl), log::on_task_failure("federatedhpa worker"));
  }
}

void FederatedHpaController::stop() {
  auto impl = impl_;
  if (impl->stopped.exchange(true) || !impl->started.load()) return;
  net::post(impl->informer_strand, [impl] { impl->informer_cancel.emit(net::cancellation_type::terminal); });
  net::post(impl->period_strand, [impl] { impl->period.cancel(); });
  impl->queue.close();
}

std::uint64_t FederatedHpaController::evaluations() const { return impl_->evaluations.load(); }

}  // namespace fedmetrics::fhpa
