#include "server/http/https_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "clients/base/log.hpp"
#include "clients/transport/tls_socket.hpp"
#include "server/http/tls_server_context.hpp"

namespace fedmetrics::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
using transport::TlsSocket;

/// One connection, as the server's registry sees it (for shutdown).
struct ConnectionBase {
  virtual ~ConnectionBase() = default;
  /// Cancels pending I/O on the connection's strand (only when idle unless `all`). `all` also cancels the
  /// request being handled, whatever it awaits (a review behind a rate limit, a member call).
  virtual void cancel(bool all) = 0;
};

/// One TLS or plain-HTTP connection (transport::TlsSocket: OpenSSL over Asio's socket I/O, issue #18). Touched
/// only on its strand (the socket's executor). The deadline of the current phase (handshake, idle, read, write,
/// linger) is one timer whose handler runs on the same strand and cancels the socket.
struct Connection final : ConnectionBase, std::enable_shared_from_this<Connection> {
  Connection(tcp::socket socket, std::shared_ptr<TlsServerContext::Generation> tls_generation)
      : tls(std::move(tls_generation)),
        timer(socket.get_executor()),
        stream(std::move(socket), tls ? tls->native().native_handle() : nullptr) {}
  std::shared_ptr<TlsServerContext::Generation> tls;  ///< the certificates this connection was accepted with
  asio::steady_timer timer;
  TlsSocket stream;
  bool idle = true;  ///< waiting for the first byte of the next request
  bool expired = false;
  std::uint64_t phase = 0;
  /// Bound to the connection's coroutine: a terminal emit cancels whatever it awaits, the handler included.
  asio::cancellation_signal handling;

  void cancel(bool all) override {
    asio::post(timer.get_executor(), [self = shared_from_this(), all] {
      boost::system::error_code ignored;
      if (all || self->idle) self->stream.socket().cancel(ignored);
      if (all) self->handling.emit(asio::cancellation_type::terminal);
    });
  }
  /// Bounds what follows by `limit` (until the next arm or disarm).
  void arm(std::chrono::steady_clock::duration limit) { arm_at(std::chrono::steady_clock::now() + limit); }
  void arm_at(std::chrono::steady_clock::time_point deadline) {
    const auto p = ++phase;
    expired = false;
    timer.expires_at(deadline);
    timer.async_wait([self = shared_from_this(), p](boost::system::error_code ec) {
      if (ec || self->phase != p) return;
      self->expired = true;
      boost::system::error_code ignored;
      self->stream.socket().cancel(ignored);
    });
  }
  void disarm() {
    ++phase;
    timer.cancel();
  }
};

/// Request data held by all connections together, bounded (ServerLimits::max_buffered_bytes).
class BufferBudget {
 public:
  explicit BufferBudget(std::size_t limit) : limit_(limit) {}
  bool acquire(std::size_t n) {
    std::size_t used = used_.load();
    do {
      if (n > limit_ || used > limit_ - n) return false;
    } while (!used_.compare_exchange_weak(used, used + n));
    return true;
  }
  void release(std::size_t n) { used_.fetch_sub(n); }
  std::size_t used() const { return used_.load(); }

 private:
  std::atomic<std::size_t> used_{0};
  std::size_t limit_;
};

/// Allocates a connection's read buffer against the budget, each byte counted twice (the header fields
/// Beast parses out of it are a copy of at most as many bytes). When the budget is exhausted it throws
/// std::length_error, which Beast's read operations turn into http::error::buffer_overflow.
template <class T>
struct BudgetAllocator {
  using value_type = T;
  static constexpr std::size_t kCharge = 2;
  BufferBudget* budget;
  explicit BudgetAllocator(BufferBudget* b) noexcept : budget(b) {}
  template <class U>
  BudgetAllocator(const BudgetAllocator<U>& other) noexcept : budget(other.budget) {}  // NOLINT: rebinding
  T* allocate(std::size_t n) {
    if (!budget->acquire(kCharge * n * sizeof(T))) throw std::length_error("request buffer budget exhausted");
    try {
      return std::allocator<T>{}.allocate(n);
    } catch (...) {
      budget->release(kCharge * n * sizeof(T));
      throw;
    }
  }
  void deallocate(T* p, std::size_t n) noexcept {
    std::allocator<T>{}.deallocate(p, n);
    budget->release(kCharge * n * sizeof(T));
  }
  template <class U>
  bool operator==(const BudgetAllocator<U>& other) const noexcept {
    return budget == other.budget;
  }
};
using RequestBuffer = beast::basic_flat_buffer<BudgetAllocator<char>>;

