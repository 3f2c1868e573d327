#pragma once
// One call per member cluster, concurrently, each on its own strand, each bounded by the per-member
// deadline (--member-timeout) and all by the overall request deadline (STYLE.md §8 "Fan-out").
//
// Heavier than most headers (Asio's parallel_group, awaitable operators): include it only from the
// aggregation .cpp files and tests, never from an interface header.
#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clients/base/net.hpp"
#include "clients/base/result.hpp"
#include "clients/members/member_client.hpp"
#include "clients/members/member_client_cache.hpp"

namespace fedmetrics::aggregation {

struct FanOutOptions {
  std::chrono::milliseconds member_timeout{std::chrono::seconds(5)};    ///< --member-timeout
  std::chrono::milliseconds overall_timeout{std::chrono::seconds(30)};  ///< bound on the whole fan-out
  std::size_t max_in_flight = 64;  ///< members called at once; beyond, the next starts when one ends
};

/// What the observer learns about each member call (for metrics and member health).
struct MemberCallReport {
  std::string cluster;
  std::optional<Error> error;  ///< nullopt on success
  std::chrono::steady_clock::duration elapsed{};
};

/// Invoked once per member after its call completes, on that member's strand: must be thread-safe.
using FanOutObserver = std::function<void(const MemberCallReport&)>;

/// The per-member operation: called with the member's client and its deadline; must return quickly
/// (it only creates the coroutine). Arguments to the coroutine must be captured by value.
template <class T>
using MemberCall =
    std::function<net::awaitable<Result<T>>(std::shared_ptr<members::MemberClient>, members::Deadline)>;

/// Concurrent per-member calls with deadlines.
///
/// Thread-safety: run() may be called concurrently; FanOut holds no mutable state. The executor must be the
/// io_context's (not a strand): each member call gets its own strand on it.
class FanOut {
 public:
  FanOut(net::any_io_executor executor, FanOutOptions options, FanOutObserver observer = {})
      : executor_(std::move(executor)), options_(options), observer_(std::move(observer)) {}

  const FanOutOptions& options() const { return options_; }

  /// Calls `call` once per member with a client, concurrently (at most max_in_flight at a time) and returns
  /// one Result per member in the order of `targets`, never throwing:
  ///  - a member without a client (its configuration is broken) yields its stored error, without a call;
  ///  - a member that does not answer within min(start + member_timeout, overall deadline) yields
  ///    Errc::Timeout "member <name>: no answer within <n>ms" and its call is cancelled;
  ///  - an exception escaping a call yields Errc::Internal "member <name>: <what>".
  /// Completes when every member has answered or timed out.
  template <class T>
  net::awaitable<std::vector<Result<T>>> run(std::vector<members::MemberHandle> targets, MemberCall<T> call) const {
    using Clock = std::chrono::steady_clock;
    const auto overall = Clock::now() + options_.overall_timeout;
    // A sliding window, not waves: `max_in_flight` workers each take the next member as soon as their
    // previous call ends. Waves of max_in_flight members (the former design) made every wave as slow as
    // its slowest member: 1,000 members at 5-10 ms took 16 waves, ~150 ms (scripts/bench scenario c).
    auto window = std::make_shared<Window<T>>();
    window->targets = std::move(targets);
    window->results.resize(window->targets.size());
    const std::size_t workers = std::min(window->targets.size(), std::max<std::size_t>(1, options_.max_in_flight));
    using Op = decltype(net::co_spawn(net::make_strand(executor_), std::declval<net::awaitable<void>>(),
                                      net::deferred));
    std::vector<Op> ops;
    ops.reserve(workers);
    for (std::size_t k = 0; k < workers; ++k) {
      ops.push_back(net::co_spawn(net::make_strand(executor_),
                                  window_worker<T>(window, call, overall, options_.member_timeout, observer_),
                                  net::deferred));
    }
    if (!ops.empty()) {
      // Workers catch everything a call throws, so the exceptions reported here are always null.
      auto [order, exceptions] = co_await net::experimental::make_parallel_group(std::move(ops))
                                     .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
      (void)order;
      (void)exceptions;
    }
    std::vector<Result<T>> out;
    out.reserve(window->targets.size());
    for (std::size_t i = 0; i < window->targets.size(); ++i) {
      if (window->results[i]) {
        out.push_back(std::move(*window->results[i]));
      } else {
        out.push_back(make_error(Errc::Internal, "member " + window->targets[i].cluster.name + ": not called"));
      }
    }
    co_return out;
  }

 private:
  static std::string describe(const std::exception_ptr& e);
  static Error timeout_error(const std::string& cluster, std::chrono::milliseconds budget);

  // The members of one run() and their results. Worker k writes only the slots of the indexes it took from
  // `next`; run() reads them after every worker has completed.
  template <class T>
  struct Window {
    std::vector<members::MemberHandle> targets;
    std::vector<std::optional<Result<T>>> results;
    std::atomic<std::size_t> next{0};
  };

  // One window slot: calls members one after the other until none is left. Each member's deadline starts
  // when its own call starts: min(start + member_timeout, overall).
  template <class T>
  static net::awaitable<void> window_worker(std::shared_ptr<Window<T>> window, MemberCall<T> call,
                                            std::chrono::steady_clock::time_point overall,
                                            std::chrono::milliseconds member_timeout, FanOutObserver observer) {
    for (;;) {
      // A cancelled run() stops taking members; run() reports the ones never called.
      const auto state = co_await net::this_coro::cancellation_state;
      if (state.cancelled() != net::cancellation_type::none) co_return;
      const std::size_t i = window->next.fetch_add(1);
      if (i >= window->targets.size()) co_return;
      const auto start = std::chrono::steady_clock::now();
      const auto deadline = std::min(start + member_timeout, overall);
      const auto budget = std::max(std::chrono::milliseconds(0),
                                   std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start));
      try {
        window->results[i] = co_await call_one<T>(window->targets[i], call, deadline, budget, observer);
      } catch (...) {
        window->results[i] = make_error(Errc::Internal, "member " + window->targets[i].cluster.name + ": " +
                                                            describe(std::current_exception()));
      }
    }
  }

  template <class T>
  static net::awaitable<Result<T>> call_one(members::MemberHandle target, MemberCall<T> call,
                                            members::Deadline deadline, std::chrono::milliseconds budget,
                                            FanOutObserver observer) {
    using namespace net::experimental::awaitable_operators;
    const auto started = std::chrono::steady_clock::now();
    Result<T> result = make_error(Errc::Internal, "unset");
    if (!target.client) {
      result = target.error ? *target.error
                            : make_error(Errc::Internal, "member " + target.cluster.name + ": no client");
    } else {
      net::steady_timer timer(co_await net::this_coro::executor);
      timer.expires_at(deadline);
      auto member_call = call(target.client, deadline);
      auto expiry = timer.async_wait(net::as_tuple(net::use_awaitable));
      auto either = co_await (std::move(member_call) || std::move(expiry));
      if (either.index() == 0) {
        result = std::move(std::get<0>(either));
      } else {
        result = timeout_error(target.cluster.name, budget);
      }
    }
    if (observer) {
      observer(MemberCallReport{target.cluster.name, result ? std::nullopt : std::optional<Error>(result.error()),
                                std::chrono::steady_clock::now() - started});
    }
    co_return result;
  }

  net::any_io_executor executor_;
  FanOutOptions options_;
  FanOutObserver observer_;
};

}  // namespace fedmetrics::aggregation
