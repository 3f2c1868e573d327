#pragma once
// An HTTPS/1.1 client for one endpoint (a member's kube-apiserver or prometheus-adapter), with a bounded
// keep-alive connection pool. Beast and OpenSSL stay in https_client.cpp (pimpl): this header is included
// by members/ and must stay cheap (STYLE.md §4.8, §10).
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clients/base/net.hpp"
#include "clients/base/result.hpp"

namespace fedmetrics::transport {

/// Header fields as (name, value) pairs; names compare case-insensitively on the wire.
using Headers = std::vector<std::pair<std::string, std::string>>;

/// A complete response. Non-2xx statuses are responses, not errors: the caller maps them.
struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;

  /// First value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

/// PEM material given either inline or as a file path (exactly one non-empty, or both empty = unset).
struct PemSource {
  std::string file;
  std::string data;
  bool empty() const { return file.empty() && data.empty(); }
  bool operator==(const PemSource&) const = default;
};

/// Everything needed to talk to one endpoint. Plain value; compared to decide whether a client can be reused.
struct HttpsClientOptions {
  std::string host;          ///< DNS name or IP literal (IPv6 without brackets)
  std::uint16_t port = 443;
  std::string base_path;     ///< prefix prepended to every target ("" or "/k8s/clusters/x"), no trailing '/'
  bool plain_http = false;   ///< http:// endpoint (tests, sidecars); no TLS at all

  PemSource ca;                     ///< trust anchors; empty = system default verify paths
  bool insecure_skip_verify = false;
  std::string tls_server_name;      ///< SNI + hostname to verify; empty = `host`
  PemSource client_cert;
  PemSource client_key;

  std::string bearer_token;         ///< static token, sent as `Authorization: Bearer`
  std::string bearer_token_file;    ///< re-read whenever its mtime/size changes; wins over bearer_token

  std::string proxy_url;            ///< "http://host:port" → HTTP CONNECT tunnel; empty = direct
  Headers proxy_headers;            ///< extra headers on the CONNECT request (e.g. Proxy-Authorization)

  /// Pool bound; extra connections are closed after use. It must cover the concurrency one endpoint sees:
  /// at 4, 32 concurrent requests to a member paid a TLS handshake on 28 of every 32 member calls and
  /// fedmetrics served ~670 req/s on 2 members (scripts/bench scenario a, 64 distinct selectors).
  /// client-go keeps 25 per host. Idle connections still expire after idle_timeout.
  std::size_t max_idle_connections = 32;
  std::chrono::milliseconds idle_timeout{90'000};        ///< pooled connections older than this are dropped
  std::size_t body_limit = 16 * 1024 * 1024;             ///< response bodies above this → TooLarge
  std::string user_agent = "fedmetrics/0.1";

  bool operator==(const HttpsClientOptions&) const = default;
};

/// Parses "https://host:port/prefix" (or http://) into host/port/base_path/plain_http of `out`.
/// Errors: InvalidArgument naming the problem (scheme, empty host, bad port).
[[nodiscard]] Result<void> parse_endpoint_url(std::string_view url, HttpsClientOptions& out);

/// Percent-encodes one path segment the way Go's url.PathEscape does (so `*` → `%2A`, ' ' → `%20`).
[[nodiscard]] std::string escape_path_segment(std::string_view segment);
/// Percent-encodes a query value the way Go's url.QueryEscape does (' ' → '+', '=' → `%3D`).
[[nodiscard]] std::string escape_query_value(std::string_view value);

/// HTTPS client for one endpoint.
///
/// Thread-safety: all methods may be called concurrently from any thread; each request runs on the
/// caller's executor and borrows a pooled connection exclusively (the pool is guarded by a mutex that is
/// never held across a suspension). Lifetime: owned through shared_ptr; in-flight requests keep the
/// internals alive, so destroying the last handle while a request runs is safe.
///
/// Construction loads the TLS material (throws std::runtime_error with the OpenSSL reason on unreadable or
/// invalid PEM: a config error, reported at startup or reload).
class HttpsClient {
 public:
  explicit HttpsClient(HttpsClientOptions options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  const HttpsClientOptions& options() const;

  /// GET base_path + target (target already escaped, starting with '/', may carry "?query").
  /// The whole exchange (proxy CONNECT, TCP connect, TLS handshake, write, read) must finish within
  /// `deadline`. Reuses a pooled keep-alive connection when one is available; a request on a reused
  /// connection that fails before any response byte arrives is retried once on a fresh connection.
  /// Errors: Timeout (deadline passed), Unavailable (resolve/connect/TLS failure, with the OpenSSL reason,
  /// or connection reset), TooLarge (body above the limit), ProtocolError (garbage or truncated HTTP),
  /// Cancelled (the awaiting coroutine was cancelled). Never throws.
  net::awaitable<Result<HttpResponse>> get(std::string target, Headers extra, std::chrono::milliseconds deadline);

  /// Generic form: `method` is "GET", "PUT", "PATCH", "POST", "DELETE". A non-empty body is sent with the
  /// Content-Type in `extra` (default application/json). `extra` adds header lines; it must not repeat Host,
  /// User-Agent, Accept or Authorization, which the client writes. Same errors as get().
  ///
  /// Cost (issue #18): the request head is written straight into one string, the response parsed as it
  /// arrives (fields into `headers`, the body into one string with spare capacity for the member answer
  /// decoder), over a TlsSocket (tls_socket.hpp: OpenSSL on the descriptor, no copies through BIO pairs).
  /// One timer per attempt bounds every step. On a strand the exchange runs in the caller's coroutine; from
  /// a plain multi-threaded executor it is moved onto a strand first (one co_spawn).
  net::awaitable<Result<HttpResponse>> request(std::string method, std::string target, std::string body,
                                               Headers extra, std::chrono::milliseconds deadline);

  /// Pool statistics, for tests and /readyz?verbose.
  std::size_t idle_connections() const;
  std::size_t connections_opened() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace fedmetrics::transport
