#pragma once
// The pure core of leader election over a coordination.k8s.io/v1 Lease (client-go leaderelection's
// tryAcquireOrRenew and its timing rules), with no I/O: given the lease as last read, the local
// observation history and the time, decide what to write. LeaderElector (leader_elector.hpp) performs it.
//
// Safety argument (why a lost leader stops before anyone else can lead): other candidates treat the lease
// as held until `lease_duration` has passed since *they* last saw it change (their own monotonic clock, so
// no cross-node clock comparison). The leader stops leading once `renew_deadline` has passed since its last
// successful renewal. Since every other candidate observed that renewal no earlier than it happened and
// renew_deadline < lease_duration, the leader stops first (minus clock-rate drift, which the margin covers).
#include <chrono>
#include <optional>
#include <string>

#include "clients/base/result.hpp"
#include "clients/kube/objects.hpp"

namespace fedmetrics::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  ///< unique per replica, e.g. "<pod name>_<uuid>"
  std::chrono::milliseconds lease_duration{15'000};  ///< kube defaults: 15 s …
  std::chrono::milliseconds renew_deadline{10'000};  ///< … 10 s …
  std::chrono::milliseconds retry_period{2'000};     ///< … 2 s
  bool operator==(const LeaderElectionConfig&) const = default;
};

/// client-go's checks: names and identity set; lease_duration > renew_deadline > 1.2 × retry_period
/// (JitterFactor), retry_period > 0. Errors: InvalidArgument listing every problem.
[[nodiscard]] Result<void> validate(const LeaderElectionConfig& config);

using SteadyTime = std::chrono::steady_clock::time_point;

/// What this replica remembers between attempts.
struct ElectorState {
  std::optional<LeaseSpec> observed;   ///< the lease spec as last read or written
  std::string observed_resource_version;
  SteadyTime observed_at{};            ///< local time `observed` last changed
  bool leading = false;
  SteadyTime last_renew{};             ///< local time of the last successful acquire/renew write
};

enum class LeaseAction {
  Create,   ///< no Lease object: create it holding the lease
  Acquire,  ///< free or expired: take it over (leaseTransitions + 1, new acquireTime)
  Renew,    ///< ours: bump renewTime
  Wait,     ///< held by someone else and not expired
};

struct LeaseDecision {
  LeaseAction action = LeaseAction::Wait;
  LeaseSpec desired;  ///< the spec to write for Create/Acquire/Renew
  bool operator==(const LeaseDecision&) const = default;
};

/// Decides one attempt. `current` is the Lease just read (nullopt = NotFound). Updates the observation
/// in `state` (observed_at moves only when the spec actually changed). `wall_now` stamps acquire/renew times.
[[nodiscard]] LeaseDecision decide_lease(ElectorState& state, const std::optional<Lease>& current,
                                         SteadyTime now, std::chrono::system_clock::time_point wall_now,
                                         const LeaderElectionConfig& config);

/// Records a successful write of `written` at `now`: observation and last_renew move; returns true when
/// this write made us the leader (the caller runs on_started_leading).
bool record_write(ElectorState& state, const Lease& written, SteadyTime now);

/// True when we lead but have not renewed for renew_deadline: stop leading now (before any other replica
/// may consider the lease expired).
[[nodiscard]] bool renew_deadline_passed(const ElectorState& state, SteadyTime now, const LeaderElectionConfig& config);

/// The holder as last observed ("" if none or expired is not judged here).
inline std::string observed_holder(const ElectorState& state) {
  return state.observed ? state.observed->holder_identity : std::string();
}

}  // namespace fedmetrics::kube
