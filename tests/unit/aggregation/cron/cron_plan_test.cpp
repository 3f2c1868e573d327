#include "aggregation/cron/cron_plan.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "tests/support/catch_result.hpp"
#include "tests/unit/aggregation/cron/cron_test_util.hpp"

using namespace fedmetrics;
using namespace fedmetrics::cron;
using cron::test::at;
using nlohmann::json;

namespace {

CronFederatedHpa object(const std::string& rules, const std::string& target_name = "web") {
  auto c = decode_cron_federated_hpa(json::parse(R"({"metadata": {"name": "c", "namespace": "ns"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": ")" + target_name +
                                                R"("}, "rules": )" + rules + "}}"));
  REQUIRE(c);
  return *c;
}

const char* kTwoRules = R"([{"name": "every-minute", "schedule": "* * * * *", "targetReplicas": 2, "timeZone": "UTC"},
                           {"name": "hourly", "schedule": "@hourly", "targetReplicas": 3, "timeZone": "UTC"}])";

}  // namespace

TEST_CASE("the plan runs each rule at its instants, in time order across rules", "[unit][cron][plan]") {
  CronPlan plan(cron::test::system_zones());
  CHECK(plan.apply(object(kTwoRules), at("2024-05-01T09:58:30Z")).empty());
  CHECK(plan.planned() == 2);
  CHECK(plan.next_wakeup() == at("2024-05-01T09:59:00Z"));
  CHECK(plan.take_due(at("2024-05-01T09:58:59Z")).empty());
  auto due = plan.take_due(at("2024-05-01T09:59:00Z"));
  REQUIRE(due.size() == 1);
  CHECK(due[0].key == "ns/c");
  CHECK(due[0].rule.name == "every-minute");
  CHECK(due[0].scheduled == at("2024-05-01T09:59:00Z"));
  CHECK(due[0].next == at("2024-05-01T10:00:00Z"));
  due = plan.take_due(at("2024-05-01T10:00:01Z"));  // both rules at 10:00
  REQUIRE(due.size() == 2);
  CHECK(due[0].scheduled == at("2024-05-01T10:00:00Z"));
  CHECK(due[1].scheduled == at("2024-05-01T10:00:00Z"));
  CHECK(plan.next_of("ns/c", "hourly") == at("2024-05-01T11:00:00Z"));
  CHECK(plan.next_of(object(kTwoRules)) ==
        std::vector<std::optional<Seconds>>{at("2024-05-01T10:01:00Z"), at("2024-05-01T11:00:00Z")});
}

TEST_CASE("a late run keeps the schedule, and a stall runs a rule once, for its latest instant",
          "[unit][cron][plan]") {
  CronPlan plan(cron::test::system_zones());
  plan.apply(object(kTwoRules), at("2024-05-01T09:58:30Z"));
  auto due = plan.take_due(at("2024-05-01T09:59:20Z"));  // 20 s late
  REQUIRE(due.size() == 1);
  CHECK(due[0].scheduled == at("2024-05-01T09:59:00Z"));
  CHECK(plan.next_of("ns/c", "every-minute") == at("2024-05-01T10:00:00Z"));
  due = plan.take_due(at("2024-05-01T10:03:30Z"));  // stalled over 10:00, 10:01, 10:02, 10:03
  REQUIRE(due.size() == 2);
  CHECK(due[0].rule.name == "every-minute");
  CHECK(due[0].scheduled == at("2024-05-01T10:03:00Z"));
  CHECK(due[0].next == at("2024-05-01T10:04:00Z"));
  CHECK(due[1].rule.name == "hourly");
  CHECK(due[1].scheduled == at("2024-05-01T10:00:00Z"));
}

TEST_CASE("re-applying keeps unchanged rules' times, and changed rules and a new target start from now",
          "[unit][cron][plan]") {
  CronPlan plan(cron::test::system_zones());
  const char* daily = R"([{"name": "a", "schedule": "0 8 * * *", "targetReplicas": 2, "timeZone": "UTC"},
                          {"name": "b", "schedule": "0 9 * * *", "targetReplicas": 2, "timeZone": "UTC"}])";
  plan.apply(object(daily), at("2024-05-01T07:00:00Z"));
  CHECK(plan.next_of("ns/c", "a") == at("2024-05-01T08:00:00Z"));
  // Re-applied after 08:00 passed without running (e.g. the object changed): "a" keeps 08:00, still due.
  const char* changed_b = R"([{"name": "a", "schedule": "0 8 * * *", "targetReplicas": 2, "timeZone": "UTC"},
                              {"name": "b", "schedule": "0 9 * * *", "targetReplicas": 5, "timeZone": "UTC"}])";
  plan.apply(object(changed_b), at("2024-05-01T09:30:00Z"));
  CHECK(plan.next_of("ns/c", "a") == at("2024-05-01T08:00:00Z"));
  CHECK(plan.next_of("ns/c", "b") == at("2024-05-02T09:00:00Z"));  // changed: from now, 09:00 missed
  plan.apply(object(changed_b, "other"), at("2024-05-01T09:30:00Z"));
  CHECK(plan.next_of("ns/c", "a") == at("2024-05-02T08:00:00Z"));  // new target: everything from now
  // Rules dropped from the spec are forgotten; suspended rules have no next execution.
  plan.apply(object(R"([{"name": "b", "schedule": "0 9 * * *", "targetReplicas": 5, "timeZone": "UTC",
                         "suspend": true}])", "other"), at("2024-05-01T09:30:00Z"));
  CHECK(!plan.next_of("ns/c", "a"));
  CHECK(!plan.next_of("ns/c", "b"));
  CHECK(plan.planned() == 0);
  CHECK(!plan.next_wakeup());
}

TEST_CASE("no catch-up after a restart, and invalid objects and removed objects are not planned",
          "[unit][cron][plan]") {
  CronPlan plan(cron::test::system_zones());
  // A new plan (a restart, a new owner) at 08:00:30 does not run the 08:00 execution.
  plan.apply(object(R"([{"name": "a", "schedule": "0 8 * * *", "targetReplicas": 2, "timeZone": "UTC"}])"),
             at("2024-05-01T08:00:30Z"));
  CHECK(plan.next_of("ns/c", "a") == at("2024-05-02T08:00:00Z"));
  CHECK(plan.take_due(at("2024-05-01T08:00:31Z")).empty());
  const auto problems =
      plan.apply(object(R"([{"name": "a", "schedule": "0 8 * *", "targetReplicas": 2}])"), at("2024-05-01T09:00:00Z"));
  CHECK(problems.size() == 1);
  CHECK(plan.objects() == 0);
  CHECK(plan.planned() == 0);
  plan.apply(object(kTwoRules), at("2024-05-01T09:00:00Z"));
  CHECK(plan.planned() == 2);
  plan.remove("ns/c");
  CHECK(plan.planned() == 0);
  plan.apply(object(kTwoRules), at("2024-05-01T09:00:00Z"));
  plan.clear();
  CHECK(!plan.next_wakeup());
  // A schedule without an execution in five years is planned without a next time.
  plan.apply(object(R"([{"name": "feb30", "schedule": "0 0 30 2 *", "targetReplicas": 1, "timeZone": "UTC"}])"),
             at("2024-05-01T09:00:00Z"));
  CHECK(plan.objects() == 1);
  CHECK(plan.planned() == 0);
}
