#include "clients/kube/https_rest_client.hpp"
#include "clients/kube/scale.hpp"

#include <catch2/catch.hpp>

#include <deque>

#include "tests/fakes/fake_rest_client.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/run_coro.hpp"

namespace fedmetrics::kube {
namespace {

using nlohmann::json;

// Scripted HttpRoundTripper: answers in order, records requests.
class ScriptedRoundTripper final : public HttpRoundTripper {
 public:
  struct Request {
    std::string method, target, body;
    transport::Headers headers;
    std::chrono::milliseconds timeout;
  };
  void answer(int status, std::string body, transport::Headers headers = {}) {
    answers_.push_back(transport::HttpResponse{status, std::move(headers), std::move(body)});
  }
  void fail(Error e) { answers_.push_back(std::move(e)); }
  std::vector<Request> requests;

  net::awaitable<Result<transport::HttpResponse>> round_trip(std::string method, std::string target, std::string body,
                                                            transport::Headers headers,
                                                            std::chrono::milliseconds timeout) override {
    requests.push_back(Request{method, target, body, headers, timeout});
    if (answers_.empty()) co_return make_error(Errc::Internal, "no scripted answer for " + method + " " + target);
    auto a = std::move(answers_.front());
    answers_.pop_front();
    co_return a;
  }

