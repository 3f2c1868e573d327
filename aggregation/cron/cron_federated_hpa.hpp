#pragma once
// The CronFederatedHPA object (autoscaling.karmada.io/v1alpha1, karmada-reference.md §2.4): decoding of a
// live object, the reference webhook's validation (pkg/webhook/cronfederatedhpa), the execution history
// kept in status, and the status encoder. No I/O (time zones come from a ZoneDatabase the caller owns).
//
// fedmetrics runs no admission webhook: an object the reference's webhook would deny is admitted by the
// apiserver, and fedmetrics reports it instead (condition Valid=False/InvalidSpec in status, an Event
// InvalidSpec) and runs none of its rules. A rule is then either valid (it runs) or the whole object waits
// for a fix, as with the reference, where the object could not have been created.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aggregation/cron/cron_schedule.hpp"
#include "aggregation/cron/zone_database.hpp"
#include "aggregation/fhpa/federated_hpa_object.hpp"
#include "clients/base/result.hpp"
#include "clients/kube/rest_client.hpp"

namespace fedmetrics::cron {

inline kube::ResourceRef cron_federated_hpas() {
  return {"autoscaling.karmada.io", "v1alpha1", "cronfederatedhpas", ""};
}

inline constexpr const char* kKarmadaAutoscalingVersion = "autoscaling.karmada.io/v1alpha1";

/// spec.rules[] (CronFederatedHPARule) with the CRD's defaults applied.
struct CronRule {
  std::string name;
  std::string schedule;
  std::optional<std::int32_t> target_replicas;      ///< workloads
  std::optional<std::int32_t> target_min_replicas;  ///< FederatedHPA
  std::optional<std::int32_t> target_max_replicas;  ///< FederatedHPA
  bool suspend = false;
  /// IANA name; nullopt = the zone of the fedmetrics process (the reference: karmada-controller-manager's).
  std::optional<std::string> time_zone;
  std::int32_t successful_history_limit = 3;
  std::int32_t failed_history_limit = 3;

  bool operator==(const CronRule&) const = default;
  /// The zone name to load: time_zone, or "Local".
  std::string zone_name() const { return time_zone.value_or("Local"); }
};

using Time = std::chrono::system_clock::time_point;

struct SuccessfulExecution {
  Time schedule_time;
  Time execution_time;
  std::optional<std::int32_t> applied_replicas;
  std::optional<std::int32_t> applied_min_replicas;
  std::optional<std::int32_t> applied_max_replicas;
  bool operator==(const SuccessfulExecution&) const = default;
};

struct FailedExecution {
  Time schedule_time;
  Time execution_time;
  std::string message;
  bool operator==(const FailedExecution&) const = default;
};

/// status.executionHistories[]: one per rule; executions newest first.
struct ExecutionHistory {
  std::string rule_name;
  std::optional<Time> next_execution_time;  ///< nullopt: suspended, or no execution ahead
  std::vector<SuccessfulExecution> successful;
  std::vector<FailedExecution> failed;
  bool operator==(const ExecutionHistory&) const = default;
};

/// status.conditions[] (a fedmetrics extension: Karmada's schema has none, and an apiserver with Karmada's
/// CRD prunes it; the Events carry the same message).
struct CronCondition {
  std::string type;    ///< "Valid"
  std::string status;  ///< "True" | "False"
  std::string reason;  ///< "ValidSpec" | "InvalidSpec"
  std::string message;
  std::optional<Time> last_transition_time;
  bool operator==(const CronCondition&) const = default;
};

struct CronFederatedHpa {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::int64_t generation = 0;
  fhpa::ScaleTargetRef target;
  std::vector<CronRule> rules;
  std::vector<ExecutionHistory> histories;  ///< as stored (unreadable entries dropped)
  std::vector<CronCondition> conditions;
  /// "field.path: what" problems found while decoding (wrong JSON types). validate() adds the webhook's.
  std::vector<std::string> spec_errors;

  std::string key() const { return namespace_name + "/" + name; }
  /// scaleTargetRef is a FederatedHPA (apiVersion autoscaling.karmada.io/v1alpha1): rules set its bounds.
  bool targets_federated_hpa() const { return target.api_version == kKarmadaAutoscalingVersion; }
};

/// Decodes a CronFederatedHPA. Spec problems do not fail the decode (they land in spec_errors).
/// Errors: ProtocolError when `object` is not an object or has no metadata.name.
[[nodiscard]] Result<CronFederatedHpa> decode_cron_federated_hpa(const nlohmann::json& object);

/// The reference webhook's rules plus the CRD's: scaleTargetRef (kind FederatedHPA when the group is
/// autoscaling.karmada.io; kind and name valid path segments), rule names 1..32 characters and unique, the
/// schedule accepted (parse_cron), the time zone loadable, history limits in range, and the replica
/// constraints (FederatedHPA: targetMinReplicas and/or targetMaxReplicas, both > 0, min <= max;
/// workloads: targetReplicas >= 0). Returns "field.path: what" lines in the webhook's words; empty = valid.
[[nodiscard]] std::vector<std::string> validate(const CronFederatedHpa& object, const ZoneDatabase& zones);

/// status.executionHistories after a (re)configuration: one entry per rule in spec order (existing entries
/// keep their executions; entries of deleted rules are dropped, as the reference does), nextExecutionTime
/// from `next` (same order as the rules; nullopt = suspended or none ahead).
[[nodiscard]] std::vector<ExecutionHistory> reconcile_histories(const std::vector<ExecutionHistory>& current,
                                                                const std::vector<CronRule>& rules,
                                                                const std::vector<std::optional<Time>>& next);

/// Records one execution of `rule` in `histories` (the rule's entry is created if missing): newest first,
/// capped at the rule's successfulHistoryLimit / failedHistoryLimit (a failed limit of 0 keeps none; the
/// reference panics there), and sets nextExecutionTime to `next`.
void record_success(std::vector<ExecutionHistory>& histories, const CronRule& rule, SuccessfulExecution execution,
                    std::optional<Time> next);
void record_failure(std::vector<ExecutionHistory>& histories, const CronRule& rule, FailedExecution execution,
                    std::optional<Time> next);

/// The status object: {"executionHistories": [...], "conditions": [...]}. Schedule and next execution
/// times are whole seconds (metav1.Time); execution times carry microseconds, so the status shows how
/// late an execution ran (Go's metav1.Time reads both).
[[nodiscard]] nlohmann::json encode_status(const std::vector<ExecutionHistory>& histories,
                                           const std::vector<CronCondition>& conditions);

/// The Valid condition for a set of spec errors, keeping lastTransitionTime when the status is unchanged.
[[nodiscard]] CronCondition valid_condition(const std::vector<std::string>& errors,
                                            const std::vector<CronCondition>& previous, Time now);

}  // namespace fedmetrics::cron
