#pragma once
// The embedded CronFederatedHPA controller: replaces Karmada's (karmada-reference.md §3.9) next to the
// embedded FederatedHPA loop, with the same ownership (kube::Ownership: the leader lease, or this replica).
//
//  * an informer over cronfederatedhpas; a new object or a spec change (metadata.generation) is planned when
//    the informer delivers it (within its 2 s watch window) (CronPlan: one ordered timer queue over every
//    rule; the reference runs a gocron scheduler per rule); status writes (ours included) do not re-plan;
//  * one timer sleeps until the earliest planned instant; due rules run at that instant, concurrently;
//  * a run re-reads the object (as the reference), then either sets the FederatedHPA's minReplicas /
//    maxReplicas (the FederatedHPA loop, which watches FederatedHPAs, evaluates the changed object at once and
//    clamps to the new bounds) or the workload's `scale` subresource to targetReplicas (0 included);
//    writes go through the fenced write path (kube::FencedWriter on the fence the execution started with:
//    checked right before each write, abandoned at the fence's expiry), carry the resourceVersion read, and
//    are retried on Conflict by re-reading (client-go's RetryOnConflict, as the reference: a rule writes a
//    fixed value, not one decided from what was read);
//  * the outcome goes into status.executionHistories (newest first, capped), with nextExecutionTime; Events
//    ScaleFailed / UpdateStatusFailed / InvalidSpec; invalid objects get Valid=False and run nothing;
//  * nothing is caught up after a restart or an ownership change (the reference's behaviour: its schedules
//    live in the leader's memory): the first run is the first instant after the object is planned.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "aggregation/cron/zone_database.hpp"
#include "clients/base/clock.hpp"
#include "clients/base/net.hpp"
#include "clients/kube/ownership.hpp"
#include "clients/kube/rest_client.hpp"

namespace prometheus {
class Registry;
}

namespace fedmetrics::cron {

struct CronControllerOptions {
  /// Informer watch window: a new or changed object is planned within it (HttpsRestClient delivers a window's
  /// events at its end). Shorter than the FederatedHPA loop's 10 s, because a rule created just before its
  /// instant should still run then; one watch request per window.
  std::chrono::seconds watch_timeout{2};
  std::string reporting_instance;          ///< Events' reportingInstance (the leader identity)
  /// The longest the timer sleeps before re-reading the wall clock (a clock step is noticed within it).
  std::chrono::milliseconds max_sleep{std::chrono::seconds(30)};
};

/// Metrics registered in the registry (the reference's names with the fedmetrics_ prefix, same labels):
///   fedmetrics_cronfederatedhpa_process_duration_seconds{result}       planning one object (spec change)
///   fedmetrics_cronfederatedhpa_rule_process_duration_seconds{result}  one rule execution (read, scale, status)
///   fedmetrics_cronfederatedhpa_execution_delay_seconds                 start of an execution - its scheduled instant
///   fedmetrics_cronfederatedhpa_planned_rules                           rules with a next execution
/// result: success | error.
///
/// Thread-safe. Everything passed by reference must outlive the controller; stop() before destroying it and
/// before the io_context's threads are joined.
class CronFederatedHpaController {
 public:
  /// Acts only on the objects `ownership` gives it a fence for (registers for its changes here: construct
  /// the controller before ownership can change). Gaining an object plans it from now (no catch-up); losing
  /// it forgets its plan, and a running execution writes nothing more.
  CronFederatedHpaController(net::any_io_executor executor, kube::RestClient& control_plane,
                             kube::Ownership& ownership, const ZoneDatabase& zones, const Clock& clock,
                             prometheus::Registry& registry, CronControllerOptions options);
  ~CronFederatedHpaController();
  CronFederatedHpaController(const CronFederatedHpaController&) = delete;
  CronFederatedHpaController& operator=(const CronFederatedHpaController&) = delete;

  /// Starts the informer and the timer. Rules are planned and run only for owned objects.
  void start();
  /// Stops everything at the next wake-up; nothing is written after it. Idempotent.
  void stop();

  /// Rule executions finished so far (success or failure).
  std::uint64_t executions() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fedmetrics::cron
