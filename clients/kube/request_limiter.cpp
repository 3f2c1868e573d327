#include "clients/kube/request_limiter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <string>

namespace fedmetrics::kube {

RequestLimiter::RequestLimiter(double qps, int burst, const Clock& clock)
    : clock_(clock), qps_(qps), burst_(burst), bucket_(qps, burst, clock.steady_now()) {}

net::awaitable<Result<void>> RequestLimiter::acquire(Deadline deadline) {
  std::optional<std::chrono::nanoseconds> delay;
  {
    std::lock_guard lock(mu_);
    const auto now = clock_.steady_now();
    const auto left = deadline == Deadline::max() ? std::chrono::nanoseconds::max() : deadline - now;
    delay = bucket_.reserve_within(now, std::max(left, std::chrono::nanoseconds::zero()));
  }
  if (!delay) {
    char limit[64];
    std::snprintf(limit, sizeof limit, "%g qps, burst %d", qps_, burst_);
    co_return make_error(Errc::Timeout,
                         std::string("client rate limit (") + limit + "): the next request slot is after the deadline");
  }
  if (*delay == std::chrono::nanoseconds::zero()) co_return ok();
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(*delay);
  auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  if (ec) co_return make_error(Errc::Cancelled, "cancelled while waiting for the client rate limit");
  co_return ok();
}

}  // namespace fedmetrics::kube