 private:
  std::deque<Result<transport::HttpResponse>> answers_;
};

struct Fixture {
  test::ManualClock clock;
  ScriptedRoundTripper* rt = nullptr;
  std::unique_ptr<HttpsRestClient> client;
  explicit Fixture(RestClientOptions options = unlimited()) {
    auto t = std::make_unique<ScriptedRoundTripper>();
    rt = t.get();
    client = std::make_unique<HttpsRestClient>(std::move(t), clock, options);
  }
  static RestClientOptions unlimited() {
    RestClientOptions o;
    o.qps = 0;
    return o;
  }
};

std::string status_body(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"}, {"code", code},
              {"reason", reason}, {"message", message}}
      .dump();
}

// Coroutine wrappers with named locals: no temporaries in co_await argument lists (g++ 12).
net::awaitable<Result<json>> get_pod(RestClient& c, std::string name) {
  ResourceRef ref = resources::pods().in("default");
  std::string sub;
  co_return co_await c.get(std::move(ref), std::move(name), std::move(sub));
}

TEST_CASE("get returns the object and errors carry the Status message", "[unit][kube][rest]") {
  Fixture f;
  f.rt->answer(200, R"({"kind":"Pod","metadata":{"name":"web-1"}})");
  f.rt->answer(404, status_body(404, "NotFound", "pods \"nope\" not found"));
  f.rt->answer(200, "not json");
  f.rt->fail(make_error(Errc::Timeout, "deadline exceeded"));

  auto ok_result = test::run_coro(get_pod(*f.client, "web-1"));
  REQUIRE(ok_result);
  CHECK((*ok_result)["metadata"]["name"] == "web-1");
  CHECK(f.rt->requests[0].method == "GET");
  CHECK(f.rt->requests[0].target == "/api/v1/namespaces/default/pods/web-1");
  CHECK(f.rt->requests[0].timeout == std::chrono::milliseconds(32'000));

  auto missing = test::run_coro(get_pod(*f.client, "nope"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::NotFound);
  CHECK(missing.error().message == "GET /api/v1/namespaces/default/pods/nope: 404 NotFound: pods \"nope\" not found");

  auto garbage = test::run_coro(get_pod(*f.client, "x"));
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == Errc::ProtocolError);

  auto timeout = test::run_coro(get_pod(*f.client, "y"));
  REQUIRE_FALSE(timeout);
  CHECK(timeout.error().code == Errc::Timeout);
}

net::awaitable<Result<ObjectList>> list_pods(RestClient& c, std::size_t page_size) {
  ResourceRef ref = resources::pods().in("default");
  ListOptions options;
  options.label_selector = "app=web";
  options.page_size = page_size;
  co_return co_await c.list(std::move(ref), std::move(options));
}

TEST_CASE("list follows continue tokens and returns every item", "[unit][kube][rest]") {
  Fixture f;
  f.rt->answer(200, R"({"metadata":{"resourceVersion":"10","continue":"c1"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})");
  f.rt->answer(200, R"({"metadata":{"resourceVersion":"10","continue":"c2"},"items":[{"metadata":{"name":"c"}}]})");
  f.rt->answer(200, R"({"metadata":{"resourceVersion":"10"},"items":[{"metadata":{"name":"d"}}]})");
  auto r = test::run_coro(list_pods(*f.client, 2));
  REQUIRE(r);
  CHECK(r->items.size() == 4);
  CHECK(r->resource_version == "10");
  REQUIRE(f.rt->requests.size() == 3);
  CHECK(f.rt->requests[0].target == "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2");
  CHECK(f.rt->requests[1].target == "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2&continue=c1");
  CHECK(f.rt->requests[2].target == "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2&continue=c2");
}

TEST_CASE("an expired continue token restarts the list unpaged", "[unit][kube][rest]") {
  Fixture f;
  f.rt->answer(200, R"({"metadata":{"resourceVersion":"10","continue":"c1"},"items":[{"metadata":{"name":"a"}}]})");
  f.rt->answer(410, status_body(410, "Expired", "The provided continue parameter is too old"));
  f.rt->answer(200, R"({"metadata":{"resourceVersion":"20"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})");
  auto r = test::run_coro(list_pods(*f.client, 1));
  REQUIRE(r);
  CHECK(r->items.size() == 2);
  CHECK(r->resource_version == "20");
  CHECK(f.rt->requests[2].target == "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
}

TEST_CASE("a list that fails on its first page reports the error", "[unit][kube][rest]") {
  Fixture f;
  f.rt->answer(403, status_body(403, "Forbidden", "pods is forbidden: User \"x\" cannot list resource"));
  auto r = test::run_coro(list_pods(*f.client, 500));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Forbidden);
}

struct WatchOutcome {
  Result<void> result;
  std::vector<WatchEvent> events;
};

net::awaitable<WatchOutcome> watch_clusters(RestClient& c, std::string rv) {
  std::vector<WatchEvent> events;
  ResourceRef ref = resources::clusters();
  WatchOptions options;
  options.resource_version = std::move(rv);
  options.timeout = std::chrono::seconds(5);
  WatchHandler handler = [&events](WatchEvent e) { events.push_back(std::move(e)); };
  auto r = co_await c.watch(std::move(ref), std::move(options), std::move(handler));
  co_return WatchOutcome{std::move(r), std::move(events)};
}

TEST_CASE("watch delivers the window's events in order", "[unit][kube][watch]") {
  Fixture f;
  f.rt->answer(200,
               R"({"type":"ADDED","object":{"metadata":{"name":"m1","resourceVersion":"11"}}})"
               "\n"
               R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}})"
               "\n");
  auto out = test::run_coro(watch_clusters(*f.client, "10"));
  REQUIRE(out.result);
  REQUIRE(out.events.size() == 2);
  CHECK(out.events[1].type == WatchEventType::Bookmark);
  CHECK(f.rt->requests[0].target ==
        "/apis/cluster.karmada.io/v1alpha1/clusters?watch=1&resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=5");
  CHECK(f.rt->requests[0].timeout == std::chrono::milliseconds(37'000));  // window + request timeout
}

TEST_CASE("watch ends with Gone on a 410 ERROR event or a 410 answer", "[unit][kube][watch]") {
  Fixture f;
  f.rt->answer(200,
               R"({"type":"MODIFIED","object":{"metadata":{"name":"m1","resourceVersion":"11"}}})"
               "\n"
               R"j({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 1 (11)"}})j"
               "\n");
  f.rt->answer(410, status_body(410, "Gone", "too old"));
  auto first = test::run_coro(watch_clusters(*f.client, "1"));
  REQUIRE_FALSE(first.result);
  CHECK(first.result.error().code == Errc::Gone);
  CHECK(first.events.size() == 1);  // the events before the error were delivered
  auto second = test::run_coro(watch_clusters(*f.client, "1"));
  REQUIRE_FALSE(second.result);
  CHECK(second.result.error().code == Errc::Gone);
}

net::awaitable<Result<json>> write_calls(RestClient& c, int which) {
  ResourceRef ref = resources::deployments().in("web");
  std::string name = "api";
  if (which == 0) {
    std::string sub = "scale";
    PatchType type = PatchType::Merge;
    std::string patch = R"({"spec":{"replicas":4}})";
    co_return co_await c.patch(std::move(ref), std::move(name), std::move(sub), type, std::move(patch));
  }
  if (which == 1) {
    std::string sub = "status";
    PatchType type = PatchType::Json;
    std::string patch = R"([{"op":"replace","path":"/status/replicas","value":2}])";
    co_return co_await c.patch(std::move(ref), std::move(name), std::move(sub), type, std::move(patch));
  }
  if (which == 2) {
    json body = {{"metadata", {{"name", "api"}, {"resourceVersion", "5"}}}, {"spec", {{"replicas", 3}}}};
    std::string sub = "scale";
    co_return co_await c.update(std::move(ref), std::move(name), std::move(sub), std::move(body));
  }
  json body = {{"metadata", {{"name", "api"}}}};
  co_return co_await c.create(std::move(ref), std::move(body));
}

