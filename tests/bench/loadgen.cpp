// fedmetrics-loadgen: an HTTPS/1.1 load generator for the benchmarks of issue #7. wrk and hey cannot present
// client certificates (toolchain.md §11); this one can, or a bearer token.
//
// C keep-alive connections are opened (TCP + TLS handshake) before the clock starts, then:
//   closed loop (no --rate): each connection sends its next request as soon as the previous answer is read,
//     until --requests answers or --duration seconds, whichever comes first;
//   open loop (--rate R): request i is *scheduled* at start + i/R for --duration seconds (and at most
//     --requests); a free connection takes the next schedule slot, waits for it, and its latency is measured
//     from the scheduled time, not from the actual send, so a stalled server is charged for the requests it
//     delayed (no coordinated omission). With too few connections the queueing shows up as latency.
// Output: one JSON line (req/s, p50/p90/p99/p99.9/max in ms, error count, status histogram) then one human line.
// The client side shares no code with fedmetrics' own HTTPS client (STYLE.md §1.10).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::vector<std::string> paths;  // sent round-robin
  std::string cacert;
  std::string cert;
  std::string key;
  std::string token;
  bool insecure = false;
  int connections = 8;
  std::uint64_t requests = 0;  // 0 = unbounded (then --duration bounds the run)
  double duration_s = 10;
  double rate = 0;             // 0 = closed loop
  int threads = 1;
  int timeout_ms = 30'000;
  std::string label;
};

struct Shared {
  LoadOptions opts;
  ssl::context tls{ssl::context::tls_client};
  // Set once by the starter thread when every connection is up; 0 until then.
  std::atomic<Clock::rep> start_ticks{0};
  std::atomic<Clock::rep> end_ticks{0};
  Clock::time_point start() const { return Clock::time_point(Clock::duration(start_ticks.load())); }
  Clock::time_point end() const { return Clock::time_point(Clock::duration(end_ticks.load())); }
  std::chrono::nanoseconds period{0};
  std::atomic<std::uint64_t> next{0};     // next request index (schedule slot in open loop)
  std::atomic<int> ready{0};              // connections established before the start
  std::atomic<int> failed_connect{0};
  std::mutex mu;
  std::vector<double> latencies_ms;       // successful requests only
  std::uint64_t errors = 0;
  std::map<std::string, std::uint64_t> outcomes;  // "200", "503", "connect", "timeout", ...
  Clock::time_point last_done;
};

struct Connection {
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  explicit Connection(asio::any_io_executor ex, ssl::context& ctx) : stream(ex, ctx) {}
};

asio::awaitable<std::unique_ptr<Connection>> connect(Shared& sh, std::string& why) {
  auto ex = co_await asio::this_coro::executor;
  auto c = std::make_unique<Connection>(ex, sh.tls);
  tcp::endpoint ep(asio::ip::make_address(sh.opts.host), sh.opts.port);
  beast::get_lowest_layer(c->stream).expires_after(std::chrono::milliseconds(sh.opts.timeout_ms));
  auto [ec] = co_await beast::get_lowest_layer(c->stream).async_connect(ep, kUseTuple);
  if (ec) {
    why = "connect: " + ec.message();
    co_return nullptr;
  }
  beast::get_lowest_layer(c->stream).socket().set_option(tcp::no_delay(true));
  // SNI "localhost" when the host is an IP literal: the serving certificates carry both names.
  // (SSL_set_tlsext_host_name is a macro with an old-style cast, hence SSL_ctrl.)
  static char sni[] = "localhost";
  SSL_ctrl(c->stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, sni);
  auto [hec] = co_await c->stream.async_handshake(ssl::stream_base::client, kUseTuple);
  if (hec) {
    why = "handshake: " + hec.message();
    co_return nullptr;
  }
  co_return c;
}

// One request on `c`; returns the status, or 0 with `why` set on a transport error.
asio::awaitable<int> exchange(Shared& sh, Connection& c, const std::string& path, std::string& why) {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, path, 11};
  req.set(bhttp::field::host, sh.opts.host);
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::user_agent, "fedmetrics-loadgen");
  if (!sh.opts.token.empty()) req.set(bhttp::field::authorization, "Bearer " + sh.opts.token);
  req.keep_alive(true);
  beast::get_lowest_layer(c.stream).expires_after(std::chrono::milliseconds(sh.opts.timeout_ms));
  auto [wec, wn] = co_await bhttp::async_write(c.stream, req, kUseTuple);
  if (wec) {
    why = wec == beast::error::timeout ? "timeout" : "write";
    co_return 0;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(512u * 1024 * 1024);
  auto [rec, rn] = co_await bhttp::async_read(c.stream, c.buffer, parser, kUseTuple);
  if (rec) {
    why = rec == beast::error::timeout ? "timeout" : "read: " + rec.message();
    co_return 0;
  }
  if (!parser.get().keep_alive()) why = "close";  // the caller reconnects
  co_return static_cast<int>(parser.get().result_int());
}

