#include "aggregation/cron/cron_controller.hpp"

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>

#include "aggregation/cron/cron_federated_hpa.hpp"
#include "aggregation/fhpa/federated_hpa_object.hpp"
#include "tests/fakes/fake_rest_client.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/catch_result.hpp"

using namespace fedmetrics;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const kube::ResourceRef kCrons = cron::cron_federated_hpas().in("default");
const kube::ResourceRef kFhpas = fhpa::federated_hpas().in("default");
const kube::ResourceRef kDeployments = kube::resources::deployments().in("default");

json cron_object(const std::string& target, const std::string& rules) {
  return json::parse(R"({"apiVersion": "autoscaling.karmada.io/v1alpha1", "kind": "CronFederatedHPA",
    "metadata": {"name": "c", "namespace": "default", "uid": "u-c", "generation": 1},
    "spec": {"scaleTargetRef": )" + target + R"(, "rules": )" + rules + "}}");
}

const char* kDeployment = R"({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"})";
const char* kFhpa = R"({"apiVersion": "autoscaling.karmada.io/v1alpha1", "kind": "FederatedHPA", "name": "web"})";

// The manual clock starts at 2026-09-21T14:13:20Z (Unix 1790000000): the next minute is 40 s away.
constexpr auto kToMinute = 40s;

struct World {
  test::FakeRestClient api;
  test::ManualClock clock;
  kube::WholeOwnership ownership{"test lease", clock};
  prometheus::Registry registry;
  cron::ZoneDatabase zones;
  net::io_context ioc;
  std::unique_ptr<cron::CronFederatedHpaController> controller;

  explicit World(const json& object) {
    api.put_object(kCrons, object);
    api.put_object(kDeployments, json{{"metadata", {{"name", "web"}}}, {"spec", json::object()}}, "scale");
    api.put_object(kFhpas, json::parse(R"({"metadata": {"name": "web"}, "spec": {"minReplicas": 1, "maxReplicas": 10}})"));
    cron::CronControllerOptions options;
    options.max_sleep = 5ms;  // the loop re-reads the manual clock often
    controller = std::make_unique<cron::CronFederatedHpaController>(ioc.get_executor(), api, ownership, zones, clock,
                                                                    registry, options);
  }

  void start(bool leading = true) {
    if (leading) ownership.grant();
    controller->start();
  }
  // Runs the io_context until `done` holds (at most 5 s of real time).
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(5ms);
    return done();
  }
  void finish() {
    controller->stop();
    ioc.run_for(30ms);
  }
  json status() const { return api.object(kCrons, "c").value().value("status", json::object()); }
  std::vector<std::string> event_reasons() const {
    std::vector<std::string> out;
    for (const auto& c : api.calls()) {
      if (c.verb == "create" && c.ref.resource == "events") out.push_back(c.body["reason"]);
    }
    return out;
  }
  bool planned() const {
    const json s = status();
    return s.contains("executionHistories") && !s["executionHistories"].empty() &&
           s["executionHistories"][0].contains("nextExecutionTime");
  }
};

}  // namespace

TEST_CASE("a rule runs at its instant: the workload's scale from zero, then the execution in status",
          "[unit][cron][controller]") {
  World w(cron_object(kDeployment, R"([{"name": "up", "schedule": "* * * * *", "targetReplicas": 3, "timeZone": "UTC"}])"));
  w.start();
  REQUIRE(w.run_until([&] { return w.planned(); }));
  const json planned = w.status();
  CHECK(planned["executionHistories"][0]["nextExecutionTime"] == "2026-09-21T14:14:00Z");
  CHECK(planned["conditions"][0]["type"] == "Valid");
  CHECK(planned["conditions"][0]["status"] == "True");
  CHECK(w.controller->executions() == 0);
  w.ioc.run_for(30ms);
  CHECK(w.controller->executions() == 0);  // not before the instant

  w.clock.advance(kToMinute);
  REQUIRE(w.run_until([&] { return w.status()["executionHistories"][0].contains("successfulExecutions"); }));
  w.finish();
  CHECK(w.controller->executions() == 1);
  CHECK(w.api.object(kDeployments, "web/scale").value()["spec"]["replicas"] == 3);
  const json h = w.status()["executionHistories"][0];
  CHECK(h["successfulExecutions"][0]["scheduleTime"] == "2026-09-21T14:14:00Z");
  CHECK(h["successfulExecutions"][0]["executionTime"] == "2026-09-21T14:14:00.000000Z");
  CHECK(h["successfulExecutions"][0]["appliedReplicas"] == 3);
  CHECK(h["nextExecutionTime"] == "2026-09-21T14:15:00Z");
  CHECK(w.event_reasons().empty());
}

TEST_CASE("a FederatedHPA target gets the rule's bounds, and a Conflict is retried on a fresh read",
          "[unit][cron][controller]") {
  World w(cron_object(kFhpa, R"([{"name": "peak", "schedule": "* * * * *", "targetMinReplicas": 4,
                                   "targetMaxReplicas": 8, "timeZone": "UTC"}])"));
  w.start();
  REQUIRE(w.run_until([&] { return w.planned(); }));
  w.api.fail_next("update", make_error(Errc::Conflict, "the object has been modified"));
  w.clock.advance(kToMinute);
  REQUIRE(w.run_until([&] { return w.status()["executionHistories"][0].contains("successfulExecutions"); }));
  w.finish();
  const json spec = w.api.object(kFhpas, "web").value()["spec"];
  CHECK(spec["minReplicas"] == 4);
  CHECK(spec["maxReplicas"] == 8);
  const json run = w.status()["executionHistories"][0]["successfulExecutions"][0];
  CHECK(run["appliedMinReplicas"] == 4);
  CHECK(run["appliedMaxReplicas"] == 8);
}

