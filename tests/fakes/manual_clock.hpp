#pragma once
// A Clock the test moves by hand (Envoy's simulated time): no sleeps, no wall clock in unit tests.
#include <chrono>
#include <mutex>

#include "clients/base/clock.hpp"

namespace fedmetrics::test {

/// Thread-safe. Starts at an arbitrary fixed point; only advance() moves it.
class ManualClock final : public Clock {
 public:
  ManualClock() = default;

  // Clock
  std::chrono::steady_clock::time_point steady_now() const override {
    std::lock_guard lock(mu_);
    return steady_;
  }
  std::chrono::system_clock::time_point system_now() const override {
    std::lock_guard lock(mu_);
    return system_;
  }

  /// Moves both clocks forward by `d`.
  void advance(std::chrono::steady_clock::duration d) {
    std::lock_guard lock(mu_);
    steady_ += d;
    system_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  }

 private:
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point steady_{std::chrono::hours(1000)};
  std::chrono::system_clock::time_point system_{std::chrono::seconds(1'790'000'000)};  // 2026-09-21
};

}  // namespace fedmetrics::test