TEST_CASE("patch, update and create send the right method, path and content type", "[unit][kube][rest]") {
  Fixture f;
  for (int i = 0; i < 4; ++i) f.rt->answer(i == 3 ? 201 : 200, R"({"kind":"Scale"})");
  for (int i = 0; i < 4; ++i) REQUIRE(test::run_coro(write_calls(*f.client, i)));
  const auto& q = f.rt->requests;
  CHECK(q[0].method == "PATCH");
  CHECK(q[0].target == "/apis/apps/v1/namespaces/web/deployments/api/scale");
  CHECK(q[0].headers == transport::Headers{{"Content-Type", "application/merge-patch+json"}});
  CHECK(q[1].target == "/apis/apps/v1/namespaces/web/deployments/api/status");
  CHECK(q[1].headers == transport::Headers{{"Content-Type", "application/json-patch+json"}});
  CHECK(q[2].method == "PUT");
  CHECK(json::parse(q[2].body)["metadata"]["resourceVersion"] == "5");
  CHECK(q[2].headers == transport::Headers{{"Content-Type", "application/json"}});
  CHECK(q[3].method == "POST");
  CHECK(q[3].target == "/apis/apps/v1/namespaces/web/deployments");
}

TEST_CASE("a 409 on update is a Conflict error", "[unit][kube][rest]") {
  Fixture f;
  f.rt->answer(409, status_body(409, "Conflict", "the object has been modified"));
  auto r = test::run_coro(write_calls(*f.client, 2));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Conflict);
}

TEST_CASE("429 without Retry-After is reported, not retried", "[unit][kube][rest]") {
  Fixture f;
  f.rt->answer(429, status_body(429, "TooManyRequests", "slow down"));
  auto r = test::run_coro(get_pod(*f.client, "x"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Unavailable);
  CHECK(f.rt->requests.size() == 1);
}

TEST_CASE("the client-side limiter admits a burst without waiting", "[unit][kube][rest]") {
  RestClientOptions o;
  o.qps = 1;
  o.burst = 3;
  Fixture f(o);
  for (int i = 0; i < 3; ++i) f.rt->answer(200, "{}");
  for (int i = 0; i < 3; ++i) REQUIRE(test::run_coro(get_pod(*f.client, "x")));
  CHECK(f.rt->requests.size() == 3);
}

TEST_CASE("a bounded wait refuses a request whose rate-limit slot is too far away, without queueing it (issue #12 item 2)",
          "[unit][kube][rest]") {
  RestClientOptions o;
  o.qps = 1;  // after the burst, one slot per second: further away than the bound
  o.burst = 2;
  o.max_throttle_wait = std::chrono::milliseconds(250);
  Fixture f(o);
  for (int i = 0; i < 3; ++i) f.rt->answer(200, "{}");
  for (int i = 0; i < 2; ++i) REQUIRE(test::run_coro(get_pod(*f.client, "x")));
  // A flood: every request fails at once as Throttled, sends nothing and reserves nothing (the old client
  // queued them all, the 100th one 100 s out, and everyone after it behind them).
  for (int i = 0; i < 100; ++i) {
    auto r = test::run_coro(get_pod(*f.client, "x"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Throttled);
    CHECK(r.error().message.find("waits at most 250 ms") != std::string::npos);
  }
  CHECK(f.rt->requests.size() == 2);
  // Nothing was reserved by the refused requests: one second later a request is sent at once.
  f.clock.advance(std::chrono::seconds(1));
  CHECK(test::run_coro(get_pod(*f.client, "x")));
  CHECK(f.rt->requests.size() == 3);
}

net::awaitable<Result<json>> bump_replicas(RestClient& c, int attempts) {
  ResourceRef ref = resources::deployments().in("web");
  std::string name = "api";
  std::string sub = "scale";
  Mutator mutate = [](json& scale) -> Result<bool> {
    if (scale["spec"]["replicas"] == 7) return false;
    scale["spec"]["replicas"] = 7;
    return true;
  };
  co_return co_await update_with_retry(c, std::move(ref), std::move(name), std::move(sub), std::move(mutate), attempts);
}

TEST_CASE("update_with_retry re-reads and retries on Conflict", "[unit][kube][rest]") {
  test::FakeRestClient api;
  const ResourceRef ref = resources::deployments().in("web");
  api.put_object(ref, json{{"kind", "Scale"}, {"metadata", {{"name", "api"}}}, {"spec", {{"replicas", 2}}}}, "scale");

  SECTION("one conflict, then success") {
    api.fail_next("update", make_error(Errc::Conflict, "modified"));
    auto r = test::run_coro(bump_replicas(api, 5));
    REQUIRE(r);
    CHECK((*r)["spec"]["replicas"] == 7);
    CHECK(api.count("get") == 2);
    CHECK(api.count("update") == 2);
    CHECK(api.object(ref, "api", "scale").value()["spec"]["replicas"] == 7);
  }
  SECTION("conflicts on every attempt") {
    for (int i = 0; i < 3; ++i) api.fail_next("update", make_error(Errc::Conflict, "modified"));
    auto r = test::run_coro(bump_replicas(api, 3));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Conflict);
    CHECK(api.count("update") == 3);
  }
  SECTION("other errors are not retried") {
    api.fail_next("update", make_error(Errc::Forbidden, "rbac"));
    auto r = test::run_coro(bump_replicas(api, 5));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Forbidden);
    CHECK(api.count("update") == 1);
  }
  SECTION("no change, no write") {
    REQUIRE(test::run_coro(bump_replicas(api, 5)));
    REQUIRE(test::run_coro(bump_replicas(api, 5)));
    CHECK(api.count("update") == 1);
  }
  SECTION("a stale resourceVersion conflicts in the fake too") {
    json stale = api.object(ref, "api", "scale").value();
    api.put_object(ref, stale, "scale");  // someone else wrote: version moved on
    auto r = test::run_coro([](test::FakeRestClient& c, json body) -> net::awaitable<Result<json>> {
      ResourceRef rr = resources::deployments().in("web");
      std::string name = "api";
      std::string sub = "scale";
      co_return co_await c.update(std::move(rr), std::move(name), std::move(sub), std::move(body));
    }(api, stale));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Conflict);
  }
}

