#pragma once
// RestClient over HTTPS (clients/transport), with client-side rate limiting, Retry-After handling and
// metav1.Status decoding.
//
// WATCH design (trade-off): transport::HttpsClient is request/response — it reads a whole body before
// returning — so a watch is issued with `timeoutSeconds=N` (WatchOptions::timeout, default 10 s). The
// apiserver ends such a watch cleanly after N seconds; the complete chunked body is then a sequence of JSON
// event lines, decoded and delivered in order, and the caller re-watches from the last resourceVersion
// (the informer does this, with bookmarks keeping the version fresh).
//   + reuses everything the transport already does (TLS/CA/client cert, rotating token file, CONNECT proxy,
//     keep-alive pool, deadlines, body limit) instead of a second Beast TU duplicating it;
//   + every watch is bounded: a half-open connection can never hang the informer for longer than N + the
//     request timeout; reconnects are routine, so the reconnect path is always exercised;
//   − events arrive up to N seconds late (fine for Cluster/Secret/Lease changes that feed a 15 s control
//     loop; not for latency-sensitive consumers — lower N, at one request per N seconds per informer);
//   − a watch window's events are buffered in memory, bounded by the transport body limit.
// The RestClient::watch contract (handler per event, return at the end of the watch) does not depend on
// this choice, so a streaming transport can replace it without changing callers.
#include <chrono>
#include <memory>
#include <mutex>

#include "clients/base/clock.hpp"
#include "clients/kube/kubeconfig.hpp"
#include "clients/kube/request_limiter.hpp"
#include "clients/kube/rest_client.hpp"
#include "clients/transport/https_client.hpp"

namespace fedmetrics::kube {

/// The one network call HttpsRestClient makes; the seam its unit tests replace with a scripted fake.
/// Same contract and errors as transport::HttpsClient::request (non-2xx answers are responses).
class HttpRoundTripper {
 public:
  virtual ~HttpRoundTripper() = default;
  HttpRoundTripper() = default;
  HttpRoundTripper(const HttpRoundTripper&) = delete;
  HttpRoundTripper& operator=(const HttpRoundTripper&) = delete;

  virtual net::awaitable<Result<transport::HttpResponse>> round_trip(std::string method, std::string target,
                                                                    std::string body, transport::Headers headers,
                                                                    std::chrono::milliseconds timeout) = 0;
};

/// The production round-tripper: one transport::HttpsClient (keep-alive pool) to the API server.
class HttpsRoundTripper final : public HttpRoundTripper {
 public:
  explicit HttpsRoundTripper(std::shared_ptr<transport::HttpsClient> client) : client_(std::move(client)) {}

  // kube::HttpRoundTripper
  net::awaitable<Result<transport::HttpResponse>> round_trip(std::string method, std::string target,
                                                            std::string body, transport::Headers headers,
                                                            std::chrono::milliseconds timeout) override;

 private:
  std::shared_ptr<transport::HttpsClient> client_;
};

struct RestClientOptions {
  double qps = kDefaultQps;    ///< <= 0 disables the client-side limiter
  int burst = kDefaultBurst;
  /// A limiter shared with other clients of the same API server (qps/burst are then ignored); null: the
  /// client gets its own from qps/burst.
  std::shared_ptr<RequestLimiter> limiter;
  /// How long a request may wait for its client-side rate-limit slot. A request whose slot is further away
  /// is not queued: it fails at once with Throttled and takes no slot (so a flood cannot build a queue that
  /// everyone behind it waits out). max(): wait as long as it takes (client-go's behaviour).
  std::chrono::milliseconds max_throttle_wait = std::chrono::milliseconds::max();
  std::chrono::milliseconds request_timeout{32'000};  ///< per request (client-go's default for Karmada members)
  /// 429 and 503 answers with Retry-After are retried this many times (client-go retries up to 10).
  int max_retries = 3;
  std::chrono::seconds max_retry_after{10};  ///< cap on a server-requested wait
};

/// Thread-safe (see RestClient), the limiter included.
/// Owned by the composition root; must outlive every call.
class HttpsRestClient final : public RestClient {
 public:
  /// `clock` drives the rate limiter's bookkeeping (waiting uses a steady_timer); it must outlive this.
  HttpsRestClient(std::unique_ptr<HttpRoundTripper> transport, const Clock& clock, RestClientOptions options = {});

  /// Connects per `config` (kubeconfig or in-cluster). Throws std::runtime_error on a bad server URL or
  /// unreadable/invalid TLS material (a startup error).
  static std::unique_ptr<HttpsRestClient> from_config(const RestConfig& config, const Clock& clock,
                                                      RestClientOptions options = {});

  const RestClientOptions& options() const { return options_; }

  // kube::RestClient
  net::awaitable<Result<nlohmann::json>> get(ResourceRef ref, std::string name, std::string subresource) override;
  net::awaitable<Result<ObjectList>> list(ResourceRef ref, ListOptions options) override;
  net::awaitable<Result<void>> watch(ResourceRef ref, WatchOptions options, WatchHandler handler) override;
  net::awaitable<Result<nlohmann::json>> create(ResourceRef ref, nlohmann::json object) override;
  net::awaitable<Result<nlohmann::json>> update(ResourceRef ref, std::string name, std::string subresource,
                                                nlohmann::json object) override;
  net::awaitable<Result<nlohmann::json>> patch(ResourceRef ref, std::string name, std::string subresource,
                                               PatchType type, std::string patch) override;
  net::awaitable<Result<void>> remove(ResourceRef ref, std::string name) override;

 private:
  // Throttle, send, retry on 429/503 + Retry-After; non-2xx answers come back as responses.
  net::awaitable<Result<transport::HttpResponse>> send(std::string method, std::string target, std::string body,
                                                       std::string content_type, std::chrono::milliseconds timeout);
  // send + map non-2xx to an Error + decode the JSON object body.
  net::awaitable<Result<nlohmann::json>> send_for_object(std::string method, std::string target, std::string body,
                                                         std::string content_type);
  net::awaitable<Result<void>> throttle();

  std::unique_ptr<HttpRoundTripper> transport_;
  const Clock& clock_;
  RestClientOptions options_;
  std::shared_ptr<RequestLimiter> limiter_;
};

}  // namespace fedmetrics::kube
