#pragma once
// Coalesces identical concurrent requests: while a fan-out for a key is running, further callers with
// the same key wait for its result instead of starting their own (HPA controllers and the autoscaler
// often ask for the same metric at the same moment).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "clients/base/net.hpp"
#include "clients/base/result.hpp"

namespace fedmetrics::aggregation {

/// Thread-safe; callers may be on different strands and threads. The mutex is never held across a
/// suspension. The first caller for a key (the leader) runs `work` on its own coroutine; followers are
/// woken through a thread-safe channel each and receive a copy of the leader's result. If the leader is
/// cancelled, followers receive its Cancelled result. A follower that is itself cancelled stops waiting
/// (Errc::Cancelled) without affecting the flight.
template <class V>
class SingleFlight {
 public:
  using Work = std::function<net::awaitable<Result<V>>()>;

  SingleFlight() = default;
  SingleFlight(const SingleFlight&) = delete;
  SingleFlight& operator=(const SingleFlight&) = delete;

  /// Runs `work` unless a flight for `key` is already running, then awaits its result.
  /// `coalesced` (optional) is set to true when this caller joined someone else's flight.
  net::awaitable<Result<V>> run(std::string key, Work work, bool* coalesced = nullptr) {
    auto executor = co_await net::this_coro::executor;
    std::shared_ptr<Flight> flight;
    std::shared_ptr<Channel> channel;
    {
      std::lock_guard lock(mu_);
      auto it = flights_.find(key);
      if (it != flights_.end()) {
        flight = it->second;
        channel = std::make_shared<Channel>(executor, 1);
        flight->waiters.push_back(channel);
      } else {
        flight = std::make_shared<Flight>();
        flights_.emplace(key, flight);
      }
    }
    if (channel) {
      if (coalesced) *coalesced = true;
      auto [ec] = co_await channel->async_receive(net::as_tuple(net::use_awaitable));
      if (ec) co_return make_error(Errc::Cancelled, "cancelled while waiting for an identical request");
      std::lock_guard lock(mu_);
      co_return *flight->result;
    }
    if (coalesced) *coalesced = false;
    Result<V> result = make_error(Errc::Internal, "single flight leader failed");
    try {
      result = co_await work();
    } catch (...) {
      finish(key, flight, make_error(Errc::Internal, "single flight leader threw"));
      throw;
    }
    finish(key, flight, result);
    co_return result;
  }

  /// Keys with a flight running (tests).
  std::size_t in_flight() const {
    std::lock_guard lock(mu_);
    return flights_.size();
  }

 private:
  using Channel = net::experimental::concurrent_channel<void(boost::system::error_code)>;
  struct Flight {
    std::optional<Result<V>> result;
    std::vector<std::shared_ptr<Channel>> waiters;
  };

  void finish(const std::string& key, const std::shared_ptr<Flight>& flight, const Result<V>& result) {
    std::vector<std::shared_ptr<Channel>> waiters;
    {
      std::lock_guard lock(mu_);
      flight->result = result;
      waiters.swap(flight->waiters);
      flights_.erase(key);
    }
    for (auto& w : waiters) w->try_send(boost::system::error_code{});  // capacity 1: never blocks
  }

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;
};

}  // namespace fedmetrics::aggregation
