#include "clients/kube/rate_limit.hpp"

#include <catch2/catch.hpp>

#include <vector>

namespace fedmetrics::kube {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

const TimePoint kT0{std::chrono::hours(1)};

TEST_CASE("token bucket allows a burst, then paces at qps", "[unit][kube][ratelimit]") {
  TokenBucket bucket(10, 3, kT0);  // 10 qps, burst 3
  CHECK(bucket.reserve(kT0) == 0ns);
  CHECK(bucket.reserve(kT0) == 0ns);
  CHECK(bucket.reserve(kT0) == 0ns);
  // Bucket empty: the 4th waits one token time, the 5th two (reservations queue up).
  CHECK(bucket.reserve(kT0) == 100ms);
  CHECK(bucket.reserve(kT0) == 200ms);
  CHECK(bucket.tokens(kT0) == Approx(-2.0));
  // After 300 ms the debt is paid and one token is free again.
  CHECK(bucket.reserve(kT0 + 300ms) == 0ns);
}

TEST_CASE("token bucket refills up to burst only", "[unit][kube][ratelimit]") {
  TokenBucket bucket(50, 100, kT0);
  for (int i = 0; i < 100; ++i) REQUIRE(bucket.reserve(kT0) == 0ns);
  CHECK(bucket.reserve(kT0) == 20ms);
  // A long idle period refills to burst, not beyond.
  CHECK(bucket.tokens(kT0 + 1h) == Approx(100.0));
  const auto later = kT0 + 1h;
  for (int i = 0; i < 100; ++i) REQUIRE(bucket.reserve(later) == 0ns);
  CHECK(bucket.reserve(later) > 0ns);
}

TEST_CASE("token bucket reserves within a wait limit or takes nothing", "[unit][kube][ratelimit]") {
  TokenBucket bucket(10, 1, kT0);  // 10 qps, burst 1
  CHECK(bucket.reserve_within(kT0, 0ns) == 0ns);
  CHECK_FALSE(bucket.reserve_within(kT0, 99ms));  // the next token is 100 ms away
  CHECK(bucket.tokens(kT0) == Approx(0.0));       // nothing was taken
  CHECK(bucket.reserve_within(kT0, 100ms) == 100ms);
  CHECK(bucket.reserve_within(kT0 + 200ms, 0ns) == 0ns);
}

TEST_CASE("token bucket with qps <= 0 never waits", "[unit][kube][ratelimit]") {
  TokenBucket bucket(0, 1, kT0);
  for (int i = 0; i < 1000; ++i) REQUIRE(bucket.reserve(kT0) == 0ns);
  CHECK(kDefaultQps == 50);
  CHECK(kDefaultBurst == 100);
}

TEST_CASE("time going backwards does not mint tokens", "[unit][kube][ratelimit]") {
  TokenBucket bucket(1, 1, kT0);
  CHECK(bucket.reserve(kT0) == 0ns);
  CHECK(bucket.reserve(kT0 - 10s) == 1s);
}

TEST_CASE("backoff doubles from initial up to the cap without jitter", "[unit][kube][backoff]") {
  Backoff b(BackoffPolicy{800ms, 30s, 2.0, 0.0}, [] { return 0.5; });
  std::vector<std::chrono::milliseconds> got;
  for (int i = 0; i < 8; ++i) got.push_back(b.next());
  CHECK(got == std::vector<std::chrono::milliseconds>{800ms, 1600ms, 3200ms, 6400ms, 12800ms, 25600ms, 30s, 30s});
  CHECK(b.attempts() == 8);
  b.reset();
  CHECK(b.attempts() == 0);
  CHECK(b.next() == 800ms);
}

TEST_CASE("backoff jitter stays between base and base*(1+jitter)", "[unit][kube][backoff]") {
  SECTION("the jitter sample scales the delay") {
    std::vector<double> samples{0.0, 0.999999, 0.5};
    std::size_t i = 0;
    Backoff b(BackoffPolicy{1000ms, 4s, 2.0, 1.0}, [&] { return samples[i++]; });
    CHECK(b.next() == 1000ms);  // u = 0 → base
    CHECK(b.next() == 3999ms);  // u → 1 → just under 2·base
    CHECK(b.next() == 6000ms);  // u = 0.5 on base 4 s
  }
  SECTION("bounds hold for many random samples, including at the cap") {
    Backoff b(BackoffPolicy{800ms, 30s, 2.0, 1.0});
    for (int n = 0; n < 200; ++n) {
      const auto base = std::min<std::chrono::milliseconds>(30s, 800ms * (1LL << std::min(n, 10)));
      const auto d = b.next();
      CAPTURE(n, d.count());
      REQUIRE(d >= base);
      REQUIRE(d < base * 2);
    }
  }
  SECTION("samples outside [0, 1) are clamped") {
    std::vector<double> samples{-5.0, 7.0};
    std::size_t i = 0;
    Backoff b(BackoffPolicy{1000ms, 1000ms, 2.0, 0.5}, [&] { return samples[i++]; });
    CHECK(b.next() == 1000ms);
    CHECK(b.next() == 1500ms);  // 1 − ε rounds to the upper bound
  }
}

TEST_CASE("backoff survives a very long failure streak", "[unit][kube][backoff]") {
  Backoff b(BackoffPolicy{1ms, 5s, 10.0, 0.0});
  std::chrono::milliseconds last{};
  for (int i = 0; i < 10'000; ++i) last = b.next();
  CHECK(last == 5s);
}

}  // namespace
}  // namespace fedmetrics::kube
