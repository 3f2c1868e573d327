#include "clients/transport/https_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <atomic>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "clients/base/log.hpp"
#include "clients/transport/tls_socket.hpp"

namespace fedmetrics::transport {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kHeaderLimit = 64 * 1024;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  (void)net::ip::make_address(host, ec);
  return !ec;
}

// Builds a client context from the options (files read now); config errors throw (reported at startup, or
// logged at a reload, which then keeps the previous context).
std::shared_ptr<ssl::context> make_tls_context(const HttpsClientOptions& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  auto fail = [](const std::string& what, const boost::system::system_error& e) {
    return std::runtime_error(what + ": " + e.code().message());
  };
  try {
    if (o.insecure_skip_verify) {
      ctx->set_verify_mode(ssl::verify_none);
    } else {
      ctx->set_verify_mode(ssl::verify_peer);
      if (!o.ca.data.empty()) {
        ctx->add_certificate_authority(net::buffer(o.ca.data));
      } else if (!o.ca.file.empty()) {
        ctx->load_verify_file(o.ca.file);
      } else {
        ctx->set_default_verify_paths();
      }
    }
  } catch (const boost::system::system_error& e) {
    throw fail("loading CA bundle " + (o.ca.file.empty() ? std::string("(inline data)") : o.ca.file), e);
  }
  try {
    if (!o.client_cert.data.empty()) {
      ctx->use_certificate_chain(net::buffer(o.client_cert.data));
    } else if (!o.client_cert.file.empty()) {
      ctx->use_certificate_chain_file(o.client_cert.file);
    }
    if (!o.client_key.data.empty()) {
      ctx->use_private_key(net::buffer(o.client_key.data), ssl::context::pem);
    } else if (!o.client_key.file.empty()) {
      ctx->use_private_key_file(o.client_key.file, ssl::context::pem);
    }
  } catch (const boost::system::system_error& e) {
    throw fail("loading client certificate/key", e);
  }
  if (o.client_cert.empty() != o.client_key.empty()) {
    throw std::runtime_error("client certificate and key must be given together");
  }
  // HTTP/1.1 only (STYLE.md §8): never offer h2.
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx->native_handle(), kAlpn, sizeof kAlpn - 1);
  return ctx;
}

struct ProxyTarget {
  std::string host;
  std::string port;
};

ProxyTarget parse_proxy_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  std::string_view rest(url);
  if (rest.substr(0, kScheme.size()) != kScheme) {
    throw std::runtime_error("proxy URL must start with http:// (got \"" + url + "\")");
  }
  rest.remove_prefix(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  ProxyTarget t;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) throw std::runtime_error("bad proxy URL \"" + url + "\"");
    t.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    t.port = rest.size() > 1 && rest.front() == ':' ? std::string(rest.substr(1)) : "80";
  } else {
    const auto colon = rest.rfind(':');
    t.host = std::string(rest.substr(0, colon));
    t.port = colon == std::string_view::npos ? "80" : std::string(rest.substr(colon + 1));
  }
  if (t.host.empty()) throw std::runtime_error("proxy URL has no host: \"" + url + "\"");
  return t;
}

/// A change marker for the file-based TLS material (CA bundle, client certificate and key): size and
/// modification time of each; "" when the options name no file.
std::string tls_files_fingerprint(const HttpsClientOptions& o) {
  std::string out;
  for (const auto* pem : {&o.ca, &o.client_cert, &o.client_key}) {
    if (!pem->data.empty() || pem->file.empty()) continue;
    struct stat st {};
    if (::stat(pem->file.c_str(), &st) == 0) {
      out += std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
             std::to_string(st.st_mtim.tv_nsec) + ";";
    } else {
      out += "-;";
    }
  }
  return out;
}

// Bytes reserved after a response body: simdjson (kubeapi's member answer decoder) reads up to 64 bytes past
// the end, and a body with this much spare capacity is parsed where it lies instead of being copied.
constexpr std::size_t kBodyPadding = 64;

