#pragma once
// Runs a coroutine to completion on a single-threaded io_context and returns its value (or rethrows).
//
//   auto r = fedmetrics::test::run_coro(client.get_custom_metrics(req, deadline));
//   net::io_context ioc;  FanOut f(ioc.get_executor(), ...);  auto v = run_coro(ioc, f.run<T>(...));
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <utility>

#include "clients/base/net.hpp"

namespace fedmetrics::test {

/// On a caller-owned io_context (when objects under test need its executor first). Runs until idle.
template <class T>
T run_coro(net::io_context& ioc, net::awaitable<T> coro) {
  auto future = net::co_spawn(ioc, std::move(coro), net::use_future);
  ioc.restart();
  ioc.run();
  return future.get();
}

template <class T>
T run_coro(net::awaitable<T> coro) {
  net::io_context ioc;
  return run_coro(ioc, std::move(coro));
}

}  // namespace fedmetrics::test
