#pragma once
// The CronFederatedHPA controller's schedule: one ordered timer queue over every rule of every object this
// replica owns (the reference runs one gocron scheduler, i.e. one goroutine and timer, per rule). Pure: the
// caller passes the time; the controller (cron_controller.hpp) sleeps until next_wakeup() and runs what
// take_due() returns.
//
// Semantics kept from the reference (pkg/controllers/cronfederatedhpa):
//  * a rule keeps its next execution while it is unchanged (same fields) and the object's scaleTargetRef is
//    unchanged; a new or changed rule, or a new target, starts again from now;
//  * nothing is caught up: a rule first planned at `now` (a start, a restart, a new owner of the object)
//    runs at its first instant after now; executions missed while no replica owned the object are neither
//    run nor recorded;
//  * the next execution follows the scheduled instant, not the time the previous one ran (gocron: Next of
//    the previous scheduled time), so a late execution does not shift the schedule.
// One deliberate difference: if the process stalls past several instants of a rule, take_due() runs the
// rule once (for the latest of them) instead of back to back.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "aggregation/cron/cron_federated_hpa.hpp"
#include "aggregation/cron/cron_schedule.hpp"
#include "aggregation/cron/zone_database.hpp"

namespace fedmetrics::cron {

/// One execution to run now.
struct DueExecution {
  std::string key;        ///< namespace/name of the CronFederatedHPA
  CronRule rule;          ///< the rule as planned
  fhpa::ScaleTargetRef target;
  Seconds scheduled;      ///< the instant it was due
  std::optional<Seconds> next;  ///< the rule's following execution (already planned)
};

/// Not thread-safe: owned by the controller's strand.
class CronPlan {
 public:
  /// `zones` must outlive the plan.
  explicit CronPlan(const ZoneDatabase& zones) : zones_(zones) {}

  /// Plans `object` at `now` (see the header comment) and returns its problems (validate(); an object with
  /// problems has no rule planned).
  std::vector<std::string> apply(const CronFederatedHpa& object, Seconds now);
  /// Forgets an object (deleted, or no longer owned).
  void remove(const std::string& key);
  /// Forgets everything (ownership lost).
  void clear();

  /// The next execution of `rule` of `key`; nullopt when not planned (suspended, invalid object, none ahead).
  [[nodiscard]] std::optional<Seconds> next_of(const std::string& key, const std::string& rule) const;
  /// The next executions of an object's rules in spec order (what status.executionHistories shows).
  [[nodiscard]] std::vector<std::optional<Seconds>> next_of(const CronFederatedHpa& object) const;
  /// The earliest planned execution.
  [[nodiscard]] std::optional<Seconds> next_wakeup() const;
  /// Removes and returns every execution due at `now` (scheduled <= now), planning each rule's next.
  std::vector<DueExecution> take_due(Seconds now);

  /// Planned rules (with a next execution).
  [[nodiscard]] std::size_t planned() const { return queue_.size(); }
  /// Objects known.
  [[nodiscard]] std::size_t objects() const { return objects_.size(); }

 private:
  struct Planned {
    CronRule rule;
    CronSchedule schedule;
    std::shared_ptr<const TimeZone> zone;
    std::optional<Seconds> next;
  };
  struct Object {
    fhpa::ScaleTargetRef target;
    std::map<std::string, Planned> rules;
  };
  using QueueKey = std::tuple<Seconds, std::string, std::string>;  // (instant, object key, rule name)

  void unqueue(const std::string& key, const Planned& p);

  const ZoneDatabase& zones_;
  std::map<std::string, Object> objects_;
  std::set<QueueKey> queue_;
};

}  // namespace fedmetrics::cron
