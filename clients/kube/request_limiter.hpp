#pragma once
// The client-side rate limit of one API server, shared by every client that talks to it: client-go's
// flowcontrol.RateLimiter on a rest.Config. Karmada sets one from --kube-api-qps/--kube-api-burst for the
// control plane and one per member cluster from --cluster-api-qps/--cluster-api-burst
// (karmada-reference.md §1.10); fedmetrics does the same.
#include <chrono>
#include <mutex>

#include "clients/base/clock.hpp"
#include "clients/base/net.hpp"
#include "clients/base/result.hpp"
#include "clients/kube/rate_limit.hpp"

namespace fedmetrics::kube {

/// A token bucket (`qps` per second, `burst` at once) with an asynchronous wait. qps <= 0 disables it.
/// Thread-safe: acquire() may run concurrently on any executor; the mutex is never held across a
/// suspension. Callers are served in the order they reserved.
class RequestLimiter {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  /// `clock` drives the bookkeeping (the wait itself is a steady_timer); it must outlive the limiter.
  RequestLimiter(double qps, int burst, const Clock& clock);
  RequestLimiter(const RequestLimiter&) = delete;
  RequestLimiter& operator=(const RequestLimiter&) = delete;

  /// Waits until a request may be sent. Errors: Timeout, at once and without taking a token, when the
  /// token would come after `deadline`; Cancelled when the wait is cancelled (the token is then spent).
  net::awaitable<Result<void>> acquire(Deadline deadline = Deadline::max());

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  const Clock& clock_;
  const double qps_;
  const int burst_;
  std::mutex mu_;  // guards bucket_
  TokenBucket bucket_;
};

}  // namespace fedmetrics::kube
