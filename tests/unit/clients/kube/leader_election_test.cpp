#include "clients/kube/leader_elector.hpp"

#include <catch2/catch.hpp>

#include "tests/fakes/fake_rest_client.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/run_coro.hpp"

namespace fedmetrics::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

LeaderElectionConfig config(std::string identity = "me") {
  LeaderElectionConfig c;
  c.lease_namespace = "karmada-system";
  c.lease_name = "fedmetrics";
  c.identity = std::move(identity);
  return c;
}

const SteadyTime kT0{std::chrono::hours(10)};
const auto kWall = std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'000));

Lease lease(std::string holder, int transitions = 0, std::string rv = "7") {
  Lease l;
  l.metadata.name = "fedmetrics";
  l.metadata.namespace_name = "karmada-system";
  l.metadata.resource_version = std::move(rv);
  l.spec.holder_identity = std::move(holder);
  l.spec.lease_duration_seconds = 15;
  l.spec.acquire_time = kWall - 100s;
  l.spec.renew_time = kWall - 1s;
  l.spec.lease_transitions = transitions;
  return l;
}

TEST_CASE("leader election config validation follows client-go", "[unit][kube][leader]") {
  CHECK(validate(config()));
  auto c = config();
  c.renew_deadline = 15s;
  CHECK_FALSE(validate(c));
  c = config();
  c.retry_period = 9s;  // 1.2 x 9 > 10
  CHECK_FALSE(validate(c));
  c = config("");
  c.lease_name.clear();
  auto v = validate(c);
  REQUIRE_FALSE(v);
  CHECK(v.error().message == "leader election: lease name is empty; identity is empty");
  CHECK(config().lease_duration == 15s);
  CHECK(config().renew_deadline == 10s);
  CHECK(config().retry_period == 2s);
}

TEST_CASE("lease decision table", "[unit][kube][leader]") {
  struct Row {
    const char* what;
    std::optional<Lease> current;
    std::optional<LeaseSpec> observed;    // state before
    std::chrono::seconds observed_ago;    // state.observed_at = now - this
    LeaseAction action;
    int transitions;                      // desired.lease_transitions
  };
  const LeaseSpec other_spec = lease("other", 4).spec;
  const std::vector<Row> rows = {
      {"no lease: create", std::nullopt, std::nullopt, 0s, LeaseAction::Create, 0},
      {"held by other, first seen now: wait", lease("other", 4), std::nullopt, 0s, LeaseAction::Wait, 4},
      {"held by other, unchanged for 14 s: wait", lease("other", 4), other_spec, 14s, LeaseAction::Wait, 4},
      {"held by other, unchanged for 15 s: acquire", lease("other", 4), other_spec, 15s, LeaseAction::Acquire, 5},
      {"released (empty holder): acquire", lease("", 4), std::nullopt, 0s, LeaseAction::Acquire, 5},
      {"ours: renew, keep transitions", lease("me", 4), std::nullopt, 0s, LeaseAction::Renew, 4},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    ElectorState state;
    const auto now = kT0 + 100s;
    state.observed = row.observed;
    state.observed_at = now - row.observed_ago;
    const auto d = decide_lease(state, row.current, now, kWall, config());
    CHECK(d.action == row.action);
    CHECK(d.desired.lease_transitions == row.transitions);
    if (d.action != LeaseAction::Wait) {
      CHECK(d.desired.holder_identity == "me");
      CHECK(d.desired.lease_duration_seconds == 15);
      CHECK(d.desired.renew_time == kWall);
    }
    if (d.action == LeaseAction::Renew) CHECK(d.desired.acquire_time == kWall - 100s);
    if (d.action == LeaseAction::Acquire || d.action == LeaseAction::Create) CHECK(d.desired.acquire_time == kWall);
  }
}

TEST_CASE("expiry is judged on the local clock from when the record last changed", "[unit][kube][leader]") {
  ElectorState state;
  const auto cfg = config();
  // First seen at T0: held.
  CHECK(decide_lease(state, lease("other", 1, "7"), kT0, kWall, cfg).action == LeaseAction::Wait);
  // 10 s later the holder renewed (spec changed): the clock restarts.
  Lease renewed = lease("other", 1, "8");
  renewed.spec.renew_time = kWall + 10s;
  CHECK(decide_lease(state, renewed, kT0 + 10s, kWall, cfg).action == LeaseAction::Wait);
  CHECK(state.observed_at == kT0 + 10s);
  // 14 s after that, unchanged: still held, even though T0 + 15 s has passed.
  CHECK(decide_lease(state, renewed, kT0 + 24s, kWall, cfg).action == LeaseAction::Wait);
  // 15 s after the change: expired.
  CHECK(decide_lease(state, renewed, kT0 + 25s, kWall, cfg).action == LeaseAction::Acquire);
}

TEST_CASE("a leader stops at the renew deadline, before others may acquire", "[unit][kube][leader]") {
  const auto cfg = config();
  ElectorState leader;
  CHECK(record_write(leader, lease("me"), kT0));  // became leader at T0
  CHECK_FALSE(record_write(leader, lease("me"), kT0 + 2s));  // renewal: not a new start
  CHECK_FALSE(renew_deadline_passed(leader, kT0 + 11s, cfg));
  CHECK(renew_deadline_passed(leader, kT0 + 12s, cfg));

  // Another replica that saw the T0+2s renewal the moment it happened cannot acquire before T0+17s.
  ElectorState other;
  const auto other_cfg = config("other");
  CHECK(decide_lease(other, lease("me"), kT0 + 2s, kWall, other_cfg).action == LeaseAction::Wait);
  CHECK(decide_lease(other, lease("me"), kT0 + 16s, kWall, other_cfg).action == LeaseAction::Wait);
  CHECK(decide_lease(other, lease("me"), kT0 + 17s, kWall, other_cfg).action == LeaseAction::Acquire);
  // The leader stopped at T0+12s < T0+17s.
}

