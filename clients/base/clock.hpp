#pragma once
// Time as a seam: production code asks a Clock, tests drive a ManualClock (tests/fakes/manual_clock.hpp).
#include <chrono>

namespace fedmetrics {

/// Source of monotonic and wall-clock time. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  /// Monotonic time for deadlines, TTLs and durations.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  /// Wall-clock time for timestamps written to the API (RFC 3339).
  virtual std::chrono::system_clock::time_point system_now() const = 0;
};

/// The real clocks.
class SteadyClock final : public Clock {
 public:
  // Clock
  std::chrono::steady_clock::time_point steady_now() const override;
  std::chrono::system_clock::time_point system_now() const override;
};

/// RFC 3339 UTC with whole seconds ("2026-08-21T03:12:09Z"), as Kubernetes writes metav1.Time.
std::string format_rfc3339(std::chrono::system_clock::time_point t);
/// metav1.MicroTime wire form: "2026-08-21T03:12:09.123456Z" (always six fraction digits, UTC).
[[nodiscard]] std::string format_rfc3339_micro(std::chrono::system_clock::time_point t);

}  // namespace fedmetrics