std::string endpoint_string(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" + std::to_string(ep.port());
}

}  // namespace

struct HttpsServer::State {
  State(asio::io_context& io, TlsServerContext* t, Handler& h, ServerSettings s)
      : ioc(io),
        tls(t),
        handler(h),
        settings(std::move(s)),
        acceptor(asio::make_strand(io)),
        budget(settings.limits.max_buffered_bytes) {}

  asio::io_context& ioc;
  TlsServerContext* tls;  ///< null: plain HTTP
  Handler& handler;
  ServerSettings settings;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
  BufferBudget budget;

  std::mutex mu;  // guards registry only; never held across co_await
  std::unordered_map<std::uint64_t, std::weak_ptr<ConnectionBase>> registry;
  std::uint64_t next_id = 0;

  std::uint64_t add(const std::shared_ptr<ConnectionBase>& c) {
    std::lock_guard lock(mu);
    registry.emplace(next_id, c);
    return next_id++;
  }
  void remove(std::uint64_t id) {
    std::lock_guard lock(mu);
    registry.erase(id);
  }
  /// Cancels pending I/O on every connection (only idle ones unless `all`), each on its own strand.
  void cancel_connections(bool all) {
    std::vector<std::shared_ptr<ConnectionBase>> live;
    {
      std::lock_guard lock(mu);
      for (auto& [id, weak] : registry) {
        if (auto c = weak.lock()) live.push_back(std::move(c));
      }
    }
    for (auto& c : live) c->cancel(all);
  }
};

namespace {

using StatePtr = std::shared_ptr<HttpsServer::State>;

struct CountGuard {
  explicit CountGuard(std::atomic<std::size_t>& c) : counter(c) { counter.fetch_add(1); }
  ~CountGuard() { counter.fetch_sub(1); }
  CountGuard(const CountGuard&) = delete;
  CountGuard& operator=(const CountGuard&) = delete;
  std::atomic<std::size_t>& counter;
};

// The request line and fields, straight into http::Request (no field container in between). Bodies are never
// read (request_framing): the parser stops after the header.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  Request request;
  unsigned version = 11;

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target, int v,
                       boost::system::error_code&) override {
    request.method.assign(method.data(), method.size());
    request.target.assign(target.data(), target.size());
    version = static_cast<unsigned>(v);
  }
  void on_response_impl(int, beast::string_view, int, boost::system::error_code&) override {}
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value,
                     boost::system::error_code&) override {
    request.headers.add(std::string_view(name.data(), name.size()), std::string_view(value.data(), value.size()));
  }
  void on_header_impl(boost::system::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::system::error_code&) override {}
  std::size_t on_body_impl(beast::string_view b, boost::system::error_code&) override { return b.size(); }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, boost::system::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view b, boost::system::error_code&) override {
    return b.size();
  }
  void on_finish_impl(boost::system::error_code&) override {}
};

// Status line and fields as they go on the wire, into `out` (the body follows): Content-Type, Cache-Control,
// nosniff on errors, the handler's extra headers, Content-Length, and Connection where it differs from the
// version's default.
void append_head(std::string& out, const Response& resp, unsigned version, bool keep_alive) {
  const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(resp.status));
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(resp.status);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\nContent-Type: ";
  out += resp.content_type;
  out += "\r\nCache-Control: no-cache, private\r\n";
  if (resp.status >= 400) out += "X-Content-Type-Options: nosniff\r\n";
  for (const auto& [name, value] : resp.headers.entries()) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(resp.body.size());
  out += "\r\n";
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

// Small answers go out with their head in one write (one TLS record, one send); large ones after it.
constexpr std::size_t kCoalesceLimit = 64 * 1024;

