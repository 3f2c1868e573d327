// fedmetrics-bench-floor: the physical floor of a fan-out metrics server, for scripts/bench (issue #18).
//
// It does the least any server in fedmetrics' place must do, and nothing else: accept the HTTPS request
// (mTLS, the client certificate verified against --client-ca-file as fedmetrics does), send the same
// request target to every member over pooled keep-alive TLS connections (bearer token, the member's CA
// verified, as fedmetrics' member client), and write the members' bodies back without parsing them:
//   {"floor":[<body of member 0>,<body of member 1>,...]}
// No routing, no authorization, no JSON, no merge, no metrics, no logging, no deadlines. What a real server
// adds on top of this is what fedmetrics/floor measures.
//
// The one piece it shares with fedmetrics is the TLS socket (clients/transport/tls_socket.hpp: OpenSSL over
// Asio's socket I/O, no staging copies), so that both pay the same per-record cost and the floor is not slower
// than fedmetrics for a reason no server has to accept; everything above the socket is its own (Beast's parser
// for HTTP framing, one preformatted request head, one write per answer).
//
// Member calls of one request run concurrently, all at once (no in-flight window), each on a pooled
// connection of its member (a new one when none is idle; at most --max-idle per member are kept).
// GET /readyz answers "ok" without calling members. Prints {"ready":true,"port":N} once listening.
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <CLI/CLI.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "clients/transport/tls_socket.hpp"
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct FloorOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  std::string members_file;  // one https://127.0.0.1:PORT per line
  std::string member_ca_file;
  std::string member_token_file;
  int threads = 2;
  std::size_t max_idle = 64;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

using fedmetrics::transport::TlsSocket;

struct MemberConnection {
  TlsSocket stream;
  beast::flat_buffer buffer;
  MemberConnection(asio::any_io_executor ex, ssl::context& ctx) : stream(std::move(ex), ctx.native_handle()) {}
};

// A response's status and body; fields are skipped.
class BodyParser final : public bhttp::basic_parser<false> {
 public:
  std::string body;

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int, beast::error_code&) override {}
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}
  void on_field_impl(bhttp::field, beast::string_view, beast::string_view, beast::error_code&) override {}
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& n, beast::error_code&) override {
    if (n) body.reserve(static_cast<std::size_t>(*n));
  }
  std::size_t on_body_impl(beast::string_view b, beast::error_code&) override {
    body.append(b.data(), b.size());
    return b.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view b, beast::error_code&) override {
    body.append(b.data(), b.size());
    return b.size();
  }
  void on_finish_impl(beast::error_code&) override {}
};

// A request's target; fields are skipped.
class TargetParser final : public bhttp::basic_parser<true> {
 public:
  std::string target;

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view t, int, beast::error_code&) override {
    target.assign(t.data(), t.size());
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}
  void on_field_impl(bhttp::field, beast::string_view, beast::string_view, beast::error_code&) override {}
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  std::size_t on_body_impl(beast::string_view b, beast::error_code&) override { return b.size(); }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view b, beast::error_code&) override { return b.size(); }
  void on_finish_impl(beast::error_code&) override {}
};

// One member: its endpoint and its idle connections (shared by every request, on any thread).
struct Member {
  tcp::endpoint endpoint;
  std::string host;  // Host header
  std::mutex mu;
  std::vector<std::unique_ptr<MemberConnection>> idle;
};

struct Floor {
  FloorOptions opts;
  asio::io_context& ioc;
  ssl::context server_tls{ssl::context::tls_server};
  ssl::context member_tls{ssl::context::tls_client};
  std::string authorization;
  std::vector<std::unique_ptr<Member>> members;

