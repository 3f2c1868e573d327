#pragma once
// The HTTPS listener and its connections: HTTP/1.1 keep-alive over TLS, with limits on header and body
// size and on handshake, read, idle and write time, and a graceful shutdown. No Kubernetes knowledge:
// every request goes to one Handler. The same server without TLS serves the plain-HTTP /metrics listener
// (--metrics-bind-address).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "clients/base/net.hpp"
#include "clients/base/result.hpp"
#include "server/http/message.hpp"

namespace boost::asio {
class io_context;
}

namespace fedmetrics::http {

class TlsServerContext;

struct ServerLimits {
  std::size_t max_header_bytes = 64 * 1024;       ///< request line + headers; beyond: 431 and close
  std::size_t max_body_bytes = 1024 * 1024;       ///< a declared Content-Length beyond: 413 and close
  /// Request data all connections together may hold: read buffers, each byte counted twice (once more for
  /// the header fields parsed from it). A request that would need more is answered 429 and closed.
  std::size_t max_buffered_bytes = 64 * 1024 * 1024;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds read_timeout{10'000};  ///< first byte to end of request (slowloris bound)
  std::chrono::milliseconds idle_timeout{90'000};  ///< keep-alive wait for the next request's first byte
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t max_connections = 10'000;           ///< beyond: new connections are closed at once
};

struct ServerSettings {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0 = any free port; read it back from listen()
  bool reuse_port = false;  ///< SO_REUSEPORT: other processes may listen on the same port (--permit-port-sharing)
  ServerLimits limits;
};

class HttpsServer {
 public:
  /// `tls` and `handler` must outlive the server (both are owned by the Application).
  HttpsServer(boost::asio::io_context& ioc, TlsServerContext& tls, Handler& handler, ServerSettings settings);
  /// Plain HTTP, no TLS: requests carry no peer certificate. Only for endpoints meant to be read
  /// unauthenticated (the reference's --metrics-bind-address listener).
  HttpsServer(boost::asio::io_context& ioc, Handler& handler, ServerSettings settings);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  /// Binds and listens. Returns the bound port. Errors: InvalidArgument for a bad address,
  /// Unavailable when the port cannot be bound.
  Result<std::uint16_t> listen();
  /// Starts accepting on the io_context. Call after listen().
  void start();
  /// Stops accepting, closes idle connections and lets requests in flight finish; after `grace`,
  /// cancels whatever is left, the requests being handled included (terminal cancellation of whatever they
  /// await). Completes when every connection has ended, and at the latest 500 ms after `grace`.
  net::awaitable<void> shutdown(std::chrono::milliseconds grace);

  std::size_t open_connections() const;
  std::size_t requests_in_flight() const;
  /// Request data currently held, as counted against ServerLimits::max_buffered_bytes.
  std::size_t buffered_bytes() const;

  struct State;  ///< implementation detail (https_server.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace fedmetrics::http