// One connection and its deadline guard. A connection is used by one exchange at a time, from that exchange's
// strand; the guard's timer handler runs on the same strand (bound at arm()), so arming, firing and the I/O it
// cancels never interleave. A handler left over from an earlier exchange (possibly queued on another strand)
// finds a newer generation and does nothing.
struct Connection {
  Connection(const net::any_io_executor& ex, std::shared_ptr<ssl::context> ctx, std::uint64_t generation)
      : tls_ctx(std::move(ctx)),
        tls_generation(generation),
        stream(ex, tls_ctx ? tls_ctx->native_handle() : nullptr),
        timer(ex) {}
  /// The TLS context the connection was made with (declared before `stream`, so it outlives the SSL object),
  /// and its generation: pooled connections of an older generation are not reused after a reload.
  std::shared_ptr<ssl::context> tls_ctx;
  std::uint64_t tls_generation = 0;
  TlsSocket stream;
  beast::flat_buffer buffer;  // bytes read and not yet parsed
  net::steady_timer timer;
  std::atomic<std::uint64_t> guard_generation{0};
  std::atomic<bool> expired{false};
  Clock::time_point idle_since{};

  void close() { stream.close(); }
};

// The guard of one attempt: cancels the socket's pending operation at the deadline, so that every step (connect,
// handshake, write, read) is bounded by it without a timer per operation.
class DeadlineGuard {
 public:
  DeadlineGuard(std::shared_ptr<Connection> c, Clock::time_point deadline, const net::any_io_executor& strand)
      : c_(std::move(c)) {
    const auto gen = ++c_->guard_generation;
    c_->expired = false;
    c_->timer.expires_at(deadline);
    c_->timer.async_wait(net::bind_executor(strand, [c = c_, gen](error_code ec) {
      if (ec || c->guard_generation.load() != gen) return;
      c->expired = true;
      error_code ignored;
      c->stream.socket().cancel(ignored);
    }));
  }
  ~DeadlineGuard() {
    ++c_->guard_generation;
    c_->timer.cancel();
  }
  DeadlineGuard(const DeadlineGuard&) = delete;
  DeadlineGuard& operator=(const DeadlineGuard&) = delete;

 private:
  std::shared_ptr<Connection> c_;
};

// HTTP/1.1 response head and body, parsed as they arrive: status, fields, and the body into one string with
// kBodyPadding spare bytes (the size is reserved up front when Content-Length is given). Beast's own
// response_parser would keep the fields in an allocated container and copy them out again.
class ResponseParser final : public bhttp::basic_parser<false> {
 public:
  HttpResponse response;

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int, error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override { response.status = code; }
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value, error_code&) override {
    response.headers.emplace_back(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) response.body.reserve(static_cast<std::size_t>(*length) + kBodyPadding);
  }
  std::size_t on_body_impl(beast::string_view s, error_code&) override {
    response.body.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view s, error_code&) override {
    response.body.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(error_code&) override {
    if (response.body.capacity() < response.body.size() + kBodyPadding) response.body.reserve(response.body.size() + kBodyPadding);
  }
};

// Failure of one attempt: the mapped error, and whether a retry on a fresh connection is safe (nothing
// of the response was seen yet on a reused connection, i.e. the peer closed an idle keep-alive socket).
struct AttemptError {
  Error error;
  bool retryable = false;
};

// A coroutine on a plain io_context executor may run on several threads at once: the deadline guard needs a
// strand (or a single thread) to be race-free.
bool on_strand(const net::any_io_executor& ex) {
  return ex.target<net::strand<net::io_context::executor_type>>() != nullptr ||
         ex.target<net::strand<net::any_io_executor>>() != nullptr;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return std::nullopt;
}

struct HttpsClient::State : std::enable_shared_from_this<HttpsClient::State> {
  HttpsClientOptions options;
  std::string authority;  // host[:port] for Host and CONNECT
  std::string url_prefix;  // for messages: https://host:port
  std::optional<ProxyTarget> proxy;
  std::string static_head;  // the request head's fixed lines (Host, User-Agent, Accept)

  mutable std::mutex mu;  // guards everything below; never held across co_await
  // File-based CA/client certificate/key are re-read when they change (rotated Secrets, cert-manager), like
  // the token file: new connections use the new context; requests in flight finish on theirs.
  std::shared_ptr<ssl::context> tls_ctx;
  std::uint64_t tls_generation = 0;
  std::string tls_fingerprint;  // of the files tls_ctx was built from, or of the last failed attempt
  std::vector<std::shared_ptr<Connection>> idle;
  std::size_t opened = 0;
  std::string token;
  struct timespec token_mtime {};
  off_t token_size = -1;

