#include "clients/kube/leader_election.hpp"

namespace fedmetrics::kube {
namespace {

int seconds_ceil(std::chrono::milliseconds d) { return static_cast<int>((d.count() + 999) / 1000); }

}  // namespace

Result<void> validate(const LeaderElectionConfig& c) {
  std::string problems;
  auto add = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (c.lease_namespace.empty()) add("lease namespace is empty");
  if (c.lease_name.empty()) add("lease name is empty");
  if (c.identity.empty()) add("identity is empty");
  if (c.retry_period.count() <= 0) add("retry period must be positive");
  if (c.lease_duration <= c.renew_deadline) add("lease duration must be greater than the renew deadline");
  if (static_cast<double>(c.renew_deadline.count()) <= 1.2 * static_cast<double>(c.retry_period.count())) {
    add("renew deadline must be greater than 1.2 x retry period");
  }
  if (!problems.empty()) return make_error(Errc::InvalidArgument, "leader election: " + problems);
  return ok();
}

LeaseDecision decide_lease(ElectorState& state, const std::optional<Lease>& current, SteadyTime now,
                           std::chrono::system_clock::time_point wall_now, const LeaderElectionConfig& config) {
  LeaseDecision d;
  d.desired.holder_identity = config.identity;
  d.desired.lease_duration_seconds = seconds_ceil(config.lease_duration);
  d.desired.acquire_time = wall_now;
  d.desired.renew_time = wall_now;
  if (!current) {
    d.action = LeaseAction::Create;
    return d;
  }
  const LeaseSpec& spec = current->spec;
  // Expiry is judged on our own clock from when we saw the record change, never from renewTime (which
  // was written by another node's wall clock).
  if (!state.observed || *state.observed != spec) {
    state.observed = spec;
    state.observed_at = now;
  }
  state.observed_resource_version = current->metadata.resource_version;
  const auto duration = spec.lease_duration_seconds > 0 ? std::chrono::milliseconds(spec.lease_duration_seconds * 1000LL)
                                                        : config.lease_duration;
  const bool held_by_other = !spec.holder_identity.empty() && spec.holder_identity != config.identity;
  if (held_by_other && state.observed_at + duration > now) {
    d.action = LeaseAction::Wait;
    d.desired = spec;
    return d;
  }
  if (spec.holder_identity == config.identity) {
    d.action = LeaseAction::Renew;
    d.desired.acquire_time = spec.acquire_time ? spec.acquire_time : std::optional(wall_now);
    d.desired.lease_transitions = spec.lease_transitions;
    return d;
  }
  d.action = LeaseAction::Acquire;
  d.desired.lease_transitions = spec.lease_transitions + 1;
  return d;
}

bool record_write(ElectorState& state, const Lease& written, SteadyTime now) {
  state.observed = written.spec;
  state.observed_resource_version = written.metadata.resource_version;
  state.observed_at = now;
  state.last_renew = now;
  const bool started = !state.leading;
  state.leading = true;
  return started;
}

bool renew_deadline_passed(const ElectorState& state, SteadyTime now, const LeaderElectionConfig& config) {
  return state.leading && now - state.last_renew >= config.renew_deadline;
}

}  // namespace fedmetrics::kube