  explicit Floor(FloorOptions o, asio::io_context& io) : opts(std::move(o)), ioc(io) {
    server_tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    server_tls.use_certificate_chain_file(opts.cert_file);
    server_tls.use_private_key_file(opts.key_file, ssl::context::pem);
    if (!opts.client_ca_file.empty()) {
      server_tls.load_verify_file(opts.client_ca_file);
      server_tls.set_verify_mode(ssl::verify_peer);  // requested, not required (aggregated-api.md §3.2)
    }
    static const unsigned char kSid[] = "fedmetrics-floor";
    SSL_CTX_set_session_id_context(server_tls.native_handle(), kSid, sizeof kSid - 1);

    member_tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (!opts.member_ca_file.empty()) {
      member_tls.load_verify_file(opts.member_ca_file);
      member_tls.set_verify_mode(ssl::verify_peer);
    }
    if (!opts.member_token_file.empty()) {
      std::string t = slurp(opts.member_token_file);
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      authorization = "Bearer " + t;
    }
    std::istringstream lines(slurp(opts.members_file));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      const std::string scheme = "https://";
      if (line.rfind(scheme, 0) != 0) throw std::runtime_error("member URL must be https://IP:PORT: " + line);
      const std::string authority = line.substr(scheme.size(), line.find('/', scheme.size()) - scheme.size());
      const auto colon = authority.rfind(':');
      auto m = std::make_unique<Member>();
      m->endpoint = tcp::endpoint(asio::ip::make_address(authority.substr(0, colon)),
                                  static_cast<unsigned short>(std::stoi(authority.substr(colon + 1))));
      m->host = authority;
      members.push_back(std::move(m));
    }
    if (members.empty()) throw std::runtime_error("no members in " + opts.members_file);
  }

  std::unique_ptr<MemberConnection> take(Member& m) {
    std::lock_guard lock(m.mu);
    if (m.idle.empty()) return nullptr;
    auto c = std::move(m.idle.back());
    m.idle.pop_back();
    return c;
  }
  void give_back(Member& m, std::unique_ptr<MemberConnection> c) {
    std::lock_guard lock(m.mu);
    if (m.idle.size() < opts.max_idle) m.idle.push_back(std::move(c));
  }

  asio::awaitable<std::unique_ptr<MemberConnection>> connect(Member& m) {
    auto c = std::make_unique<MemberConnection>(co_await asio::this_coro::executor, member_tls);
    auto [ec] = co_await c->stream.socket().async_connect(m.endpoint, kUseTuple);
    if (ec) co_return nullptr;
    c->stream.socket().set_option(tcp::no_delay(true));
    if (c->stream.prepare_tls(/*release_buffers=*/true)) co_return nullptr;
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->stream.native_handle()), m.endpoint.address().to_string().c_str());
    if (co_await c->stream.handshake(/*server=*/false)) co_return nullptr;
    co_return c;
  }

  // One member call; the body ends up in `out` ("null" when the member could not be reached).
  asio::awaitable<void> call(Member& m, const std::string& head, std::string& out) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto c = take(m);
      const bool reused = c != nullptr;
      if (!c) c = co_await connect(m);
      if (!c) break;
      if (!co_await c->stream.write(asio::buffer(head))) {
        BodyParser parser;
        parser.body_limit(1024u * 1024 * 1024);
        parser.eager(true);
        if (!co_await c->stream.read_message(c->buffer, parser)) {
          const bool keep = parser.keep_alive();
          out = std::move(parser.body);
          c->buffer.clear();
          c->buffer.shrink_to_fit();
          c->stream.release_staging();
          if (keep) give_back(m, std::move(c));
          co_return;
        }
      }
      if (!reused) break;  // a pooled connection the member closed: one more try on a fresh one
    }
    out = "null";
  }

  // Fan-out of one request: every member at once; completes when all answered.
  asio::awaitable<std::vector<std::string>> fan_out(std::string target) {
    auto ex = co_await asio::this_coro::executor;
    struct Join {
      std::size_t pending;
      asio::steady_timer done;
      Join(asio::any_io_executor e, std::size_t n) : pending(n), done(std::move(e)) {}
    };
    auto bodies = std::make_shared<std::vector<std::string>>(members.size());
    auto join = std::make_shared<Join>(ex, members.size());
    join->done.expires_at(std::chrono::steady_clock::time_point::max());
    // One head per member (its Host); the rest is the same for all.
    auto heads = std::make_shared<std::vector<std::string>>(members.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
      (*heads)[i] = "GET " + target + " HTTP/1.1\r\nHost: " + members[i]->host +
                    "\r\nUser-Agent: fedmetrics-bench-floor\r\nAccept: application/json, */*\r\n" +
                    (authorization.empty() ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
    }
    for (std::size_t i = 0; i < members.size(); ++i) {
      // Children run on this request's strand: the join counter needs no lock.
      asio::co_spawn(ex, call(*members[i], (*heads)[i], (*bodies)[i]), [join, bodies, heads](std::exception_ptr) {
        if (--join->pending == 0) join->done.cancel();
      });
    }
    co_await join->done.async_wait(kUseTuple);
    co_return std::move(*bodies);
  }

  asio::awaitable<void> session(tcp::socket socket) {
    TlsSocket stream(std::move(socket), server_tls.native_handle());
    if (stream.prepare_tls(/*release_buffers=*/false) || co_await stream.handshake(/*server=*/true)) co_return;
    beast::flat_buffer buffer;
    std::string out;
    for (;;) {
      TargetParser parser;
      parser.header_limit(64 * 1024);
      parser.eager(true);
      if (co_await stream.read_message(buffer, parser)) break;
      const bool keep_alive = parser.keep_alive();
      std::vector<std::string> bodies;
      std::size_t length = 2;
      if (parser.target.rfind("/readyz", 0) == 0) {
        bodies.emplace_back("ok");
        length = 2;
      } else {
        bodies = co_await fan_out(parser.target);
        length = 12;  // {"floor":[ and ]}
        for (const auto& b : bodies) length += b.size() + 1;
      }
      // One buffer, one write: what a careful server does with an answer it holds whole.
      out.clear();
      out.reserve(length + 128);
      out += "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ";
      const std::size_t length_at = out.size();
      out += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
      const std::size_t body_at = out.size();
      if (bodies.size() == 1 && bodies[0] == "ok") {
        out += "ok";
      } else {
        out += "{\"floor\":[";
        for (std::size_t i = 0; i < bodies.size(); ++i) {
          if (i > 0) out += ',';
          out += bodies[i];
        }
        out += "]}";
      }
      out.insert(length_at, std::to_string(out.size() - body_at));
      if (co_await stream.write(asio::buffer(out)) || !keep_alive) break;
      if (out.capacity() > 1024 * 1024) std::string().swap(out);
    }
    co_await stream.shutdown();
  }

  asio::awaitable<void> accept(tcp::acceptor& acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kUseTuple);
      if (ec) co_return;
      socket.set_option(tcp::no_delay(true));
      auto ex = socket.get_executor();
      asio::co_spawn(ex, session(std::move(socket)), asio::detached);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  FloorOptions o;
  CLI::App app{"fedmetrics-bench-floor: the least a fan-out server does (HTTPS in, member calls, bytes out)"};
  app.add_option("--bind-address", o.bind_address, "Listen address (loopback)");
  app.add_option("--port", o.port, "Listen port (0: any; printed in the ready line)");
  app.add_option("--tls-cert-file", o.cert_file, "Serving certificate")->required();
  app.add_option("--tls-private-key-file", o.key_file, "Serving key")->required();
  app.add_option("--client-ca-file", o.client_ca_file, "CA verifying client certificates");
  app.add_option("--members-file", o.members_file, "One member URL (https://IP:PORT) per line")->required();
  app.add_option("--member-ca-file", o.member_ca_file, "CA verifying the members");
  app.add_option("--member-token-file", o.member_token_file, "Bearer token sent to members");
  app.add_option("--threads", o.threads, "io_context threads")->check(CLI::Range(1, 64));
  app.add_option("--max-idle", o.max_idle, "Idle connections kept per member");
  CLI11_PARSE(app, argc, argv);
  try {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(o.bind_address, ec);
    if (ec || !address.is_loopback()) throw std::runtime_error("--bind-address must be a loopback IP");
    asio::io_context ioc(o.threads);
    Floor floor(o, ioc);
    tcp::acceptor acceptor(asio::make_strand(ioc), tcp::endpoint(address, o.port));
    acceptor.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(acceptor.get_executor(), floor.accept(acceptor), asio::detached);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([](const boost::system::error_code&, int) { std::_Exit(0); });
    std::cout << "{\"ready\":true,\"port\":" << acceptor.local_endpoint().port()
              << ",\"members\":" << floor.members.size() << "}" << std::endl;
    std::vector<std::thread> pool;
    for (int t = 1; t < o.threads; ++t) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
  } catch (const std::exception& e) {
    std::cerr << "fedmetrics-bench-floor: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
