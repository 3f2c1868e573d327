#pragma once
// The fenced write path: how a controller that acts for an owner (the FederatedHPA loop, the
// CronFederatedHPA controller) writes to the control plane without ever writing after it lost ownership,
// and without overwriting a change it has not seen.
//
//   Fence         proof of ownership (the leader lease, or one shard's lease): held until revoked, and, when
//                 lease-based, only until its expiry (the lease's renew deadline), which the lease holder
//                 extends on every renewal. revoked() lets running work stop at once.
//   FencedWriter  every write checks the fence right before it is sent and is abandoned at the fence's
//                 expiry; updates and patches are conditional on the resourceVersion the caller read. A
//                 Conflict is returned to the caller, never retried by re-reading: the caller decides again
//                 next period, on fresh data (upstream's FailedRescale path). Only a write of a fixed value
//                 (a cron rule's) may re-read and retry (update_with_retry).
//
// Why this is enough: another replica takes over only after `lease_duration` without renewals, while this
// one stops at `renew_deadline` < `lease_duration` (leader_election.hpp). A write is sent only before the
// expiry; the margin covers its flight time. And because every update carries the resourceVersion read,
// a write that races with the successor's first write fails with Conflict instead of undoing it.
//
// Usage (any controller):
//   auto fence = ownership.fence_for(ns, name);          // ownership.hpp; nullptr = not ours now
//   if (!fence) co_return;
//   kube::FencedWriter writer(client, fence);
//   auto scale = co_await kube::get_scale(client, ref, name);
//   auto written = co_await writer.update_scale(ref, name, *scale, desired);   // Conflict: try next period
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clients/base/clock.hpp"
#include "clients/base/net.hpp"
#include "clients/base/result.hpp"
#include "clients/kube/objects.hpp"
#include "clients/kube/rest_client.hpp"

namespace fedmetrics::kube {

/// Ownership of some set of objects by this replica. Thread-safe; shared by the owner (which grants,
/// extends and revokes it) and the writers (which check it).
class Fence : public std::enable_shared_from_this<Fence> {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  /// Held from now on, without expiry until hold_until() sets one. `what` names it in logs and errors
  /// ("lease kube-system/fedmetrics-fhpa"). `clock` must outlive the fence.
  Fence(std::string what, const Clock& clock);
  Fence(const Fence&) = delete;
  Fence& operator=(const Fence&) = delete;

  const std::string& what() const { return what_; }

  /// Held only until `until` (steady time): a lease holder calls this after every renewal with
  /// last_renew + renew_deadline. Never revives a revoked fence.
  void hold_until(SteadyTime until);
  /// Ownership ends now, for good: held() is false from now on and every revoked() completes. Idempotent.
  void revoke();

  /// True while not revoked and not expired.
  [[nodiscard]] bool held() const;
  /// The expiry (SteadyTime::max() without one).
  [[nodiscard]] SteadyTime expiry() const;
  /// Time left before the expiry on the fence's clock (duration::max() without one, zero when past).
  [[nodiscard]] std::chrono::steady_clock::duration remaining() const;

  /// Completes when the fence is revoked (at once if it already is), or when the awaiting coroutine is
  /// cancelled. Meant for `co_await (work() || fence->revoked())`: revocation cancels the work.
  net::awaitable<void> revoked();

 private:
  struct Waiter;
  std::string what_;
  const Clock& clock_;
  mutable std::mutex mu_;  // guards everything below
  bool revoked_ = false;
  SteadyTime expiry_ = SteadyTime::max();
  std::vector<std::weak_ptr<Waiter>> waiters_;
};

using FencePtr = std::shared_ptr<Fence>;

/// Writes to the control plane on behalf of the owner of `fence`. Cheap to construct (one per evaluation).
/// `client` must outlive the writer; calls may run concurrently.
///
/// Errors of every method: Cancelled "<what> is no longer held: not written" when the fence is not held
/// right before sending, or "... expired while writing" when its expiry passed before the answer (the
/// write may or may not have been applied; the resourceVersion makes a repeat safe); InvalidArgument for
/// a missing resourceVersion; otherwise the client's errors, Conflict included (not retried).
class FencedWriter {
 public:
  FencedWriter(RestClient& client, FencePtr fence) : client_(client), fence_(std::move(fence)) {}

  /// PUT <ref>/<name>/scale with spec.replicas = `replicas`, conditional on `read` (the Scale as read: its
  /// metadata.resourceVersion is sent). Returns the stored Scale.
  net::awaitable<Result<Scale>> update_scale(ResourceRef ref, std::string name, Scale read, std::int32_t replicas);

  /// PUT the object (or its subresource, e.g. "status"); `object.metadata.resourceVersion` must be the one
  /// read. Returns the stored object.
  net::awaitable<Result<nlohmann::json>> update(ResourceRef ref, std::string name, std::string subresource,
                                                nlohmann::json object);

  /// Merge-patch (RFC 7386) conditional on `resource_version` (sent as metadata.resourceVersion, which the
  /// API server checks as a precondition). Returns the patched object.
  net::awaitable<Result<nlohmann::json>> merge_patch(ResourceRef ref, std::string name, std::string subresource,
                                                     std::string resource_version, nlohmann::json patch);

  /// kube::update_with_retry with every PUT fenced as update(): for writes whose value does not depend on what
  /// was read (a CronFederatedHPA rule sets a fixed replica count or bound), a Conflict re-reads and
  /// re-applies `mutate` (client-go's RetryOnConflict, as Karmada's cron controller). A decision made from
  /// the data read (the FederatedHPA loop's) must use update() and decide again instead.
  net::awaitable<Result<nlohmann::json>> update_with_retry(ResourceRef ref, std::string name, std::string subresource,
                                                           Mutator mutate, int max_attempts);

  /// POST a new object (Events): fenced, unconditional by nature.
  net::awaitable<Result<nlohmann::json>> create(ResourceRef ref, nlohmann::json object);

  const FencePtr& fence() const { return fence_; }

 private:
  using Write = std::function<net::awaitable<Result<nlohmann::json>>()>;
  net::awaitable<Result<nlohmann::json>> fenced(std::string what, Write write);

  RestClient& client_;
  FencePtr fence_;
};

}  // namespace fedmetrics::kube