  explicit State(HttpsClientOptions o) : options(std::move(o)) {
    const bool v6 = options.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + options.host + "]" : options.host;
    const bool default_port = options.port == (options.plain_http ? 80 : 443);
    authority = default_port ? host : host + ":" + std::to_string(options.port);
    url_prefix = std::string(options.plain_http ? "http://" : "https://") + host + ":" + std::to_string(options.port);
    if (!options.proxy_url.empty()) proxy = parse_proxy_url(options.proxy_url);
    if (!options.plain_http) {
      tls_fingerprint = tls_files_fingerprint(options);
      tls_ctx = make_tls_context(options);
    }
    token = options.bearer_token;
    static_head = "Host: " + authority + "\r\nUser-Agent: " + options.user_agent + "\r\nAccept: application/json, */*\r\n";
  }

  // The TLS context for a new connection, rebuilt first when a file it was built from changed. A file that
  // cannot be loaded (half written, mismatched key) keeps the previous context until the files change again.
  std::pair<std::shared_ptr<ssl::context>, std::uint64_t> current_tls() {
    const std::string print = tls_files_fingerprint(options);
    {
      std::lock_guard lock(mu);
      if (print == tls_fingerprint) return {tls_ctx, tls_generation};
      tls_fingerprint = print;  // one attempt per change, not one per request
    }
    std::shared_ptr<ssl::context> fresh;
    try {
      fresh = make_tls_context(options);
    } catch (const std::exception& e) {
      log::warning("TLS material changed but cannot be loaded; keeping the previous",
                   {{"endpoint", url_prefix}, {"error", e.what()}});
    }
    std::lock_guard lock(mu);
    if (fresh) {
      tls_ctx = std::move(fresh);
      ++tls_generation;
      for (auto& c : idle) c->close();  // made with the old material; never reused
      idle.clear();
      log::info("TLS material reloaded", {{"endpoint", url_prefix}});
    }
    return {tls_ctx, tls_generation};
  }

  // The token file is re-read when its mtime or size changes (projected service-account tokens rotate).
  // stat() per request is cheap; a read error keeps the previous token.
  std::string current_token() {
    std::lock_guard lock(mu);
    if (options.bearer_token_file.empty()) return token;
    struct stat st {};
    if (::stat(options.bearer_token_file.c_str(), &st) != 0) return token;
    if (st.st_size == token_size && st.st_mtim.tv_sec == token_mtime.tv_sec &&
        st.st_mtim.tv_nsec == token_mtime.tv_nsec) {
      return token;
    }
    try {
      std::string t = read_file(options.bearer_token_file);
      while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
      token = std::move(t);
      token_mtime = st.st_mtim;
      token_size = st.st_size;
    } catch (const std::exception&) {
      // keep the old token; the member will answer 401 and the caller reports it
    }
    return token;
  }

