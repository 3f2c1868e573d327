#pragma once
// Leader election over a coordination.k8s.io/v1 Lease, for running the FederatedHPA loop in one replica
// at a time (client-go leaderelection with LeaseLock). Decisions are the pure functions of
// leader_election.hpp; this class reads/writes the Lease and keeps time.
#include <functional>
#include <mutex>
#include <string>

#include "clients/base/clock.hpp"
#include "clients/kube/leader_election.hpp"
#include "clients/kube/rest_client.hpp"

namespace fedmetrics::kube {

/// Invoked on run()'s executor, with no lock held; must not block (start/stop work by posting/spawning).
struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  /// After losing the lease, releasing it, or when run() ends while leading.
  std::function<void()> on_stopped_leading;
  /// When the observed holder changes (including to ourselves); optional.
  std::function<void(const std::string&)> on_new_leader;
  /// After every successful acquire or renew write (after on_started_leading for the first), with the local
  /// time of the write: leadership is safe until that time + renew_deadline (a fence's expiry). Optional.
  std::function<void(SteadyTime)> on_renewed;
};

/// Thread-safety: is_leader()/leader() from any thread; run(), try_acquire_or_renew() and release() from
/// one coroutine at a time. `client` and `clock` must outlive the elector.
///
/// Timing: every retry_period (jittered ×[1, 2.2) while a candidate, as client-go) it reads the Lease and
/// creates/acquires/renews it. While leading, each attempt is bounded by the time left before the renew
/// deadline, and the loop wakes up at the deadline at the latest; once renew_deadline has passed since the
/// last successful renewal, it stops leading (on_stopped_leading) and goes back to being a candidate. If
/// the Lease shows another holder while we think we lead, it stops leading at once.
class LeaderElector {
 public:
  /// Throws std::invalid_argument when validate(config) fails (a startup configuration error).
  LeaderElector(RestClient& client, const Clock& clock, LeaderElectionConfig config, LeaderCallbacks callbacks);
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  /// Campaigns and renews until cancelled. On exit while leading, calls on_stopped_leading (it does not
  /// release the lease: call release() first for a fast hand-over on graceful shutdown).
  net::awaitable<void> run();

  /// One attempt (read the Lease, then create/acquire/renew or wait). Returns whether we lead afterwards.
  /// Also stops leading when the renew deadline has passed or another holder appeared.
  /// Errors: the client's (Conflict when another replica wrote first; the next attempt re-reads).
  net::awaitable<Result<bool>> try_acquire_or_renew();

  /// If leading: writes holderIdentity "" (leaseDurationSeconds 1) so another replica can take over at
  /// once, then stops leading. No-op otherwise.
  net::awaitable<Result<void>> release();

  bool is_leader() const;
  /// Last observed holder identity ("" if none).
  std::string leader() const;
  const LeaderElectionConfig& config() const { return config_; }

 private:
  void stop_leading();
  bool deadline_passed_now() const;
  void note_holder(const std::string& holder);

  RestClient& client_;
  const Clock& clock_;
  LeaderElectionConfig config_;
  LeaderCallbacks callbacks_;
  mutable std::mutex mu_;  // guards state_ and last_holder_
  ElectorState state_;
  std::string last_holder_;
};

}  // namespace fedmetrics::kube
