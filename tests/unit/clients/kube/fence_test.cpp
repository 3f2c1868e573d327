#include "clients/kube/fence.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "clients/kube/ownership.hpp"
#include "clients/kube/scale.hpp"
#include "tests/fakes/fake_rest_client.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/run_coro.hpp"

using namespace fedmetrics;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const kube::ResourceRef kDeployments = kube::resources::deployments().in("default");

json scale_object(int replicas) {
  return {{"apiVersion", "autoscaling/v1"}, {"kind", "Scale"},
          {"metadata", {{"name", "web"}, {"namespace", "default"}}}, {"spec", {{"replicas", replicas}}}};
}

kube::Scale read_scale(test::FakeRestClient& api) {
  auto s = test::run_coro(kube::get_scale(api, kDeployments, "web"));
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE("a fence is held until revoked or past its expiry, and never revives", "[unit][kube][fence]") {
  test::ManualClock clock;
  kube::Fence fence("lease ns/l", clock);
  CHECK(fence.held());
  CHECK(fence.remaining() == std::chrono::steady_clock::duration::max());
  fence.hold_until(clock.steady_now() + 10s);
  CHECK(fence.held());
  clock.advance(9s);
  CHECK(fence.held());
  CHECK(fence.remaining() == std::chrono::steady_clock::duration(1s));
  clock.advance(1s);
  CHECK_FALSE(fence.held());  // the renew deadline passed without a renewal
  fence.hold_until(clock.steady_now() + 10s);
  CHECK(fence.held());  // renewed
  fence.revoke();
  CHECK_FALSE(fence.held());
  fence.hold_until(clock.steady_now() + 10s);
  CHECK_FALSE(fence.held());
}

TEST_CASE("revoked() completes when the fence is revoked, also when already revoked", "[unit][kube][fence]") {
  test::ManualClock clock;
  auto fence = std::make_shared<kube::Fence>("f", clock);
  net::io_context ioc;
  bool done = false;
  net::co_spawn(
      ioc, [](kube::FencePtr f, bool* flag) -> net::awaitable<void> {
        co_await f->revoked();
        *flag = true;
      }(fence, &done),
      net::detached);
  ioc.poll();
  CHECK_FALSE(done);
  fence->revoke();
  ioc.poll();
  CHECK(done);
  CHECK(test::run_coro([](kube::FencePtr f) -> net::awaitable<bool> {
    co_await f->revoked();
    co_return true;
  }(fence)));
}

TEST_CASE("a fenced write is never sent once the fence is gone", "[unit][kube][fence]") {
  test::ManualClock clock;
  test::FakeRestClient api;
  api.put_object(kDeployments, scale_object(2), "scale");
  auto fence = std::make_shared<kube::Fence>("lease ns/l", clock);
  kube::FencedWriter writer(api, fence);
  const auto scale = read_scale(api);
  fence->revoke();
  auto r = test::run_coro(writer.update_scale(kDeployments, "web", scale, 5));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Cancelled);
  CHECK(r.error().message.find("lease ns/l is no longer held") != std::string::npos);
  auto e = test::run_coro(writer.create(kube::resources::events().in("default"), json{{"metadata", {{"name", "e"}}}}));
  CHECK_FALSE(e);
  CHECK(api.count("update") == 0);
  CHECK(api.count("create") == 0);

  // Expired (not renewed in time) is the same as revoked.
  auto expired = std::make_shared<kube::Fence>("lease ns/l", clock);
  expired->hold_until(clock.steady_now() + 1s);
  clock.advance(2s);
  kube::FencedWriter late(api, expired);
  CHECK_FALSE(test::run_coro(late.update_scale(kDeployments, "web", scale, 5)));
  CHECK(api.count("update") == 0);
}

TEST_CASE("a fenced scale write is conditional on the version read: Conflict, no retry", "[unit][kube][fence]") {
  test::ManualClock clock;
  test::FakeRestClient api;
  api.put_object(kDeployments, scale_object(2), "scale");
  kube::FencedWriter writer(api, std::make_shared<kube::Fence>("f", clock));
  const auto scale = read_scale(api);
  api.put_object(kDeployments, scale_object(3), "scale");  // someone else wrote in between
  auto r = test::run_coro(writer.update_scale(kDeployments, "web", scale, 5));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Conflict);
  CHECK(api.count("update") == 1);
  CHECK(api.count("get") == 1);  // not re-read
  CHECK(api.object(kDeployments, "web", "scale").value()["spec"]["replicas"] == 3);

  const auto fresh = read_scale(api);
  auto w = test::run_coro(writer.update_scale(kDeployments, "web", fresh, 5));
  REQUIRE(w);
  CHECK(w->spec_replicas == 5);
}

TEST_CASE("a fenced merge patch carries the version read as a precondition", "[unit][kube][fence]") {
  test::ManualClock clock;
  test::FakeRestClient api;
  const auto ref = kube::resources::deployments().in("default");
  api.put_object(ref, json{{"metadata", {{"name", "web"}}}});
  const std::string rv = api.object(ref, "web").value()["metadata"]["resourceVersion"];
  kube::FencedWriter writer(api, std::make_shared<kube::Fence>("f", clock));
  const json patch = {{"metadata", {{"annotations", {{"a", "1"}}}}}};
  auto ok = test::run_coro(writer.merge_patch(ref, "web", "", rv, patch));
  REQUIRE(ok);
  CHECK((*ok)["metadata"]["annotations"]["a"] == "1");
  auto stale = test::run_coro(writer.merge_patch(ref, "web", "", rv, patch));  // rv is now superseded
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == Errc::Conflict);
  auto none = test::run_coro(writer.merge_patch(ref, "web", "", "", patch));
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::InvalidArgument);
}

TEST_CASE("whole ownership grants one fence for every object and tells its listeners", "[unit][kube][fence]") {
  test::ManualClock clock;
  kube::WholeOwnership ownership("leader lease ns/l", clock);
  int changes = 0;
  ownership.on_change([&] { ++changes; });
  CHECK(ownership.fence_for("a", "b") == nullptr);
  auto first = ownership.grant();
  CHECK(ownership.fence_for("a", "b") == first);
  CHECK(ownership.fence_for("c", "d") == first);
  auto second = ownership.grant();  // re-acquired: the old fence is dead for good
  CHECK_FALSE(first->held());
  CHECK(ownership.fence_for("a", "b") == second);
  second->hold_until(clock.steady_now() + 1s);
  clock.advance(1s);
  CHECK(ownership.fence_for("a", "b") == nullptr);  // expired without renewal
  ownership.revoke();
  CHECK_FALSE(second->held());
  CHECK(changes == 3);
}
