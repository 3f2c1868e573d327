#pragma once
// Client-side pacing, as pure value types driven by explicit time (tests use a ManualClock's time points):
//   TokenBucket  client-go's flowcontrol token bucket (QPS + burst) for requests to the control plane;
//   Backoff      exponential backoff with a cap and jitter for reconnect loops (informer, leader election).
// Neither is thread-safe; owners guard them (HttpsRestClient: a mutex, never held across a suspension).
#include <chrono>
#include <functional>
#include <optional>

namespace fedmetrics::kube {

/// Token bucket: `burst` tokens, refilled at `qps` per second. reserve() always succeeds and says how long
/// the caller must wait (golang.org/x/time/rate Reserve semantics: the bucket may go negative, so waiting
/// callers are served in reservation order). qps <= 0 disables limiting.
class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  /// Full bucket at `now`. burst < 1 is treated as 1.
  TokenBucket(double qps, int burst, TimePoint now);

  /// Takes one token; returns the delay after `now` at which the token is available (zero when available).
  [[nodiscard]] std::chrono::nanoseconds reserve(TimePoint now);
  /// Takes one token only if it is available within `max_wait` of `now` (then returns the delay, as
  /// reserve()); otherwise takes nothing and returns nullopt (golang.org/x/time/rate Wait's "would exceed
  /// context deadline").
  [[nodiscard]] std::optional<std::chrono::nanoseconds> reserve_within(TimePoint now, std::chrono::nanoseconds max_wait);
  /// Tokens available at `now` (negative while reservations are outstanding). For tests and metrics.
  [[nodiscard]] double tokens(TimePoint now) const;

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  void refill(TimePoint now);

  double qps_;
  int burst_;
  double tokens_;
  TimePoint last_;
};

/// Default controller limits for the control plane: client-go's 5/10 is meant for kubectl-like tools;
/// a controller with informers and a leader lease needs more headroom (kube-controller-manager uses 20/30,
/// Karmada's components 40/60).
inline constexpr double kDefaultQps = 50;
inline constexpr int kDefaultBurst = 100;

struct BackoffPolicy {
  std::chrono::milliseconds initial{800};  ///< client-go reflector: 800 ms …
  std::chrono::milliseconds max{30'000};   ///< … capped at 30 s
  double factor = 2.0;
  double jitter = 1.0;                     ///< delay ∈ [base, base·(1+jitter)]
  bool operator==(const BackoffPolicy&) const = default;
};

/// Exponential backoff: the n-th delay (n from 0) has base b = min(initial·factorⁿ, max) and is
/// b·(1 + jitter·u) with u drawn from the jitter source in [0, 1). So delays grow geometrically, the base
/// never exceeds `max`, and a delay never exceeds max·(1+jitter). reset() after a success.
class Backoff {
 public:
  /// Returns a sample in [0, 1); values outside are clamped.
  using JitterSource = std::function<double()>;

  /// Default jitter source: a per-thread std::mt19937 seeded from std::random_device.
  explicit Backoff(BackoffPolicy policy = {}, JitterSource jitter = {});

  /// The next delay; advances the attempt count.
  [[nodiscard]] std::chrono::milliseconds next();
  void reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }
  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  JitterSource jitter_;
  int attempts_ = 0;
};

}  // namespace fedmetrics::kube