net::awaitable<boost::system::error_code> write_response(TlsSocket& stream, Response&& resp, unsigned version,
                                                         bool keep_alive) {
  std::string head;
  head.reserve(256 + (resp.body.size() <= kCoalesceLimit ? resp.body.size() : 0));
  append_head(head, resp, version, keep_alive);
  if (resp.body.size() <= kCoalesceLimit) {
    head += resp.body;
    co_return co_await stream.write(asio::buffer(head));
  }
  if (auto ec = co_await stream.write(asio::buffer(head))) co_return ec;
  co_return co_await stream.write(asio::buffer(resp.body));
}

net::awaitable<Response> dispatch(StatePtr st, Request request, RequestContext context) {
  try {
    co_return co_await st->handler.handle(std::move(request), std::move(context));
  } catch (const std::exception& e) {
    // Cancelled at the end of the shutdown grace period: expected, the connection closes next.
    if (st->stopping.load()) {
      log::verbose(1, "request cancelled by shutdown", {{"error", e.what()}});
    } else {
      log::error("handler failed", {{"error", e.what()}});
    }
  }
  co_return st->handler.error_response(500, "Internal error occurred: the request handler failed");
}

/// The rejection for a request that could not be read, or nothing when the connection just went away.
std::optional<Response> rejection_for(const StatePtr& st, const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit) {
    return st->handler.error_response(
        431, "request header fields too large (limit " + std::to_string(st->settings.limits.max_header_bytes) +
                 " bytes)");
  }
  if (ec == bhttp::error::buffer_overflow) {
    return st->handler.error_response(429, "too many requests are being read at once (request buffer limit " +
                                               std::to_string(st->settings.limits.max_buffered_bytes) +
                                               " bytes); try again later");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() && ec != bhttp::error::end_of_stream &&
      ec != bhttp::error::partial_message) {
    return st->handler.error_response(400, "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

// Closing a socket with received bytes unread sends a reset, and a reset makes the client's kernel drop our
// answer if the client has not read it yet (a client still writing its body, or a request we refused
// mid-header). So before closing such a connection, give the client 500 ms to read the answer: discard what
// arrives meanwhile, up to 256 KiB (Go's net/http discards as much after a handler left a body unread, and
// waits 500 ms before closing), keeping nothing, then just wait out the rest.
net::awaitable<void> linger_before_close(std::shared_ptr<Connection> conn) {
  constexpr std::size_t kMaxDiscard = 256 * 1024;
  constexpr auto kLinger = std::chrono::milliseconds(500);
  const auto until = std::chrono::steady_clock::now() + kLinger;
  conn->arm_at(until);
  std::array<char, 4096> sink;
  std::size_t discarded = 0;
  while (discarded < kMaxDiscard) {
    auto [ec, n] = co_await conn->stream.read_some(asio::buffer(sink));
    if (ec) co_return;  // the linger is over, or the client closed or reset: nothing left to protect
    discarded += n;
  }
  conn->disarm();
  asio::steady_timer timer(conn->timer.get_executor(), until);
  co_await timer.async_wait(kUseTuple);
}

net::awaitable<void> run_connection(StatePtr st, std::shared_ptr<Connection> conn) {
  CountGuard counted(st->connections);
  const auto id = st->add(conn);
  struct Unregister {
    StatePtr st;
    std::uint64_t id;
    ~Unregister() { st->remove(id); }
  } unregister{st, id};

  auto& stream = conn->stream;
  const auto& limits = st->settings.limits;
  boost::system::error_code ignored;
  const auto remote_ep = stream.socket().remote_endpoint(ignored);
  const std::string remote = ignored ? std::string("unknown") : endpoint_string(remote_ep);

  // TLS: the client certificate as verified by the generation of CA bundles that was current then: verified
  // again when the bundles change (a CA removed from --client-ca-file must stop admitting this
  // connection, as kube-apiserver verifies per request) or when a certificate of the chain expires.
  std::shared_ptr<TlsServerContext::Generation> verified_with = conn->tls;
  std::shared_ptr<const PeerCertificate> peer;
  conn->arm(limits.handshake_timeout);
  auto hs_ec = stream.prepare_tls(/*release_buffers=*/false);
  if (!hs_ec) hs_ec = co_await stream.handshake(/*server=*/true);
  if (hs_ec) {
    // Go clients sometimes drop a spare connection before the handshake: debug level only.
    log::verbose(2, "tls handshake failed", {{"remote", remote}, {"error", hs_ec.message()}});
    conn->disarm();
    stream.close();
    co_return;
  }
  if (stream.is_tls()) peer = verified_with->inspect_peer(stream.native_handle());

  // Only request headers are ever read into memory (bodies never are), into a buffer charged against the
  // server-wide budget; it is released whenever the connection has nothing buffered.
  RequestBuffer buffer{BudgetAllocator<char>(&st->budget)};
  std::array<char, 512> first_bytes;  // the wait for the next request holds no charged memory
  bool first_request = true;
  bool linger = false;  // input may be left unread when the connection ends
  while (!st->stopping.load()) {
    if (buffer.size() == 0) {
      buffer.shrink_to_fit();
      // Wait for the next request's first byte under the idle limit; then the whole request must
      // arrive within the read limit (a slow sender cannot hold the connection forever).
      conn->idle = true;
      conn->arm(first_request ? limits.read_timeout : limits.idle_timeout);
      auto [ec, n] = co_await stream.read_some(asio::buffer(first_bytes));
      conn->idle = false;
      if (ec) break;
      bool charged = false;
      try {
        asio::buffer_copy(buffer.prepare(n), asio::buffer(first_bytes.data(), n));
        buffer.commit(n);
        charged = true;
      } catch (const std::length_error&) {
      }
      if (!charged) {
        conn->arm(limits.write_timeout);
        co_await write_response(stream, std::move(*rejection_for(st, bhttp::error::buffer_overflow)), 11, false);
        linger = true;
        break;
      }
    }
    first_request = false;

    RequestParser parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    conn->arm(limits.read_timeout);
    if (auto read_ec = co_await stream.read_message(buffer, parser, /*header_only=*/true, 4096)) {
      if (auto rejection = rejection_for(st, read_ec)) {
        log::verbose(1, "rejected request", {{"remote", remote}, {"error", read_ec.message()}});
        conn->arm(limits.write_timeout);
        co_await write_response(stream, std::move(*rejection), 11, false);
        linger = true;
      }
      break;
    }
    conn->disarm();

    const auto declared = parser.content_length();
    const auto framing = request_framing(parser.request.method, declared ? std::optional(*declared) : std::nullopt,
                                         parser.chunked(), limits.max_body_bytes);
    linger = framing.close_after;
    if (framing.reject_status != 0) {
      log::verbose(1, "rejected request", {{"remote", remote}, {"error", framing.message}});
      conn->arm(limits.write_timeout);
      co_await write_response(stream, st->handler.error_response(framing.reject_status, framing.message),
                              parser.version, false);
      break;
    }
    if (peer) {
      auto current = st->tls->current();
      if (current != verified_with || std::chrono::system_clock::now() >= peer->valid_until) {
        peer = current->inspect_peer(stream.native_handle());
        verified_with = std::move(current);
      }
    }
    const bool keep_alive_requested = parser.keep_alive();
    const unsigned version = parser.version;
    RequestContext context{remote, peer, std::chrono::steady_clock::now()};
    Response response;
    {
      CountGuard in_flight(st->in_flight);
      response = co_await dispatch(st, std::move(parser.request), std::move(context));
    }
    const bool keep_alive = keep_alive_requested && !st->stopping.load() && !linger;
    conn->arm(limits.write_timeout);
    auto write_ec = co_await write_response(stream, std::move(response), version, keep_alive);
    if (write_ec || !keep_alive) break;
  }

  if (linger) co_await linger_before_close(conn);
  conn->arm(std::chrono::seconds(1));
  if (stream.is_tls()) {
    co_await stream.shutdown();
  } else {
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
  }
  conn->disarm();
}

void spawn_connection(const StatePtr& st, tcp::socket socket) {
  auto executor = socket.get_executor();
  auto conn = std::make_shared<Connection>(std::move(socket), st->tls ? st->tls->current() : nullptr);
  auto& slot_owner = conn->handling;
  // The handler keeps the connection (and so the signal its slot belongs to) alive until co_spawn is done.
  asio::co_spawn(executor, run_connection(st, conn),
                 asio::bind_cancellation_slot(slot_owner.slot(), [conn, st](std::exception_ptr e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     if (st->stopping.load()) {
                       log::verbose(1, "connection cancelled by shutdown", {{"error", ex.what()}});
                     } else {
                       log::error("connection failed", {{"error", ex.what()}});
                     }
                   }
                 }));
}

net::awaitable<void> accept_loop(StatePtr st) {
  for (;;) {
    auto [ec, socket] = co_await st->acceptor.async_accept(asio::make_strand(st->ioc), kUseTuple);
    if (st->stopping.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      log::warning("accept failed", {{"error", ec.message()}});
      asio::steady_timer timer(st->acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await timer.async_wait(kUseTuple);
      continue;
    }
    if (st->connections.load() >= st->settings.limits.max_connections) {
      socket.close(ec);
      continue;
    }
    // Answers are written whole; Nagle would only delay the TLS records behind a delayed ACK.
    socket.set_option(tcp::no_delay(true), ec);
    spawn_connection(st, std::move(socket));
  }
}

}  // namespace

HttpsServer::HttpsServer(asio::io_context& ioc, TlsServerContext& tls, Handler& handler, ServerSettings settings)
    : state_(std::make_shared<State>(ioc, &tls, handler, std::move(settings))) {}

HttpsServer::HttpsServer(asio::io_context& ioc, Handler& handler, ServerSettings settings)
    : state_(std::make_shared<State>(ioc, nullptr, handler, std::move(settings))) {}

HttpsServer::~HttpsServer() = default;

Result<std::uint16_t> HttpsServer::listen() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(state_->settings.bind_address, ec);
  if (ec) {
    return make_error(Errc::InvalidArgument, "\"" + state_->settings.bind_address + "\" is not an IP address");
  }
  const tcp::endpoint endpoint(address, state_->settings.port);
  auto& acc = state_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && state_->settings.reuse_port) {
    acc.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
  }
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(Errc::Unavailable, "cannot listen on " + endpoint_string(endpoint) + ": " + ec.message());
  }
  return acc.local_endpoint().port();
}

