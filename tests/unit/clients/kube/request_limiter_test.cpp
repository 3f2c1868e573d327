#include "clients/kube/request_limiter.hpp"

#include <catch2/catch.hpp>

#include "tests/fakes/manual_clock.hpp"
#include "tests/support/run_coro.hpp"

namespace fedmetrics::kube {
namespace {

using namespace std::chrono_literals;

TEST_CASE("request limiter grants the burst at once and refuses a slot past the deadline without taking it",
          "[unit][kube][ratelimit]") {
  test::ManualClock clock;
  RequestLimiter limiter(1, 2, clock);  // 1 qps, burst 2
  CHECK(test::run_coro(limiter.acquire()));
  CHECK(test::run_coro(limiter.acquire()));
  // The third token is 1 s away: a 500 ms deadline fails at once, as Timeout.
  auto late = test::run_coro(limiter.acquire(clock.steady_now() + 500ms));
  REQUIRE_FALSE(late);
  CHECK(late.error().code == Errc::Timeout);
  CHECK(late.error().message.find("client rate limit (1 qps, burst 2)") != std::string::npos);
  // The refused request took nothing: one second later a token is free with no wait at all.
  clock.advance(1s);
  CHECK(test::run_coro(limiter.acquire(clock.steady_now() + 1ms)));
}

TEST_CASE("request limiter with qps 0 never limits", "[unit][kube][ratelimit]") {
  test::ManualClock clock;
  RequestLimiter limiter(0, 0, clock);
  for (int i = 0; i < 1000; ++i) REQUIRE(test::run_coro(limiter.acquire(clock.steady_now())));
}

}  // namespace
}  // namespace fedmetrics::kube
