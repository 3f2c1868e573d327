// The server-wide in-flight limit (--max-requests-inflight) as the API handler applies it: requests held
// in a review occupy their slots, the next one is refused at once, probes pass.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <memory>
#include <vector>

#include "tests/unit/server/api/api_fixture.hpp"

namespace fedmetrics::api::testing {
namespace {

/// Holds every review until release() (a slow or flooded control plane), then allows.
class HoldingAuthorizer final : public auth::Authorizer {
 public:
  net::awaitable<auth::AuthzOutcome> authorize(auth::RequestAttributes) override {
    auto timer = std::make_shared<net::steady_timer>(co_await net::this_coro::executor);
    timer->expires_after(std::chrono::hours(1));
    held_.push_back(timer);
    co_await timer->async_wait(net::as_tuple(net::use_awaitable));
    co_return auth::AuthzOutcome{auth::Decision::Allow, "", ""};
  }
  void release() {
    for (auto& t : held_) t->cancel();
    held_.clear();
  }
  std::size_t held() const { return held_.size(); }

 private:
  std::vector<std::shared_ptr<net::steady_timer>> held_;
};

const std::string kMetric = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests";

std::future<http::Response> start(net::io_context& ioc, ApiHandler& handler, std::string target) {
  http::Request request;
  request.method = "GET";
  request.target = std::move(target);
  http::RequestContext context;
  context.remote_address = "127.0.0.1:50000";
  return net::co_spawn(ioc, handler.handle(std::move(request), std::move(context)), net::use_future);
}

}  // namespace

TEST_CASE("beyond --max-requests-inflight a request is answered 429 with Retry-After at once, probes still pass "
          "(issue #12 item 2)",
          "[unit][api][inflight]") {
  ApiFixture f;
  HoldingAuthorizer reviews;
  auth::Gate gate(auth::GateConfig{}, nullptr, &reviews);
  ApiHandler handler(f.provider, gate, f.health, f.registry, VersionInfo{}, nullptr, /*max_requests_inflight=*/2);
  net::io_context ioc;

  auto first = start(ioc, handler, kMetric);
  auto second = start(ioc, handler, kMetric);
  ioc.poll();
  REQUIRE(reviews.held() == 2);  // both admitted, both waiting for their review

  auto third = start(ioc, handler, kMetric);
  auto healthz = start(ioc, handler, "/healthz");
  auto livez = start(ioc, handler, "/livez");
  auto readyz = start(ioc, handler, "/readyz");
  ioc.poll();
  CHECK(reviews.held() == 2);  // the third never reached its review
  REQUIRE(third.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  const auto refused = third.get();
  check_status_response(refused, 429);
  CHECK(refused.headers.get("Retry-After") == std::optional<std::string_view>("1"));
  const auto body = parse_json(refused.body);
  CHECK(body["message"] == "Too many requests, please try again later.");
  CHECK(body["details"]["retryAfterSeconds"] == 1);
  for (auto* probe : {&healthz, &livez, &readyz}) {
    REQUIRE(probe->wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    CHECK(probe->get().status == 200);
  }

  // Slots are given back when the held requests finish: the next request is admitted again.
  reviews.release();
  ioc.restart();
  ioc.poll();
  CHECK(first.get().status == 200);
  CHECK(second.get().status == 200);
  auto fourth = start(ioc, handler, kMetric);
  ioc.restart();
  ioc.poll();
  CHECK(reviews.held() == 1);
  reviews.release();
  ioc.restart();
  ioc.run();
  CHECK(fourth.get().status == 200);
}

}  // namespace fedmetrics::api::testing
