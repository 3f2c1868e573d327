#include "clients/kube/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

namespace fedmetrics::kube {

TokenBucket::TokenBucket(double qps, int burst, TimePoint now)
    : qps_(qps), burst_(std::max(burst, 1)), tokens_(static_cast<double>(burst_)), last_(now) {}

void TokenBucket::refill(TimePoint now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed * qps_);
  last_ = now;
}

std::chrono::nanoseconds TokenBucket::reserve(TimePoint now) {
  if (qps_ <= 0) return std::chrono::nanoseconds::zero();
  refill(now);
  tokens_ -= 1.0;
  if (tokens_ >= 0) return std::chrono::nanoseconds::zero();
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(-tokens_ / qps_ * 1e9)));
}

std::optional<std::chrono::nanoseconds> TokenBucket::reserve_within(TimePoint now, std::chrono::nanoseconds max_wait) {
  if (qps_ <= 0) return std::chrono::nanoseconds::zero();
  refill(now);
  if (tokens_ < 1.0 && (1.0 - tokens_) / qps_ * 1e9 > static_cast<double>(max_wait.count())) return std::nullopt;
  return reserve(now);
}

double TokenBucket::tokens(TimePoint now) const {
  if (now <= last_) return tokens_;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(static_cast<double>(burst_), tokens_ + elapsed * qps_);
}

namespace {
double default_jitter() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}
}  // namespace

Backoff::Backoff(BackoffPolicy policy, JitterSource jitter)
    : policy_(policy), jitter_(jitter ? std::move(jitter) : JitterSource(default_jitter)) {}

std::chrono::milliseconds Backoff::next() {
  const double cap = static_cast<double>(policy_.max.count());
  double base = static_cast<double>(policy_.initial.count());
  // Multiply step by step so a long failure streak cannot overflow into inf/NaN.
  for (int i = 0; i < attempts_ && base < cap; ++i) base *= policy_.factor;
  base = std::min(base, cap);
  ++attempts_;
  const double u = std::clamp(jitter_(), 0.0, std::nextafter(1.0, 0.0));
  const double delay = base * (1.0 + std::max(policy_.jitter, 0.0) * u);
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

}  // namespace fedmetrics::kube
