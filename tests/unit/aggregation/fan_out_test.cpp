#include "aggregation/fan_out.hpp"

#include <catch2/catch.hpp>
#include "tests/support/catch_result.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <mutex>

#include "aggregation/single_flight.hpp"
#include "aggregation/ttl_cache.hpp"
#include "tests/fakes/fake_member_client.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/run_coro.hpp"

using namespace fedmetrics;
using namespace std::chrono_literals;
using aggregation::FanOut;
using aggregation::FanOutOptions;
using aggregation::MemberCallReport;
using test::FakeMemberClient;
using test::run_coro;

namespace {

kubeapi::MetricValueList one_pod(const std::string& name, const std::string& value) {
  kubeapi::MetricValue v;
  v.described_object.kind = "Pod";
  v.described_object.namespace_ = "default";
  v.described_object.name = name;
  v.metric_name = "http_requests";
  v.timestamp = "2026-08-21T03:12:09Z";
  v.value = *kubeapi::Quantity::parse(value);
  return kubeapi::MetricValueList{{v}};
}

members::MemberHandle handle(std::shared_ptr<FakeMemberClient> client) {
  members::MemberHandle h;
  h.cluster.name = client->name();
  h.client = std::move(client);
  return h;
}

aggregation::MemberCall<kubeapi::MetricValueList> custom_call() {
  members::CustomMetricsRequest request;
  request.resource = "pods";
  request.namespace_ = "default";
  request.metric = "http_requests";
  return [request](std::shared_ptr<members::MemberClient> c, members::Deadline d) {
    return c->get_custom_metrics(request, d);
  };
}

}  // namespace

TEST_CASE("fan-out returns one result per member in member order, whatever the completion order",
          "[unit][fanout]") {
  net::io_context ioc;
  auto a = std::make_shared<FakeMemberClient>("a");
  auto b = std::make_shared<FakeMemberClient>("b");
  auto c = std::make_shared<FakeMemberClient>("c");
  a->script_custom("", one_pod("pod-a", "1"));
  b->script_custom("", make_error(Errc::Unavailable, "member b: down"));
  c->script_custom("", one_pod("pod-c", "3"));
  a->set_yields(6);  // a finishes last, c second
  c->set_yields(2);

  std::mutex mu;
  std::vector<std::string> reported;
  FanOut fan_out(ioc.get_executor(), FanOutOptions{}, [&](const MemberCallReport& r) {
    std::lock_guard lock(mu);
    reported.push_back(r.cluster + (r.error ? ":" + std::string(to_string(r.error->code)) : ":ok"));
  });
  auto results = run_coro(ioc, fan_out.run<kubeapi::MetricValueList>({handle(a), handle(b), handle(c)}, custom_call()));

  REQUIRE(results.size() == 3);
  REQUIRE(results[0]);
  CHECK(results[0]->items.at(0).described_object.name == "pod-a");
  REQUIRE_FALSE(results[1]);
  CHECK(results[1].error().message == "member b: down");
  REQUIRE(results[2]);
  CHECK(results[2]->items.at(0).described_object.name == "pod-c");
  // Completion order b, c, a is visible to the observer, not in the results.
  CHECK(reported == std::vector<std::string>{"b:Unavailable", "c:ok", "a:ok"});
  CHECK(a->custom_calls().size() == 1);
}

TEST_CASE("a member that misses its deadline is a Timeout naming it and its call is cancelled", "[unit][fanout]") {
  net::io_context ioc;
  auto fast = std::make_shared<FakeMemberClient>("fast");
  auto slow = std::make_shared<FakeMemberClient>("slow");
  fast->script_custom("", one_pod("p", "1"));
  slow->script_custom("", one_pod("q", "1"));
  slow->set_hang(true);
  FanOut fan_out(ioc.get_executor(), FanOutOptions{.member_timeout = 20ms});
  auto results = run_coro(ioc, fan_out.run<kubeapi::MetricValueList>({handle(fast), handle(slow)}, custom_call()));
  REQUIRE(results[0]);
  REQUIRE_FALSE(results[1]);
  CHECK(results[1].error().code == Errc::Timeout);
  CHECK(results[1].error().message == "member slow: no answer within 20ms");
  CHECK(slow->cancelled_calls() == 1);
}