net::awaitable<Result<Scale>> scale_to(RestClient& c, std::int32_t replicas) {
  ResourceRef ref = resources::deployments().in("web");
  std::string name = "api";
  co_return co_await set_scale_replicas(c, std::move(ref), std::move(name), replicas);
}

net::awaitable<Result<Scale>> read_scale(RestClient& c) {
  ResourceRef ref = resources::deployments().in("web");
  std::string name = "api";
  co_return co_await get_scale(c, std::move(ref), std::move(name));
}

TEST_CASE("scale helpers read and set replicas through the scale subresource", "[unit][kube][rest]") {
  test::FakeRestClient api;
  const ResourceRef ref = resources::deployments().in("web");
  api.put_object(ref,
                 json{{"kind", "Scale"},
                      {"apiVersion", "autoscaling/v1"},
                      {"metadata", {{"name", "api"}}},
                      {"spec", {{"replicas", 2}}},
                      {"status", {{"replicas", 2}, {"selector", "app=api"}}}},
                 "scale");
  auto s = test::run_coro(read_scale(api));
  REQUIRE(s);
  CHECK(s->spec_replicas == 2);
  CHECK(s->status_selector == "app=api");

  api.fail_next("update", make_error(Errc::Conflict, "modified"));
  auto set = test::run_coro(scale_to(api, 5));
  REQUIRE(set);
  CHECK(set->spec_replicas == 5);
  CHECK(api.count("update") == 2);
  CHECK(api.calls().back().subresource == "scale");

  REQUIRE(test::run_coro(scale_to(api, 5)));
  CHECK(api.count("update") == 2);  // already 5: no write

  api.fail_next("get", make_error(Errc::NotFound, "deployments.apps \"api\" not found"));
  auto missing = test::run_coro(read_scale(api));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::NotFound);
}

TEST_CASE("from_config rejects a bad server URL", "[unit][kube][rest]") {
  test::ManualClock clock;
  RestConfig c;
  c.server = "ftp://x";
  c.source = "test";
  CHECK_THROWS_AS(HttpsRestClient::from_config(c, clock), std::runtime_error);
  c.server = "http://127.0.0.1:1";
  CHECK(HttpsRestClient::from_config(c, clock) != nullptr);
}

}  // namespace
}  // namespace fedmetrics::kube
