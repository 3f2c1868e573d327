#include "clients/kube/https_rest_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <stdexcept>

#include "clients/kube/api_codec.hpp"

namespace fedmetrics::kube {
namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr std::string_view kJson = "application/json";

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

bool is_success(int status) { return status >= 200 && status < 300; }

// Seconds from a Retry-After header (the apiserver only sends delta-seconds, never an HTTP date).
std::optional<std::chrono::seconds> retry_after(const transport::HttpResponse& r) {
  const auto h = r.header("Retry-After");
  if (!h || h->empty() || h->size() > 6) return std::nullopt;
  long v = 0;
  for (const char c : *h) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return std::chrono::seconds(v);
}

net::awaitable<Result<void>> sleep_for(std::chrono::nanoseconds d) {
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(d);
  auto [ec] = co_await timer.async_wait(kTuple);
  if (ec) co_return make_error(Errc::Cancelled, "cancelled while waiting");
  co_return ok();
}

Result<nlohmann::json> parse_object(const transport::HttpResponse& r, std::string_view what) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(Errc::ProtocolError, std::string(what) + ": answer is not a JSON object");
  }
  return json_value(std::move(j));
}

}  // namespace

net::awaitable<Result<transport::HttpResponse>> HttpsRoundTripper::round_trip(std::string method, std::string target,
                                                                             std::string body,
                                                                             transport::Headers headers,
                                                                             std::chrono::milliseconds timeout) {
  auto client = client_;
  co_return co_await client->request(std::move(method), std::move(target), std::move(body), std::move(headers),
                                     timeout);
}

HttpsRestClient::HttpsRestClient(std::unique_ptr<HttpRoundTripper> transport, const Clock& clock,
                                 RestClientOptions options)
    : transport_(std::move(transport)),
      clock_(clock),
      options_(std::move(options)),
      limiter_(options_.limiter ? options_.limiter
                                : std::make_shared<RequestLimiter>(options_.qps, options_.burst, clock)) {}

std::unique_ptr<HttpsRestClient> HttpsRestClient::from_config(const RestConfig& config, const Clock& clock,
                                                              RestClientOptions options) {
  auto http_options = to_https_client_options(config);
  if (!http_options) throw std::runtime_error(http_options.error().message);
  auto http = std::make_shared<transport::HttpsClient>(std::move(*http_options));
  return std::make_unique<HttpsRestClient>(std::make_unique<HttpsRoundTripper>(std::move(http)), clock, options);
}

net::awaitable<Result<void>> HttpsRestClient::throttle() {
  auto limiter = limiter_;
  if (options_.max_throttle_wait == std::chrono::milliseconds::max()) co_return co_await limiter->acquire();
  const auto deadline = clock_.steady_now() + options_.max_throttle_wait;
  auto slot = co_await limiter->acquire(deadline);
  if (!slot && slot.error().code == Errc::Timeout) {
    co_return make_error(Errc::Throttled, slot.error().message + " (waits at most " +
                                              std::to_string(options_.max_throttle_wait.count()) + " ms)");
  }
  co_return slot;
}

net::awaitable<Result<transport::HttpResponse>> HttpsRestClient::send(std::string method, std::string target,
                                                                      std::string body, std::string content_type,
                                                                      std::chrono::milliseconds timeout) {
  for (int attempt = 0;; ++attempt) {
    if (auto t = co_await throttle(); !t) co_return t.error();
    transport::Headers headers;
    if (!body.empty()) headers.emplace_back("Content-Type", content_type);
    std::string m = method;
    std::string t = target;
    std::string b = body;
    auto r = co_await transport_->round_trip(std::move(m), std::move(t), std::move(b), std::move(headers), timeout);
    if (!r) co_return r;
    // Priority-and-fairness (429) and an overloaded apiserver (503) say when to come back; honour that a few
    // times before reporting Unavailable.
    if ((r->status == 429 || r->status == 503) && attempt < options_.max_retries) {
      if (const auto after = retry_after(*r)) {
        const std::chrono::nanoseconds wait = std::min<std::chrono::seconds>(
            std::max(*after, std::chrono::seconds(1)), options_.max_retry_after);
        if (auto s = co_await sleep_for(wait); !s) co_return s.error();
        continue;
      }
    }
    co_return r;
  }
}

net::awaitable<Result<nlohmann::json>> HttpsRestClient::send_for_object(std::string method, std::string target,
                                                                        std::string body, std::string content_type) {
  const std::string what = method + " " + target;
  auto r = co_await send(std::move(method), std::move(target), std::move(body), std::move(content_type),
                         options_.request_timeout);
  if (!r) co_return r.error();
  if (!is_success(r->status)) co_return error_from_response(r->status, r->body, what);
  co_return parse_object(*r, what);
}