TEST_CASE("the overall deadline bounds every member", "[unit][fanout]") {
  net::io_context ioc;
  auto slow = std::make_shared<FakeMemberClient>("slow");
  slow->set_hang(true);
  FanOut fan_out(ioc.get_executor(), FanOutOptions{.member_timeout = 10s, .overall_timeout = 20ms});
  auto results = run_coro(ioc, fan_out.run<kubeapi::MetricValueList>({handle(slow)}, custom_call()));
  REQUIRE_FALSE(results[0]);
  CHECK(results[0].error().code == Errc::Timeout);
}

TEST_CASE("a member without a client reports its configuration error without a call", "[unit][fanout]") {
  net::io_context ioc;
  members::MemberHandle broken;
  broken.cluster.name = "broken";
  broken.error = make_error(Errc::Unavailable, "member broken: cannot read CA");
  auto ok = std::make_shared<FakeMemberClient>("ok");
  ok->script_custom("", one_pod("p", "1"));
  FanOut fan_out(ioc.get_executor(), FanOutOptions{});
  auto results = run_coro(ioc, fan_out.run<kubeapi::MetricValueList>({broken, handle(ok)}, custom_call()));
  REQUIRE_FALSE(results[0]);
  CHECK(results[0].error().message == "member broken: cannot read CA");
  CHECK(results[1]);
}

TEST_CASE("max_in_flight bounds large member sets and keeps the order", "[unit][fanout]") {
  net::io_context ioc;
  std::vector<members::MemberHandle> targets;
  std::vector<std::shared_ptr<FakeMemberClient>> fakes;
  for (int i = 0; i < 7; ++i) {
    auto f = std::make_shared<FakeMemberClient>("m" + std::to_string(i));
    f->script_custom("", one_pod("pod-" + std::to_string(i), "1"));
    f->set_yields(7 - i);
    fakes.push_back(f);
    targets.push_back(handle(f));
  }
  FanOut fan_out(ioc.get_executor(), FanOutOptions{.max_in_flight = 3});
  auto results = run_coro(ioc, fan_out.run<kubeapi::MetricValueList>(targets, custom_call()));
  REQUIRE(results.size() == 7);
  for (int i = 0; i < 7; ++i) {
    REQUIRE(results[i]);
    CHECK(results[i]->items.at(0).described_object.name == "pod-" + std::to_string(i));
    CHECK(fakes[i]->custom_calls().size() == 1);
  }
}

TEST_CASE("max_in_flight is a sliding window: a slow member holds only its own slot", "[unit][fanout]") {
  net::io_context ioc;
  std::vector<members::MemberHandle> targets;
  for (int i = 0; i < 6; ++i) {
    auto f = std::make_shared<FakeMemberClient>("m" + std::to_string(i));
    f->script_custom("", one_pod("pod-" + std::to_string(i), "1"));
    f->set_yields(i == 0 ? 200 : 1);
    targets.push_back(handle(f));
  }
  std::mutex mu;
  std::vector<std::string> reported;
  FanOut fan_out(ioc.get_executor(), FanOutOptions{.max_in_flight = 2}, [&](const MemberCallReport& r) {
    std::lock_guard lock(mu);
    reported.push_back(r.cluster);
  });
  auto results = run_coro(ioc, fan_out.run<kubeapi::MetricValueList>(targets, custom_call()));
  REQUIRE(results.size() == 6);
  for (const auto& r : results) CHECK(r);
  // Waves of two would finish m0 before m2 starts; in a window, m1..m5 all pass through the other slot.
  CHECK(reported == std::vector<std::string>{"m1", "m2", "m3", "m4", "m5", "m0"});
}

