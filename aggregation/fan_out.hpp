#pragma once
// One call per member cluster, concurrently, each on its own strand, each bounded by the per-member
// deadline (--member-timeout) and all by the overall request deadline (STYLE.md §8 "Fan-out").
//
// Heavier than most headers (Asio's parallel_group, awaitable operators): include it only from the
// aggregation .cpp files and tests, never from an interface header.
#include <algorithm>
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
  std::size_t max_in_flight = 64;  ///< members called at once; larger sets are called in chunks
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
    std::vector<Result<T>> out;
    out.reserve(targets.size());
    const std::size_t chunk = std::max<std::size_t>(1, options_.max_in_flight);
    for (std::size_t begin = 0; begin < targets.size(); begin += chunk) {
      const std::size_t end = std::min(targets.size(), begin + chunk);
      const auto chunk_start = Clock::now();
      const auto deadline = std::min(chunk_start + options_.member_timeout, overall);
      using Op = decltype(net::co_spawn(net::make_strand(executor_), std::declval<net::awaitable<Result<T>>>(),
                                        net::deferred));
      std::vector<Op> ops;
      ops.reserve(end - begin);
      const auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - chunk_start);
      for (std::size_t i = begin; i < end; ++i) {
        ops.push_back(net::co_spawn(net::make_strand(executor_),
                                    call_one<T>(targets[i], call, deadline, budget, observer_), net::deferred));
      }
      auto [order, exceptions, results] =
          co_await net::experimental::make_parallel_group(std::move(ops))
              .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
      for (std::size_t i = 0; i < results.size(); ++i) {
        if (exceptions[i]) {
          out.push_back(make_error(Errc::Internal, "member " + targets[begin + i].cluster.name + ": " +
                                                       describe(exceptions[i])));
        } else {
          out.push_back(std::move(results[i]));
        }
      }
    }
    co_return out;
  }

 private:
  static std::string describe(const std::exception_ptr& e);
  static Error timeout_error(const std::string& cluster, std::chrono::milliseconds budget);

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