asio::awaitable<void> worker(Shared& sh, int id) {
  std::string why;
  auto conn = co_await connect(sh, why);
  if (!conn) sh.failed_connect.fetch_add(1);
  sh.ready.fetch_add(1);
  // Wait for the common start (every connection established or failed).
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (sh.start_ticks.load() == 0 || Clock::now() < sh.start()) {
    timer.expires_after(1ms);
    co_await timer.async_wait(kUseTuple);
  }
  std::vector<double> lat;
  std::map<std::string, std::uint64_t> outcomes;
  std::uint64_t errors = 0;
  Clock::time_point last_done{};
  const bool open_loop = sh.opts.rate > 0;
  const std::uint64_t limit = sh.opts.requests ? sh.opts.requests : UINT64_MAX;
  const Clock::time_point start = sh.start();
  const Clock::time_point end = sh.end();
  for (;;) {
    const std::uint64_t i = sh.next.fetch_add(1);
    if (i >= limit) break;
    Clock::time_point scheduled = Clock::now();
    if (open_loop) {
      scheduled = start + sh.period * static_cast<std::int64_t>(i);
      if (scheduled >= end) break;
      if (scheduled > Clock::now()) {
        timer.expires_at(scheduled);
        co_await timer.async_wait(kUseTuple);
      }
    } else if (scheduled >= end) {
      break;
    }
    const std::string& path = sh.opts.paths[i % sh.opts.paths.size()];
    int status = 0;
    why.clear();
    if (!conn) conn = co_await connect(sh, why);
    if (conn) status = co_await exchange(sh, *conn, path, why);
    const auto done = Clock::now();
    last_done = std::max(last_done, done);
    if (status == 200) {
      lat.push_back(std::chrono::duration<double, std::milli>(done - scheduled).count());
      ++outcomes["200"];
    } else {
      ++errors;
      ++outcomes[status ? std::to_string(status) : why.substr(0, why.find(':'))];
    }
    if (status == 0 || why == "close") conn.reset();  // reconnect on the next request
  }
  (void)id;
  std::lock_guard lock(sh.mu);
  sh.latencies_ms.insert(sh.latencies_ms.end(), lat.begin(), lat.end());
  sh.errors += errors;
  for (const auto& [k, v] : outcomes) sh.outcomes[k] += v;
  sh.last_done = std::max(sh.last_done, last_done);
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto idx = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size()))) ;
  return sorted[std::min(sorted.size() - 1, idx == 0 ? 0 : idx - 1)];
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  LoadOptions o;
  std::string url;
  CLI::App app{"fedmetrics-loadgen: HTTPS load with client certificates or bearer tokens, closed or open loop"};
  app.add_option("--url", url, "https://127.0.0.1:PORT/path (host must be a loopback IP literal)")->required();
  app.add_option("--path", o.paths, "More paths on the same host, sent round-robin with the --url path");
  app.add_option("--cacert", o.cacert, "CA bundle verifying the server (default: no verification)");
  app.add_option("--cert", o.cert, "Client certificate (PEM)");
  app.add_option("--key", o.key, "Client key (PEM)");
  app.add_option("--token", o.token, "Bearer token");
  app.add_option("-c,--connections", o.connections, "Keep-alive connections")->check(CLI::Range(1, 20000));
  app.add_option("-n,--requests", o.requests, "Stop after this many requests (0: only --duration bounds the run)");
  app.add_option("-d,--duration", o.duration_s, "Stop after this many seconds")->check(CLI::Range(0.01, 3600.0));
  app.add_option("-r,--rate", o.rate, "Open loop at this many requests/s (0: closed loop)");
  app.add_option("-t,--threads", o.threads, "io_context threads")->check(CLI::Range(1, 64));
  app.add_option("--timeout-ms", o.timeout_ms, "Per-request deadline");
  app.add_option("--label", o.label, "Label echoed in the JSON line");
  CLI11_PARSE(app, argc, argv);

  // https://host:port/path
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) {
    std::cerr << "loadgen: --url must start with https://\n";
    return 2;
  }
  const auto slash = url.find('/', scheme.size());
  const std::string authority = url.substr(scheme.size(), slash - scheme.size());
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "loadgen: --url needs a port\n";
    return 2;
  }
  o.host = authority.substr(0, colon);
  if (!o.host.empty() && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  o.port = static_cast<std::uint16_t>(std::stoi(authority.substr(colon + 1)));
  boost::system::error_code aec;
  const auto addr = asio::ip::make_address(o.host, aec);
  if (aec || !addr.is_loopback()) {  // network rule: loopback only (toolchain.md §1)
    std::cerr << "loadgen: host must be a loopback IP literal, got " << o.host << "\n";
    return 2;
  }
  o.paths.insert(o.paths.begin(), slash == std::string::npos ? "/" : url.substr(slash));

  auto sh = std::make_unique<Shared>();
  sh->opts = o;
  try {
    if (!o.cacert.empty()) {
      sh->tls.load_verify_file(o.cacert);
      sh->tls.set_verify_mode(ssl::verify_peer);
    } else {
      sh->tls.set_verify_mode(ssl::verify_none);
    }
    if (!o.cert.empty()) sh->tls.use_certificate_chain_file(o.cert);
    if (!o.key.empty()) sh->tls.use_private_key_file(o.key, ssl::context::pem);
  } catch (const std::exception& e) {
    std::cerr << "loadgen: TLS setup: " << e.what() << "\n";
    return 2;
  }
  if (o.rate > 0) sh->period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / o.rate));

  asio::io_context ioc(o.threads);
  for (int i = 0; i < o.connections; ++i) {
    asio::co_spawn(asio::make_strand(ioc), worker(*sh, i), [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          std::cerr << "loadgen: worker failed: " << ex.what() << "\n";
        }
      }
    });
  }
  // The start: once every connection is up (bounded by the per-request timeout), plus a short margin.
  std::thread starter([&] {
    const auto give_up = Clock::now() + std::chrono::milliseconds(o.timeout_ms);
    while (sh->ready.load() < o.connections && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
    const auto start = Clock::now() + 5ms;
    const auto end = start + std::chrono::nanoseconds(static_cast<std::int64_t>(o.duration_s * 1e9));
    sh->end_ticks.store(end.time_since_epoch().count());
    sh->start_ticks.store(start.time_since_epoch().count());
  });
  std::vector<std::thread> pool;
  for (int t = 1; t < o.threads; ++t) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  starter.join();

  auto& lat = sh->latencies_ms;
  std::sort(lat.begin(), lat.end());
  const double elapsed_s =
      std::max(1e-9, std::chrono::duration<double>(std::max(sh->last_done, sh->start()) - sh->start()).count());
  const std::uint64_t total = lat.size() + sh->errors;
  const double rps = static_cast<double>(lat.size()) / elapsed_s;
  std::string status = "{";
  for (const auto& [k, v] : sh->outcomes) status += (status.size() > 1 ? ",\"" : "\"") + k + "\":" + std::to_string(v);
  status += "}";
  std::cout << "{\"label\":\"" << o.label << "\",\"mode\":\"" << (o.rate > 0 ? "open" : "closed")
            << "\",\"connections\":" << o.connections << ",\"rate\":" << fmt(o.rate) << ",\"requests\":" << total
            << ",\"ok\":" << lat.size() << ",\"errors\":" << sh->errors
            << ",\"connect_failures\":" << sh->failed_connect.load() << ",\"elapsed_s\":" << fmt(elapsed_s)
            << ",\"rps\":" << fmt(rps) << ",\"p50_ms\":" << fmt(percentile(lat, 50))
            << ",\"p90_ms\":" << fmt(percentile(lat, 90)) << ",\"p99_ms\":" << fmt(percentile(lat, 99))
            << ",\"p999_ms\":" << fmt(percentile(lat, 99.9)) << ",\"max_ms\":" << fmt(lat.empty() ? 0 : lat.back())
            << ",\"status\":" << status << "}" << std::endl;
  std::cout << "# " << (o.label.empty() ? "" : o.label + ": ") << (o.rate > 0 ? "open loop " + fmt(o.rate) + " req/s" : "closed loop")
            << ", " << o.connections << " conns: " << total << " requests in " << fmt(elapsed_s) << " s, "
            << fmt(rps) << " ok/s, p50 " << fmt(percentile(lat, 50)) << " ms, p90 " << fmt(percentile(lat, 90))
            << " ms, p99 " << fmt(percentile(lat, 99)) << " ms, p99.9 " << fmt(percentile(lat, 99.9)) << " ms, errors "
            << sh->errors << std::endl;
  return total > 0 && sh->errors == total ? 1 : 0;
}
