#pragma once
// Short aliases for the Asio names that appear in interfaces. Only the light awaitable header here:
// Beast, SSL and <boost/asio.hpp> stay in the .cpp files that need them (STYLE.md §4.8, §10).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace fedmetrics::net {
using namespace boost::asio;  // NOLINT: `net::` is the conventional alias for Asio
}  // namespace fedmetrics::net