struct ElectorFixture {
  test::FakeRestClient api;
  test::ManualClock clock;
  int started = 0;
  int stopped = 0;
  std::vector<std::string> leaders;
  std::vector<SteadyTime> renewals;
  LeaderElector elector{api, clock, config(),
                        LeaderCallbacks{[this] { ++started; }, [this] { ++stopped; },
                                        [this](const std::string& l) { leaders.push_back(l); },
                                        [this](SteadyTime t) { renewals.push_back(t); }}};
  const ResourceRef ref = resources::leases().in("karmada-system");

  Result<bool> step() { return test::run_coro(elector.try_acquire_or_renew()); }
  Lease stored() { return decode<Lease>(api.object(ref, "fedmetrics").value()).value(); }
};

TEST_CASE("elector creates the lease and renews it", "[unit][kube][leader]") {
  ElectorFixture f;
  auto r = f.step();
  REQUIRE(r);
  CHECK(*r);
  CHECK(f.elector.is_leader());
  CHECK(f.started == 1);
  CHECK(f.api.count("create") == 1);
  auto l = f.stored();
  CHECK(l.spec.holder_identity == "me");
  CHECK(l.spec.lease_duration_seconds == 15);
  CHECK(l.spec.lease_transitions == 0);
  CHECK(l.spec.renew_time == std::chrono::time_point_cast<std::chrono::microseconds>(f.clock.system_now()));

  f.clock.advance(2s);
  r = f.step();
  REQUIRE(r);
  CHECK(*r);
  CHECK(f.started == 1);
  CHECK(f.api.count("update") == 1);
  CHECK(f.stored().spec.renew_time == std::chrono::time_point_cast<std::chrono::microseconds>(f.clock.system_now()));
  CHECK(f.leaders == std::vector<std::string>{"me"});
  // Each successful write is reported with its local time (a fence holds until it + renew_deadline).
  REQUIRE(f.renewals.size() == 2);
  CHECK(f.renewals[1] - f.renewals[0] == std::chrono::steady_clock::duration(2s));
}

TEST_CASE("elector waits while another replica holds the lease, then takes it over", "[unit][kube][leader]") {
  ElectorFixture f;
  json held = lease("other", 2);
  f.api.put_object(f.ref, held);
  auto r = f.step();
  REQUIRE(r);
  CHECK_FALSE(*r);
  CHECK(f.elector.leader() == "other");
  f.clock.advance(14s);
  CHECK_FALSE(f.step().value());
  f.clock.advance(1s);
  CHECK(f.step().value());
  CHECK(f.started == 1);
  auto l = f.stored();
  CHECK(l.spec.holder_identity == "me");
  CHECK(l.spec.lease_transitions == 3);
  CHECK(f.leaders == std::vector<std::string>{"other", "me"});
}

TEST_CASE("elector loses a write race with a Conflict and retries next time", "[unit][kube][leader]") {
  ElectorFixture f;
  f.api.put_object(f.ref, lease(""));
  f.api.fail_next("update", make_error(Errc::Conflict, "the object has been modified"));
  auto r = f.step();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::Conflict);
  CHECK_FALSE(f.elector.is_leader());
  CHECK(f.step().value());
}

TEST_CASE("elector stops leading when renewals fail past the renew deadline", "[unit][kube][leader]") {
  ElectorFixture f;
  REQUIRE(f.step().value());
  for (int i = 0; i < 4; ++i) {
    f.clock.advance(2s);
    f.api.fail_next("get", make_error(Errc::Unavailable, "apiserver down"));
    CHECK_FALSE(f.step());
    CHECK(f.elector.is_leader());  // 8 s without renewal: still within the 10 s deadline
  }
  f.clock.advance(2s);
  f.api.fail_next("get", make_error(Errc::Unavailable, "apiserver down"));
  CHECK_FALSE(f.step());
  CHECK_FALSE(f.elector.is_leader());
  CHECK(f.stopped == 1);
}

TEST_CASE("elector stops at once when another holder appears", "[unit][kube][leader]") {
  ElectorFixture f;
  REQUIRE(f.step().value());
  f.api.put_object(f.ref, lease("usurper", 1));
  CHECK_FALSE(f.step().value());
  CHECK_FALSE(f.elector.is_leader());
  CHECK(f.stopped == 1);
}

TEST_CASE("release hands the lease over", "[unit][kube][leader]") {
  ElectorFixture f;
  REQUIRE(f.step().value());
  REQUIRE(test::run_coro(f.elector.release()));
  CHECK_FALSE(f.elector.is_leader());
  CHECK(f.stopped == 1);
  auto l = f.stored();
  CHECK(l.spec.holder_identity.empty());
  CHECK(l.spec.lease_duration_seconds == 1);
  // Another replica can take it at once.
  ElectorState other;
  CHECK(decide_lease(other, l, f.clock.steady_now(), kWall, config("other")).action == LeaseAction::Acquire);
}

TEST_CASE("elector rejects an invalid configuration at construction", "[unit][kube][leader]") {
  test::FakeRestClient api;
  test::ManualClock clock;
  auto c = config();
  c.renew_deadline = 20s;
  CHECK_THROWS_AS(LeaderElector(api, clock, c, {}), std::invalid_argument);
}

}  // namespace
}  // namespace fedmetrics::kube