TEST_CASE("a failed write is a failed execution with a ScaleFailed event", "[unit][cron][controller]") {
  World w(cron_object(kDeployment, R"([{"name": "up", "schedule": "* * * * *", "targetReplicas": 3, "timeZone": "UTC"}])"));
  w.start();
  REQUIRE(w.run_until([&] { return w.planned(); }));
  w.api.fail_next("update", make_error(Errc::Forbidden, "deployments.apps \"web\" is forbidden"));
  w.clock.advance(kToMinute);
  REQUIRE(w.run_until([&] { return w.status()["executionHistories"][0].contains("failedExecutions"); }));
  w.finish();
  const json failed = w.status()["executionHistories"][0]["failedExecutions"][0];
  CHECK(failed["scheduleTime"] == "2026-09-21T14:14:00Z");
  CHECK(failed["message"].get<std::string>().find("forbidden") != std::string::npos);
  CHECK(w.event_reasons() == std::vector<std::string>{"ScaleFailed"});
}

TEST_CASE("an invalid object is reported and never runs", "[unit][cron][controller]") {
  World w(cron_object(kDeployment, R"([{"name": "up", "schedule": "@every 1m", "targetReplicas": 3}])"));
  w.start();
  REQUIRE(w.run_until([&] { return w.status().contains("conditions"); }));
  w.clock.advance(kToMinute);
  w.ioc.run_for(50ms);
  w.finish();
  const json c = w.status()["conditions"][0];
  CHECK(c["status"] == "False");
  CHECK(c["reason"] == "InvalidSpec");
  CHECK(c["message"].get<std::string>().find("invalid cron format") != std::string::npos);
  CHECK(!w.status()["executionHistories"][0].contains("nextExecutionTime"));
  CHECK(w.controller->executions() == 0);
  CHECK(w.event_reasons() == std::vector<std::string>{"InvalidSpec"});
}

TEST_CASE("a replica that does not lead plans and writes nothing, and leading plans from then on",
          "[unit][cron][controller]") {
  World w(cron_object(kDeployment, R"([{"name": "up", "schedule": "* * * * *", "targetReplicas": 3, "timeZone": "UTC"}])"));
  w.start(/*leading=*/false);
  w.ioc.run_for(50ms);
  w.clock.advance(kToMinute);
  w.ioc.run_for(50ms);
  CHECK(w.controller->executions() == 0);
  for (const auto& c : w.api.calls()) {
    CHECK((c.verb == "list" || c.verb == "watch" || c.verb == "get"));
  }
  // Leading now (14:14:00): the 14:14 instant is not caught up; the next is 14:15.
  w.ownership.grant();
  REQUIRE(w.run_until([&] { return w.planned(); }));
  w.finish();
  CHECK(w.status()["executionHistories"][0]["nextExecutionTime"] == "2026-09-21T14:15:00Z");
  CHECK(w.controller->executions() == 0);
}

TEST_CASE("a lease not renewed in time stops a rule's writes before this replica learns it lost the lease",
          "[unit][cron][controller]") {
  World w(cron_object(kDeployment, R"([{"name": "up", "schedule": "* * * * *", "targetReplicas": 3, "timeZone": "UTC"}])"));
  // The lease holder granted the fence until its renew deadline, 10 s from now, and then stalled.
  kube::FencePtr fence = w.ownership.grant();
  fence->hold_until(w.clock.steady_now() + 10s);
  w.start(/*leading=*/false);
  REQUIRE(w.run_until([&] { return w.planned(); }));
  const std::size_t calls_before = w.api.calls().size();
  w.clock.advance(kToMinute);  // the rule's instant, 30 s after the fence expired; not revoked yet
  w.ioc.run_for(100ms);
  w.finish();
  CHECK(w.controller->executions() == 0);
  CHECK(!w.api.object(kDeployments, "web/scale").value()["spec"].contains("replicas"));
  for (std::size_t i = calls_before; i < w.api.calls().size(); ++i) {
    const auto& c = w.api.calls()[i];
    CHECK((c.verb == "list" || c.verb == "watch" || c.verb == "get"));
  }
}

TEST_CASE("losing ownership forgets the plan: the instant passes without an execution",
          "[unit][cron][controller]") {
  World w(cron_object(kDeployment, R"([{"name": "up", "schedule": "* * * * *", "targetReplicas": 3, "timeZone": "UTC"}])"));
  w.start();
  REQUIRE(w.run_until([&] { return w.planned(); }));
  w.ownership.revoke();
  w.ioc.run_for(50ms);
  w.clock.advance(kToMinute);
  w.ioc.run_for(100ms);
  w.finish();
  CHECK(w.controller->executions() == 0);
  CHECK(!w.api.object(kDeployments, "web/scale").value()["spec"].contains("replicas"));
}