  std::shared_ptr<Connection> take_idle(std::uint64_t generation) {
    std::lock_guard lock(mu);
    const auto now = Clock::now();
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      if (now - c->idle_since < options.idle_timeout && c->stream.socket().is_open() &&
          c->tls_generation == generation) {
        return c;
      }
      c->close();
    }
    return nullptr;
  }

  void give_back(std::shared_ptr<Connection> c) {
    c->idle_since = Clock::now();
    c->buffer.clear();
    // An idle connection keeps no read staging: a pool of one connection per member of a large federation
    // would otherwise hold 2 x 16 KiB each for nothing.
    c->buffer.shrink_to_fit();
    c->stream.release_staging();
    std::lock_guard lock(mu);
    if (c->tls_ctx && c->tls_generation != tls_generation) {
      c->close();  // finished its request on material that has been replaced since
      return;
    }
    // Drop expired ones first, then the oldest if still full.
    std::erase_if(idle, [&](const std::shared_ptr<Connection>& x) {
      return c->idle_since - x->idle_since >= options.idle_timeout;
    });
    if (idle.size() >= options.max_idle_connections) {
      if (options.max_idle_connections == 0) return;
      idle.erase(idle.begin());
    }
    idle.push_back(std::move(c));
  }

  Error map(std::string_view op, const error_code& ec, Connection* conn) const {
    const std::string where = std::string(op) + " " + url_prefix;
    if (conn != nullptr && conn->expired) {
      return make_error(Errc::Timeout, where + ": deadline exceeded during " + std::string(op));
    }
    if (ec == net::error::operation_aborted) return make_error(Errc::Cancelled, where + ": cancelled");
    if (ec == bhttp::error::body_limit) {
      return make_error(Errc::TooLarge,
                        where + ": response body exceeds " + std::to_string(options.body_limit) + " bytes");
    }
    if (ec == bhttp::error::header_limit) return make_error(Errc::TooLarge, where + ": response header too large");
    if (ec.category() == net::error::get_ssl_category() || ec == ssl::error::stream_truncated) {
      std::string msg = where + ": TLS error: " + ec.message();
      if (conn != nullptr && conn->stream.native_handle() != nullptr) {
        const long vr = SSL_get_verify_result(conn->stream.native_handle());
        if (vr != X509_V_OK) msg += " (" + std::string(X509_verify_cert_error_string(vr)) + ")";
      }
      return make_error(Errc::Unavailable, msg);
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
      return make_error(Errc::ProtocolError, where + ": malformed HTTP response: " + ec.message());
    }
    return make_error(Errc::Unavailable, where + ": " + ec.message());
  }

  // Resolve + TCP connect (to the proxy when configured), CONNECT through the proxy, TLS handshake; all under
  // the caller's deadline guard on `c`.
  net::awaitable<Result<void>> connect(std::shared_ptr<Connection> c, Clock::time_point deadline) {
    auto ex = co_await net::this_coro::executor;
    const std::string& host = proxy ? proxy->host : options.host;
    const std::string port = proxy ? proxy->port : std::to_string(options.port);

    tcp::resolver::results_type endpoints;
    if (is_ip_literal(host)) {
      endpoints = tcp::resolver::results_type::create(
          tcp::endpoint(net::ip::make_address(host), static_cast<unsigned short>(std::stoi(port))), host, port);
    } else {
      // The resolver ignores per-operation cancellation, so a watchdog cancels it at the deadline.
      auto resolver = std::make_shared<tcp::resolver>(ex);
      net::steady_timer watchdog(ex);
      watchdog.expires_at(deadline);
      watchdog.async_wait([resolver](error_code e) {
        if (!e) resolver->cancel();
      });
      auto [ec, results] = co_await resolver->async_resolve(host, port, kTuple);
      watchdog.cancel();
      if (ec) {
        if (Clock::now() >= deadline) co_return make_error(Errc::Timeout, "resolve " + host + ": deadline exceeded");
        co_return map("resolve " + host, ec, nullptr);
      }
      endpoints = std::move(results);
    }

    if (auto [ec, ep] = co_await net::async_connect(c->stream.socket(), endpoints, kTuple); ec) {
      co_return map(proxy ? "connect to proxy" : "connect", ec, c.get());
    }
    // Requests are small and latency-bound: no Nagle delay waiting for the peer's (delayed) ACK.
    error_code nodelay_ec;
    c->stream.socket().set_option(net::ip::tcp::no_delay(true), nodelay_ec);
    {
      std::lock_guard lock(mu);
      ++opened;
    }

    if (proxy) {
      if (auto r = co_await tunnel(c); !r) co_return r.error();
    }
    if (auto ec = c->stream.prepare_tls(/*release_buffers=*/true)) co_return map("connect", ec, c.get());

    if (SSL* ssl_handle = c->stream.native_handle()) {
      const std::string& name = options.tls_server_name.empty() ? options.host : options.tls_server_name;
      const bool ip = is_ip_literal(name);
      if (!ip) {  // no SNI for IP literals (RFC 6066); SSL_set_tlsext_host_name is a C-cast macro
        SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str()));
      }
      if (!options.insecure_skip_verify) {
        if (ip) {
          X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), name.c_str());
        } else {
          SSL_set1_host(ssl_handle, name.c_str());
        }
      }
      if (auto ec = co_await c->stream.handshake(false)) co_return map("TLS handshake with", ec, c.get());
    }
    co_return ok();
  }

  // HTTP CONNECT through the proxy, on the plain socket before TLS.
  net::awaitable<Result<void>> tunnel(std::shared_ptr<Connection> c) {
    const std::string target = (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) +
                               ":" + std::to_string(options.port);
    std::string head = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
    for (const auto& [k, v] : options.proxy_headers) head += k + ": " + v + "\r\n";
    head += "\r\n";
    error_code ec;
    c->stream.socket().non_blocking(true, ec);
    if (!ec) ec = co_await c->stream.write(net::buffer(head));
    if (ec) co_return map("proxy CONNECT", ec, c.get());
    ResponseParser parser;
    parser.skip(true);  // a 2xx answer to CONNECT has no body; the tunnel starts right after the header
    if (auto rec = co_await c->stream.read_message(c->buffer, parser)) co_return map("proxy CONNECT", rec, c.get());
    const int status = parser.response.status;
    if (status / 100 != 2) {
      co_return make_error(Errc::Unavailable, "proxy CONNECT " + options.proxy_url + " to " + target +
                                                  ": proxy answered HTTP " + std::to_string(status));
    }
    c->buffer.clear();
    co_return ok();
  }

  net::awaitable<Result<HttpResponse>> exchange(Connection& conn, const std::string& head, const std::string& body,
                                                bool reused, bool& keep_alive, bool& retryable) {
    retryable = false;
    keep_alive = false;
    const std::string_view method(head.data(), head.find(' '));
    auto ec = co_await conn.stream.write(net::buffer(head));
    if (!ec && !body.empty()) ec = co_await conn.stream.write(net::buffer(body));
    if (ec) {
      retryable = reused && !conn.expired && ec != net::error::operation_aborted;
      co_return map(method, ec, &conn);
    }
    ResponseParser parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.body_limit);
    parser.eager(true);
    if (auto rec = co_await conn.stream.read_message(conn.buffer, parser)) {
      const bool closed = rec == bhttp::error::end_of_stream || rec == bhttp::error::partial_message ||
                          rec == net::error::connection_reset;
      if (closed && !parser.got_some() && !conn.expired) {
        retryable = reused;
        co_return make_error(Errc::Unavailable,
                             std::string(method) + " " + url_prefix + ": connection closed before any response byte");
      }
      if (closed && !conn.expired) {
        co_return make_error(Errc::ProtocolError, std::string(method) + " " + url_prefix + ": truncated response (" +
                                                      rec.message() + ")");
      }
      co_return map(method, rec, &conn);
    }
    keep_alive = parser.keep_alive();
    co_return std::move(parser.response);
  }

  // request() on a strand (see on_strand).
  net::awaitable<Result<HttpResponse>> attempts(std::string head, std::string body, Clock::time_point until) {
    auto self = shared_from_this();
    auto strand = co_await net::this_coro::executor;
    std::shared_ptr<ssl::context> ctx;
    std::uint64_t generation = 0;
    if (!options.plain_http) std::tie(ctx, generation) = current_tls();
    // Every idle connection may have been closed by the peer (a restarted member closes them all): a
    // failure before any response byte on a reused connection moves on to the next idle one, and finally to a
    // fresh connection, whose failure is final. Bounded by the pool size plus one.
    for (;;) {
      std::shared_ptr<Connection> conn = take_idle(generation);
      const bool reused = conn != nullptr;
      if (!conn) conn = std::make_shared<Connection>(strand, ctx, generation);
      Result<HttpResponse> r = make_error(Errc::Internal, "no exchange");
      bool keep_alive = false;
      bool retryable = false;
      {
        DeadlineGuard guard(conn, until, strand);
        if (!reused) {
          auto c = co_await connect(conn, until);
          if (!c) {
            conn->close();
            co_return c.error();
          }
        }
        r = co_await exchange(*conn, head, body, reused, keep_alive, retryable);
      }
      if (r) {
        if (keep_alive) {
          give_back(std::move(conn));
        } else {
          conn->close();
        }
        co_return r;
      }
      conn->close();
      if (!reused || !retryable || Clock::now() >= until) co_return r;
    }
  }
};