TEST_CASE("an exception escaping a member call becomes an Internal error for that member only", "[unit][fanout]") {
  net::io_context ioc;
  auto a = std::make_shared<FakeMemberClient>("a");
  auto b = std::make_shared<FakeMemberClient>("b");
  b->script_custom("", one_pod("p", "1"));
  aggregation::MemberCall<kubeapi::MetricValueList> throwing =
      [inner = custom_call()](std::shared_ptr<members::MemberClient> c, members::Deadline d) {
        if (c->name() == "a") throw std::runtime_error("boom");
        return inner(c, d);
      };
  FanOut fan_out(ioc.get_executor(), FanOutOptions{});
  auto results = run_coro(ioc, fan_out.run<kubeapi::MetricValueList>({handle(a), handle(b)}, throwing));
  REQUIRE_FALSE(results[0]);
  CHECK(results[0].error().code == Errc::Internal);
  CHECK_THAT(results[0].error().message, Catch::StartsWith("member a: ") && Catch::Contains("boom"));
  CHECK(results[1]);
}

namespace {
net::awaitable<Result<int>> slow_work(std::shared_ptr<int> calls, int value, int yields) {
  ++*calls;
  auto ex = co_await net::this_coro::executor;
  for (int i = 0; i < yields; ++i) co_await net::post(ex, net::use_awaitable);
  co_return value;
}
}  // namespace

TEST_CASE("single flight coalesces identical concurrent requests and not different ones", "[unit][singleflight]") {
  net::io_context ioc;
  aggregation::SingleFlight<int> flight;
  auto calls = std::make_shared<int>(0);
  bool coalesced[3] = {false, false, false};
  auto f1 = net::co_spawn(ioc, flight.run("k", [calls] { return slow_work(calls, 42, 3); }, &coalesced[0]),
                          net::use_future);
  auto f2 = net::co_spawn(ioc, flight.run("k", [calls] { return slow_work(calls, 7, 3); }, &coalesced[1]),
                          net::use_future);
  auto f3 = net::co_spawn(ioc, flight.run("other", [calls] { return slow_work(calls, 9, 3); }, &coalesced[2]),
                          net::use_future);
  ioc.run();
  CHECK(*f1.get() == 42);
  CHECK(*f2.get() == 42);  // the follower got the leader's answer
  CHECK(*f3.get() == 9);
  CHECK(*calls == 2);
  CHECK_FALSE(coalesced[0]);
  CHECK(coalesced[1]);
  CHECK_FALSE(coalesced[2]);
  CHECK(flight.in_flight() == 0);

  // After completion, the same key runs again.
  ioc.restart();
  CHECK(*run_coro(ioc, flight.run("k", [calls] { return slow_work(calls, 5, 0); })) == 5);
  CHECK(*calls == 3);
}

TEST_CASE("ttl cache entries expire on the injected clock and a zero TTL disables it", "[unit][ttlcache]") {
  test::ManualClock clock;
  aggregation::TtlCache<std::string, int> cache(clock, 10s, 2);
  cache.put("a", 1);
  CHECK(cache.get("a") == 1);
  clock.advance(9s);
  CHECK(cache.get("a") == 1);
  clock.advance(1s);
  CHECK_FALSE(cache.get("a"));
  CHECK(cache.size() == 0);

  cache.put("x", 1);
  clock.advance(1s);
  cache.put("y", 2);
  cache.put("z", 3);  // full: the least recently used entry (x) goes
  CHECK_FALSE(cache.get("x"));
  CHECK(cache.get("y") == 2);
  CHECK(cache.get("z") == 3);

  aggregation::TtlCache<std::string, int> off(clock, 0ms);
  off.put("a", 1);
  CHECK_FALSE(off.get("a"));
}
