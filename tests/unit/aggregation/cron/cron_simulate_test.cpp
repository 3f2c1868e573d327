#include "aggregation/cron/cron_simulate.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

using namespace fedmetrics;
using namespace fedmetrics::cron;
using nlohmann::json;

namespace {

struct Run {
  bool ok;
  json line;
  std::string err;
};

Run run(const std::string& scenario) {
  static const ZoneDatabase zones;
  std::ostringstream out, err;
  const bool ok = run_cron_scenario(json::parse(scenario), "line 1", zones, out, err);
  return {ok, ok ? json::parse(out.str()) : json(), err.str()};
}

std::vector<std::string> local_times(const json& line) {
  std::vector<std::string> out;
  for (const auto& e : line.at("executions")) out.push_back(e.at("localTime").get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("simulate lists a rule's executions across a DST change, in the rule's zone", "[unit][cron][simulate]") {
  const auto r = run(R"({"id": "berlin", "cron": {"from": "2024-10-26T00:00:00Z", "to": "2024-10-28T00:00:00Z",
      "rules": [{"name": "night", "schedule": "30 2 * * *", "targetReplicas": 1, "timeZone": "Europe/Berlin"}]}})");
  REQUIRE(r.ok);
  CHECK(r.err.empty());
  CHECK(r.line.at("id") == "berlin");
  CHECK(r.line.at("kind") == "cron");
  CHECK(r.line.at("valid") == true);
  CHECK(local_times(r.line) == std::vector<std::string>{"2024-10-26T02:30:00+02:00", "2024-10-27T02:30:00+02:00",
                                                        "2024-10-27T02:30:00+01:00"});
  CHECK(r.line.at("executions")[1].at("scheduleTime") == "2024-10-27T00:30:00Z");
  CHECK(r.line.at("executions")[1].at("targetReplicas") == 1);
  CHECK(r.line.at("rules")[0].at("canonical") == "30 2 * * *");
}

TEST_CASE("simulate merges rules in time order, skips suspended ones, and truncates at the limit",
          "[unit][cron][simulate]") {
  const auto r = run(R"({"cron": {"from": 1717200000, "to": "2024-06-04T00:00:00Z", "timeZone": "UTC", "limit": 4,
      "rules": [{"name": "up", "schedule": "0 8 * * *", "targetMinReplicas": 4},
                {"name": "down", "schedule": "0 20 * * *", "targetMinReplicas": 1, "targetMaxReplicas": 5},
                {"name": "off", "schedule": "* * * * *", "targetMinReplicas": 1, "suspend": true}]}})");
  REQUIRE(r.ok);
  CHECK(local_times(r.line) == std::vector<std::string>{"2024-06-01T08:00:00Z", "2024-06-01T20:00:00Z",
                                                        "2024-06-02T08:00:00Z", "2024-06-02T20:00:00Z"});
  CHECK(r.line.at("truncated") == true);
  CHECK(r.line.at("executions")[1].at("targetMaxReplicas") == 5);
  CHECK(r.line.at("valid") == true);  // targetMin/Max: the target defaults to a FederatedHPA
}

TEST_CASE("simulate reports what the webhook would deny, and still lists the valid rules' runs",
          "[unit][cron][simulate]") {
  const auto r = run(R"({"cron": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-01T03:00:00Z",
      "cronFederatedHPA": {"metadata": {"name": "c"}, "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "rules": [{"name": "a", "schedule": "0 * * * *", "targetReplicas": 2, "timeZone": "UTC"},
                  {"name": "b", "schedule": "0 25 * * *", "targetReplicas": 2, "timeZone": "UTC"}]}}}})");
  REQUIRE(r.ok);
  CHECK(r.line.at("valid") == false);
  REQUIRE(r.line.at("errors").size() == 1);
  CHECK(r.line.at("errors")[0].get<std::string>().rfind("spec.rules[1].schedule: Invalid value", 0) == 0);
  CHECK(local_times(r.line) == std::vector<std::string>{"2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z",
                                                        "2024-01-01T02:00:00Z"});
}

TEST_CASE("malformed cron scenarios are errors on stderr", "[unit][cron][simulate]") {
  struct Row {
    const char* scenario;
    const char* error;
  };
  const Row rows[] = {
      {R"({"cron": 5})", "error: line 1: cron must be an object"},
      {R"({"cron": {"to": 0, "rules": []}})", "error: line 1: cron.from is required"},
      {R"({"cron": {"from": "yesterday", "to": 0, "rules": []}})", "error: line 1: cron.from: "},
      {R"({"cron": {"from": 100, "to": 0, "rules": []}})", "error: line 1: cron.to is before cron.from"},
      {R"({"cron": {"from": 0, "to": 100}})", "error: line 1: cron.rules (an array of CronFederatedHPA rules)"},
      {R"({"cron": {"from": 0, "to": 100, "rules": [], "limit": 0}})", "error: line 1: cron.limit must be"},
      {R"({"cron": {"from": 0, "to": 100, "rules": [], "timeZone": "Nowhere"}})",
       "error: line 1: cron.timeZone: unknown time zone Nowhere"},
  };
  for (const auto& row : rows) {
    INFO(row.scenario);
    const auto r = run(row.scenario);
    CHECK(!r.ok);
    CHECK(r.err.rfind(row.error, 0) == 0);
  }
  const auto warned = run(R"({"cron": {"from": 0, "to": 60, "rules": [], "colour": "blue"}})");
  CHECK(warned.ok);
  CHECK(warned.err == "warning: line 1: unknown field cron.colour ignored\n");
  CHECK(is_cron_scenario(json::parse(R"({"cron": {}})")));
  CHECK(!is_cron_scenario(json::parse(R"({"now": 0})")));
}