Result<void> parse_endpoint_url(std::string_view url, HttpsClientOptions& out) {
  std::string_view rest = url;
  bool plain = false;
  if (rest.substr(0, 8) == "https://") {
    rest.remove_prefix(8);
  } else if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
    plain = true;
  } else {
    return make_error(Errc::InvalidArgument, "endpoint \"" + std::string(url) + "\" must start with https://");
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return make_error(Errc::InvalidArgument, "endpoint \"" + std::string(url) + "\": unterminated IPv6 literal");
    }
    host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return make_error(Errc::InvalidArgument, "endpoint \"" + std::string(url) + "\": bad authority");
      }
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (host.empty()) return make_error(Errc::InvalidArgument, "endpoint \"" + std::string(url) + "\" has no host");
  std::uint16_t port = plain ? 80 : 443;
  if (!port_text.empty()) {
    unsigned long p = 0;
    for (const char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || p > 65535) {
        return make_error(Errc::InvalidArgument, "endpoint \"" + std::string(url) + "\" has a bad port");
      }
      p = p * 10 + static_cast<unsigned long>(c - '0');
    }
    if (p == 0 || p > 65535) {
      return make_error(Errc::InvalidArgument, "endpoint \"" + std::string(url) + "\" has a bad port");
    }
    port = static_cast<std::uint16_t>(p);
  }
  out.host = std::move(host);
  out.port = port;
  out.base_path = std::string(path);
  out.plain_http = plain;
  return ok();
}

