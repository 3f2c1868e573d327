#pragma once
// One call per member cluster, concurrently, each bounded by the per-member deadline (--member-timeout) and all
// by the overall request deadline (STYLE.md §8 "Fan-out").
//
// Cost per member call (issue #18): no coroutine is spawned per call and no parallel group built per call.
// min(members, max_in_flight) workers, each a coroutine on its own strand, take members from a shared index;
// a member's deadline is one timer on the worker's strand that emits the worker's cancellation signal. Awaitable
// `||` per call (the former design) spawned two coroutines and a parallel group per member call.
//
// Heavier than most headers (Asio's parallel_group, awaitable operators): include it only from the
// aggregation .cpp files and tests, never from an interface header.
#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
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
/// io_context's (not a strand): each worker gets its own strand on it.
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
    auto window = std::make_shared<Window<T>>(co_await net::this_coro::executor);
    window->targets = std::move(targets);
    window->results.resize(window->targets.size());
    const std::size_t workers = std::min(window->targets.size(), std::max<std::size_t>(1, options_.max_in_flight));
    window->workers = std::make_unique<Worker[]>(workers);
    window->running = workers;
    for (std::size_t k = 0; k < workers; ++k) {
      Worker& w = window->workers[k];
      w.strand = worker_strand();
      // Each worker has its own cancellation signal: its member-deadline timer emits it to cancel the one call
      // in progress (no per-call co_spawn, as awaitable `||` or a parallel group per call would need).
      net::co_spawn(w.strand, window_worker<T>(window, k, call, overall, options_.member_timeout, observer_),
                    net::bind_cancellation_slot(w.signal.slot(), [window](std::exception_ptr) {
                      // Workers catch everything a call throws, so the exception here is always null.
                      if (--window->running == 0) window->done.try_send(boost::system::error_code{});
                    }));
    }
    if (workers > 0) {
      auto [ec] = co_await window->done.async_receive(net::as_tuple(net::use_awaitable));
      if (ec) {
        // run() itself was cancelled: stop every worker (on its strand), then wait for them to end.
        window->stopping = true;
        for (std::size_t k = 0; k < workers; ++k) {
          net::post(window->workers[k].strand, [window, k] { window->workers[k].signal.emit(net::cancellation_type::terminal); });
        }
        co_await net::this_coro::reset_cancellation_state();
        auto [ec2] = co_await window->done.async_receive(net::as_tuple(net::use_awaitable));
        (void)ec2;
      }
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

  // A strand for one worker. Over the io_context's own executor when that is what we were given: a strand of
  // an any_io_executor does not fit any_io_executor's small-object buffer and costs an allocation per copy.
  net::any_io_executor worker_strand() const {
    if (const auto* io = executor_.target<net::io_context::executor_type>()) return net::make_strand(*io);
    return net::make_strand(executor_);
  }

  // One window slot. `signal` and `call_seq` are touched only on `strand`.
  struct Worker {
    net::any_io_executor strand;
    net::cancellation_signal signal;
    std::uint64_t call_seq = 0;
    std::uint64_t fired_seq = 0;  ///< the call whose deadline fired
  };

  // The members of one run() and their results. Worker k writes only the slots of the indexes it took from
  // `next`; run() reads them after every worker has completed (`done`).
  template <class T>
  struct Window {
    explicit Window(const net::any_io_executor& ex) : done(ex, 1) {}
    std::vector<members::MemberHandle> targets;
    std::vector<std::optional<Result<T>>> results;
    std::atomic<std::size_t> next{0};
    std::unique_ptr<Worker[]> workers;
    std::atomic<std::size_t> running{0};
    std::atomic<bool> stopping{false};
    net::experimental::concurrent_channel<void(boost::system::error_code)> done;
  };

  // One window slot: calls members one after the other until none is left. Each member's deadline starts
  // when its own call starts: min(start + member_timeout, overall).
  template <class T>
  static net::awaitable<void> window_worker(std::shared_ptr<Window<T>> window, std::size_t k, MemberCall<T> call,
                                            std::chrono::steady_clock::time_point overall,
                                            std::chrono::milliseconds member_timeout, FanOutObserver observer) {
    for (;;) {
      // A cancelled run() stops taking members; run() reports the ones never called.
      if (window->stopping) co_return;
      const std::size_t i = window->next.fetch_add(1);
      if (i >= window->targets.size()) co_return;
      const auto start = std::chrono::steady_clock::now();
      const auto deadline = std::min(start + member_timeout, overall);
      const auto budget = std::max(std::chrono::milliseconds(0),
                                   std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start));
      try {
        window->results[i] = co_await call_one<T>(window, k, window->targets[i], call, deadline, budget, observer);
      } catch (...) {
        window->results[i] = make_error(Errc::Internal, "member " + window->targets[i].cluster.name + ": " +
                                                            describe(std::current_exception()));
      }
    }
  }

  template <class T>
  static net::awaitable<Result<T>> call_one(std::shared_ptr<Window<T>> window, std::size_t k, members::MemberHandle target,
                                            MemberCall<T> call, members::Deadline deadline,
                                            std::chrono::milliseconds budget, FanOutObserver observer) {
    const auto started = std::chrono::steady_clock::now();
    Result<T> result = make_error(Errc::Internal, "unset");
    if (!target.client) {
      result = target.error ? *target.error
                            : make_error(Errc::Internal, "member " + target.cluster.name + ": no client");
    } else {
      Worker& w = window->workers[k];
      const std::uint64_t seq = ++w.call_seq;
      // The timer runs on this worker's strand: its handler cannot interleave with the call's steps, and a
      // handler that fires as the call ends finds a newer call_seq and does nothing.
      net::steady_timer timer(w.strand);
      timer.expires_at(deadline);
      timer.async_wait([window, k, seq](boost::system::error_code ec) {
        Worker& worker = window->workers[k];
        if (ec || worker.call_seq != seq) return;
        worker.fired_seq = seq;
        worker.signal.emit(net::cancellation_type::terminal);
      });
      try {
        result = co_await call(target.client, deadline);
      } catch (...) {
        if (w.fired_seq != seq) throw;  // a cancelled call may throw operation_aborted: that is the timeout
      }
      ++w.call_seq;
      if (w.fired_seq == seq) {
        result = timeout_error(target.cluster.name, budget);
        // The deadline cancelled this call: the worker's next call starts with a clean cancellation state.
        co_await net::this_coro::reset_cancellation_state();
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
