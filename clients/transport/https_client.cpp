#include "clients/transport/https_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "clients/base/log.hpp"

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

// One connection: TLS over TCP, or plain TCP for http:// endpoints.
struct Connection {
  /// The TLS context the connection was made with (declared before `tls`, so it outlives the stream), and
  /// its generation: pooled connections of an older generation are not reused after a reload.
  std::shared_ptr<ssl::context> tls_ctx;
  std::uint64_t tls_generation = 0;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void close() {
    error_code ignored;
    lowest().socket().close(ignored);
  }
};

// Failure of one attempt: the mapped error, and whether a retry on a fresh connection is safe (nothing
// of the response was seen yet on a reused connection, i.e. the peer closed an idle keep-alive socket).
struct AttemptError {
  Error error;
  bool retryable = false;
};

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

  mutable std::mutex mu;  // guards everything below; never held across co_await
  // File-based CA/client certificate/key are re-read when they change (rotated Secrets, cert-manager), like
  // the token file: new connections use the new context; requests in flight finish on theirs.
  std::shared_ptr<ssl::context> tls_ctx;
  std::uint64_t tls_generation = 0;
  std::string tls_fingerprint;  // of the files tls_ctx was built from, or of the last failed attempt
  std::vector<std::unique_ptr<Connection>> idle;
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

  std::unique_ptr<Connection> take_idle(std::uint64_t generation) {
    std::lock_guard lock(mu);
    const auto now = Clock::now();
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      if (now - c->idle_since < options.idle_timeout && c->lowest().socket().is_open() &&
          c->tls_generation == generation) {
        return c;
      }
      c->close();
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<Connection> c) {
    c->idle_since = Clock::now();
    c->buffer.clear();
    std::lock_guard lock(mu);
    if (c->tls && c->tls_generation != tls_generation) {
      c->close();  // finished its request on material that has been replaced since
      return;
    }
    // Drop expired ones first, then the oldest if still full.
    std::erase_if(idle, [&](const std::unique_ptr<Connection>& x) {
      return c->idle_since - x->idle_since >= options.idle_timeout;
    });
    if (idle.size() >= options.max_idle_connections) {
      if (options.max_idle_connections == 0) return;
      idle.erase(idle.begin());
    }
    idle.push_back(std::move(c));
  }

  Error map(std::string_view op, const error_code& ec, Clock::time_point deadline, Connection* conn) const {
    const std::string where = std::string(op) + " " + url_prefix;
    if (ec == beast::error::timeout || (ec == net::error::operation_aborted && Clock::now() >= deadline)) {
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
      if (conn && conn->tls) {
        const long vr = SSL_get_verify_result(conn->tls->native_handle());
        if (vr != X509_V_OK) msg += " (" + std::string(X509_verify_cert_error_string(vr)) + ")";
      }
      return make_error(Errc::Unavailable, msg);
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
      return make_error(Errc::ProtocolError, where + ": malformed HTTP response: " + ec.message());
    }
    return make_error(Errc::Unavailable, where + ": " + ec.message());
  }

  // Resolve + TCP connect (to the proxy when configured), CONNECT through the proxy, TLS handshake.
  net::awaitable<Result<std::unique_ptr<Connection>>> connect(Clock::time_point deadline,
                                                              std::shared_ptr<ssl::context> ctx,
                                                              std::uint64_t generation) {
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
      if (ec) co_return map("resolve " + host, ec, deadline, nullptr);
      endpoints = std::move(results);
    }

    auto conn = std::make_unique<Connection>();
    if (options.plain_http) {
      conn->plain = std::make_unique<beast::tcp_stream>(ex);
    } else {
      conn->tls_ctx = std::move(ctx);
      conn->tls_generation = generation;
      conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ex, *conn->tls_ctx);
    }
    auto& lowest = conn->lowest();
    lowest.expires_at(deadline);
    if (auto [ec, ep] = co_await lowest.async_connect(endpoints, kTuple); ec) {
      co_return map(proxy ? "connect to proxy" : "connect", ec, deadline, conn.get());
    }
    // Requests are small and latency-bound: no Nagle delay waiting for the peer's (delayed) ACK.
    error_code nodelay_ec;
    lowest.socket().set_option(net::ip::tcp::no_delay(true), nodelay_ec);
    {
      std::lock_guard lock(mu);
      ++opened;
    }

    if (proxy) {
      const std::string target = (options.host.find(':') != std::string::npos ? "[" + options.host + "]"
                                                                               : options.host) +
                                 ":" + std::to_string(options.port);
      bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, target, 11};
      req.set(bhttp::field::host, target);
      for (const auto& [k, v] : options.proxy_headers) req.set(k, v);
      lowest.expires_at(deadline);
      if (auto [ec, n] = co_await bhttp::async_write(lowest, req, kTuple); ec) {
        co_return map("proxy CONNECT", ec, deadline, conn.get());
      }
      bhttp::response_parser<bhttp::empty_body> parser;
      parser.skip(true);  // a 2xx answer to CONNECT has no body; the tunnel starts right after the header
      lowest.expires_at(deadline);
      if (auto [ec, n] = co_await bhttp::async_read_header(lowest, conn->buffer, parser, kTuple); ec) {
        co_return map("proxy CONNECT", ec, deadline, conn.get());
      }
      const int status = static_cast<int>(parser.get().result_int());
      if (status / 100 != 2) {
        co_return make_error(Errc::Unavailable, "proxy CONNECT " + options.proxy_url + " to " + target +
                                                    ": proxy answered HTTP " + std::to_string(status));
      }
      conn->buffer.clear();
    }

    if (conn->tls) {
      SSL* ssl_handle = conn->tls->native_handle();
      const std::string& name = options.tls_server_name.empty() ? options.host : options.tls_server_name;
      const bool ip = is_ip_literal(name);
      if (!ip) {  // no SNI for IP literals (RFC 6066); SSL_set_tlsext_host_name is a C-cast macro
        SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(name.c_str()));
      }
      if (!options.insecure_skip_verify) {
        if (ip) {
          X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), name.c_str());
        } else {
          SSL_set1_host(ssl_handle, name.c_str());
        }
      }
      lowest.expires_at(deadline);
      ERR_clear_error();
      if (auto [ec] = co_await conn->tls->async_handshake(ssl::stream_base::client, kTuple); ec) {
        co_return map("TLS handshake with", ec, deadline, conn.get());
      }
    }
    co_return std::move(conn);
  }

  template <class Stream>
  net::awaitable<Result<HttpResponse>> exchange(Stream& stream, Connection& conn,
                                                const bhttp::request<bhttp::string_body>& req,
                                                Clock::time_point deadline, bool reused, bool& keep_alive,
                                                bool& retryable) {
    retryable = false;
    keep_alive = false;
    auto& lowest = conn.lowest();
    lowest.expires_at(deadline);
    if (auto [ec, n] = co_await bhttp::async_write(stream, req, kTuple); ec) {
      retryable = reused && ec != beast::error::timeout && ec != net::error::operation_aborted;
      co_return map(std::string(req.method_string()), ec, deadline, &conn);
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.body_limit);
    lowest.expires_at(deadline);
    auto [ec, n] = co_await bhttp::async_read(stream, conn.buffer, parser, kTuple);
    if (ec) {
      const bool closed = ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
                          ec == net::error::eof || ec == net::error::connection_reset ||
                          ec == ssl::error::stream_truncated;
      if (closed && !parser.got_some()) {
        retryable = reused;
        co_return make_error(Errc::Unavailable,
                             std::string(req.method_string()) + " " + url_prefix +
                                 ": connection closed before any response byte");
      }
      if (closed) {
        co_return make_error(Errc::ProtocolError, std::string(req.method_string()) + " " + url_prefix +
                                                      ": truncated response (" + ec.message() + ")");
      }
      co_return map(std::string(req.method_string()), ec, deadline, &conn);
    }
    auto res = parser.release();
    keep_alive = res.keep_alive();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    co_return out;
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

  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(state->options.base_path + target);
  req.version(11);
  req.set(bhttp::field::host, state->authority);
  req.set(bhttp::field::user_agent, state->options.user_agent);
  req.set(bhttp::field::accept, "application/json, */*");
  if (const std::string token = state->current_token(); !token.empty()) {
    req.set(bhttp::field::authorization, "Bearer " + token);
  }
  if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
  for (const auto& [k, v] : extra) req.set(k, v);
  req.body() = std::move(body);
  req.prepare_payload();

  // Every idle connection may have been closed by the peer (a restarted member closes them all): a
  // failure before any response byte on a reused connection moves on to the next idle one, and finally to a
  // fresh connection, whose failure is final. Bounded by the pool size plus one.
  std::shared_ptr<ssl::context> tls_ctx;
  std::uint64_t tls_generation = 0;
  if (!state->options.plain_http) std::tie(tls_ctx, tls_generation) = state->current_tls();
  for (;;) {
    std::unique_ptr<Connection> conn = state->take_idle(tls_generation);
    const bool reused = conn != nullptr;
    if (!conn) {
      auto c = co_await state->connect(until, tls_ctx, tls_generation);
      if (!c) co_return c.error();
      conn = std::move(*c);
    }
    bool keep_alive = false;
    bool retryable = false;
    // No co_await inside ?: — GCC 12 mishandles the temporaries of a conditional with two suspensions.
    // The exchange runs on the executor the connection's stream was created with (the strand of the
    // request that opened it): a pooled connection is reused by requests on other strands, and Beast's
    // intermediate and timeout handlers must never race with the I/O initiated by the new user.
    Result<HttpResponse> r = make_error(Errc::Internal, "no exchange");
    auto connection_executor = conn->lowest().get_executor();
    if (conn->tls) {
      r = co_await net::co_spawn(connection_executor,
                                 state->exchange(*conn->tls, *conn, req, until, reused, keep_alive, retryable),
                                 net::use_awaitable);
    } else {
      r = co_await net::co_spawn(connection_executor,
                                 state->exchange(*conn->plain, *conn, req, until, reused, keep_alive, retryable),
                                 net::use_awaitable);
    }
    if (r) {
      if (keep_alive) {
        state->give_back(std::move(conn));
      } else {
        conn->close();
      }
      co_return r;
    }
    conn->close();
    if (!reused || !retryable || Clock::now() >= until) co_return r;
  }
}

}  // namespace fedmetrics::transport