namespace {
std::string escape(std::string_view s, bool query) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
    // Go's PathEscape additionally leaves these sub-delims unescaped in a path segment.
    const bool path_ok = !query && (c == '$' || c == '&' || c == '+' || c == ',' || c == ':' || c == ';' ||
                                    c == '=' || c == '@');
    if (unreserved || path_ok) {
      out.push_back(ch);
    } else if (query && c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}
}  // namespace

std::string escape_path_segment(std::string_view segment) { return escape(segment, false); }
std::string escape_query_value(std::string_view value) { return escape(value, true); }

HttpsClient::HttpsClient(HttpsClientOptions options) : state_(std::make_shared<State>(std::move(options))) {}
HttpsClient::~HttpsClient() = default;

const HttpsClientOptions& HttpsClient::options() const { return state_->options; }

std::size_t HttpsClient::idle_connections() const {
  std::lock_guard lock(state_->mu);
  return state_->idle.size();
}
std::size_t HttpsClient::connections_opened() const {
  std::lock_guard lock(state_->mu);
  return state_->opened;
}

net::awaitable<Result<HttpResponse>> HttpsClient::get(std::string target, Headers extra,
                                                      std::chrono::milliseconds deadline) {
  return request("GET", std::move(target), std::string(), std::move(extra), deadline);
}

net::awaitable<Result<HttpResponse>> HttpsClient::request(std::string method, std::string target, std::string body,
                                                          Headers extra, std::chrono::milliseconds deadline) {
  auto state = state_;  // keeps pool and TLS context alive for the whole exchange
  const auto until = Clock::now() + deadline;

  // The head is written as it goes on the wire: no field container to fill and serialise again.
  std::string head;
  head.reserve(160 + target.size() + state->options.base_path.size());
  head += method;
  head += ' ';
  head += state->options.base_path;
  head += target;
  head += " HTTP/1.1\r\n";
  head += state->static_head;
  if (const std::string token = state->current_token(); !token.empty()) {
    head += "Authorization: Bearer ";
    head += token;
    head += "\r\n";
  }
  bool has_content_type = false;
  for (const auto& [k, v] : extra) {
    has_content_type = has_content_type || beast::iequals(k, "Content-Type");
    head += k;
    head += ": ";
    head += v;
    head += "\r\n";
  }
  if (!body.empty() && !has_content_type) head += "Content-Type: application/json\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    head += "Content-Length: ";
    head += std::to_string(body.size());
    head += "\r\n";
  }
  head += "\r\n";

  auto executor = co_await net::this_coro::executor;
  if (on_strand(executor)) co_return co_await state->attempts(std::move(head), std::move(body), until);
  co_return co_await net::co_spawn(net::make_strand(executor), state->attempts(std::move(head), std::move(body), until),
                                   net::use_awaitable);
}

}  // namespace fedmetrics::transport