void HttpsServer::start() {
  asio::co_spawn(state_->acceptor.get_executor(), accept_loop(state_), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("accept loop failed", {{"error", ex.what()}});
    }
  });
}

net::awaitable<void> HttpsServer::shutdown(std::chrono::milliseconds grace) {
  auto st = state_;
  st->stopping.store(true);
  asio::dispatch(st->acceptor.get_executor(), [st] {
    boost::system::error_code ec;
    st->acceptor.close(ec);
  });
  st->cancel_connections(/*all=*/false);

  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  // After the grace period every connection is cancelled, the request it handles included; they end within
  // milliseconds. This bound only keeps a stuck connection from holding the process.
  constexpr auto kForcedCloseWait = std::chrono::milliseconds(500);
  bool forced = false;
  while (st->connections.load() > 0) {
    if (forced && std::chrono::steady_clock::now() >= deadline + kForcedCloseWait) {
      log::warning("connections still open after the shutdown grace period; exiting anyway",
                   {{"connections", st->connections.load()}});
      co_return;
    }
    if (!forced && std::chrono::steady_clock::now() >= deadline) {
      log::warning("shutdown grace period over; closing remaining connections",
                   {{"connections", st->connections.load()}, {"in_flight", st->in_flight.load()}});
      st->cancel_connections(/*all=*/true);
      forced = true;
    } else if (!forced) {
      // Connections that became idle after finishing their request close themselves; a keep-alive
      // connection that was mid-read when we started is cancelled here.
      st->cancel_connections(/*all=*/false);
    }
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(kUseTuple);
  }
}

std::size_t HttpsServer::open_connections() const { return state_->connections.load(); }
std::size_t HttpsServer::requests_in_flight() const { return state_->in_flight.load(); }
std::size_t HttpsServer::buffered_bytes() const { return state_->budget.used(); }

}  // namespace fedmetrics::http