net::awaitable<Result<nlohmann::json>> HttpsRestClient::get(ResourceRef ref, std::string name,
                                                            std::string subresource) {
  std::string method = "GET";
  std::string target = object_path(ref, name, subresource);
  std::string body;
  std::string type(kJson);
  co_return co_await send_for_object(std::move(method), std::move(target), std::move(body), std::move(type));
}

net::awaitable<Result<ObjectList>> HttpsRestClient::list(ResourceRef ref, ListOptions options) {
  ObjectList out;
  std::string continue_token;
  bool restarted = false;
  for (;;) {
    std::string method = "GET";
    std::string target = list_target(ref, options, continue_token);
    const std::string what = "LIST " + target;
    std::string body;
    std::string type(kJson);
    auto r = co_await send(std::move(method), std::move(target), std::move(body), std::move(type),
                           options_.request_timeout);
    if (!r) co_return r.error();
    if (!is_success(r->status)) {
      auto e = error_from_response(r->status, r->body, what);
      // An expired continue token (the list took longer than etcd's compaction window): client-go's pager
      // falls back to one unpaged list.
      if (e.code == Errc::Gone && !continue_token.empty() && !restarted) {
        restarted = true;
        options.page_size = 0;
        continue_token.clear();
        out.items.clear();
        continue;
      }
      co_return e;
    }
    auto page = decode_list_page(r->body);
    if (!page) co_return make_error(Errc::ProtocolError, what + ": " + page.error().message);
    for (auto& item : page->items) out.items.push_back(std::move(item));
    out.resource_version = std::move(page->resource_version);
    if (page->continue_token.empty()) co_return out;
    if (page->continue_token == continue_token) {
      co_return make_error(Errc::ProtocolError, what + ": server repeated the continue token");
    }
    continue_token = std::move(page->continue_token);
  }
}

net::awaitable<Result<void>> HttpsRestClient::watch(ResourceRef ref, WatchOptions options, WatchHandler handler) {
  std::string method = "GET";
  std::string target = watch_target(ref, options);
  const std::string what = "WATCH " + target;
  std::string body;
  std::string type(kJson);
  // The server closes the watch after options.timeout; allow the normal request timeout on top of it.
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout) + options_.request_timeout;
  auto r = co_await send(std::move(method), std::move(target), std::move(body), std::move(type), timeout);
  if (!r) co_return r.error();
  if (!is_success(r->status)) co_return error_from_response(r->status, r->body, what);
  auto events = decode_watch_stream(r->body);
  if (!events) co_return make_error(Errc::ProtocolError, what + ": " + events.error().message);
  for (auto& e : *events) {
    if (e.type == WatchEventType::Error) co_return error_from_status_object(e.object, what);
    handler(std::move(e));
  }
  co_return ok();
}

net::awaitable<Result<nlohmann::json>> HttpsRestClient::create(ResourceRef ref, nlohmann::json object) {
  std::string method = "POST";
  std::string target = collection_path(ref);
  std::string body = dump(object);
  std::string type(kJson);
  co_return co_await send_for_object(std::move(method), std::move(target), std::move(body), std::move(type));
}

net::awaitable<Result<nlohmann::json>> HttpsRestClient::update(ResourceRef ref, std::string name,
                                                               std::string subresource, nlohmann::json object) {
  std::string method = "PUT";
  std::string target = object_path(ref, name, subresource);
  std::string body = dump(object);
  std::string type(kJson);
  co_return co_await send_for_object(std::move(method), std::move(target), std::move(body), std::move(type));
}

net::awaitable<Result<nlohmann::json>> HttpsRestClient::patch(ResourceRef ref, std::string name,
                                                              std::string subresource, PatchType patch_type,
                                                              std::string patch_body) {
  std::string method = "PATCH";
  std::string target = object_path(ref, name, subresource);
  std::string type(content_type(patch_type));
  co_return co_await send_for_object(std::move(method), std::move(target), std::move(patch_body), std::move(type));
}

net::awaitable<Result<void>> HttpsRestClient::remove(ResourceRef ref, std::string name) {
  std::string method = "DELETE";
  std::string target = object_path(ref, name, "");
  const std::string what = "DELETE " + target;
  std::string body;
  std::string type(kJson);
  auto r = co_await send(std::move(method), std::move(target), std::move(body), std::move(type),
                         options_.request_timeout);
  if (!r) co_return r.error();
  if (!is_success(r->status)) co_return error_from_response(r->status, r->body, what);
  co_return ok();
}

}  // namespace fedmetrics::kube
