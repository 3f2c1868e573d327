#include "aggregation/cron/cron_federated_hpa.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "clients/kube/encoding.hpp"
#include "tests/support/catch_result.hpp"

using namespace fedmetrics;
using namespace fedmetrics::cron;
using nlohmann::json;

namespace {

const ZoneDatabase& zones() {
  static const ZoneDatabase db;
  return db;
}

json object(const std::string& target, const std::string& rules) {
  return json::parse(R"({"apiVersion": "autoscaling.karmada.io/v1alpha1", "kind": "CronFederatedHPA",
    "metadata": {"name": "cron", "namespace": "default", "uid": "u-1", "generation": 2, "resourceVersion": "7"},
    "spec": {"scaleTargetRef": )" + target + R"(, "rules": )" + rules + "}}");
}

const char* kDeployment = R"({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"})";
const char* kFhpa = R"({"apiVersion": "autoscaling.karmada.io/v1alpha1", "kind": "FederatedHPA", "name": "web"})";

std::vector<std::string> errors_of(const json& j) {
  auto c = decode_cron_federated_hpa(j);
  REQUIRE(c);
  return validate(*c, zones());
}

Time t(const char* text) { return *kube::parse_rfc3339(text); }

}  // namespace

TEST_CASE("a Karmada CronFederatedHPA decodes with the CRD's defaults", "[unit][cron][object]") {
  auto c = decode_cron_federated_hpa(object(kDeployment, R"([
      {"name": "scale-up", "schedule": "0 8 * * 1-5", "targetReplicas": 5, "timeZone": "Europe/Berlin"},
      {"name": "scale-down", "schedule": "0 20 * * *", "targetReplicas": 0, "suspend": true,
       "successfulHistoryLimit": 5, "failedHistoryLimit": 0}])"));
  REQUIRE(c);
  CHECK(c->key() == "default/cron");
  CHECK(c->generation == 2);
  CHECK(!c->targets_federated_hpa());
  REQUIRE(c->rules.size() == 2);
  CHECK(c->rules[0].target_replicas == 5);
  CHECK(c->rules[0].zone_name() == "Europe/Berlin");
  CHECK(!c->rules[0].suspend);
  CHECK(c->rules[0].successful_history_limit == 3);
  CHECK(c->rules[0].failed_history_limit == 3);
  CHECK(c->rules[1].target_replicas == 0);
  CHECK(c->rules[1].zone_name() == "Local");
  CHECK(c->rules[1].suspend);
  CHECK(c->rules[1].failed_history_limit == 0);
  CHECK(validate(*c, zones()).empty());
  CHECK(!decode_cron_federated_hpa(json::array()));
  CHECK(!decode_cron_federated_hpa(json{{"metadata", json::object()}}));
}

TEST_CASE("validation reports what Karmada's webhook denies, in its words", "[unit][cron][object]") {
  struct Row {
    const char* target;
    const char* rules;
    std::vector<std::string> want;
  };
  const std::vector<Row> rows = {
      {kFhpa, R"([{"name": "a", "schedule": "0 8 * * *", "targetMinReplicas": 2, "targetMaxReplicas": 10}])", {}},
      {kFhpa, R"([{"name": "a", "schedule": "0 8 * * *", "targetMaxReplicas": 10}])", {}},
      {kDeployment, R"([{"name": "a", "schedule": "0 8 * * *", "targetReplicas": 0}])", {}},
      {R"({"apiVersion": "autoscaling.karmada.io/v1alpha1", "kind": "Deployment", "name": "web"})",
       R"([{"name": "a", "schedule": "bad"}])",
       {"spec.scaleTargetRef.kind: Invalid value: \"Deployment\": invalid scaleTargetRef kind: Deployment, only "
        "support FederatedHPA"}},
      {kDeployment,
       R"([{"name": "a", "schedule": "0 8 * * *", "targetReplicas": 1},
           {"name": "a", "schedule": "0 9 * * *", "targetReplicas": 1}])",
       {"spec.rules[1].name: Duplicate value: \"a\""}},
      {kDeployment, R"([{"name": "a", "schedule": "0 8 * *", "targetReplicas": 1}])",
       {"spec.rules[0].schedule: Invalid value: \"0 8 * *\": invalid cron format: expected exactly 5 fields "
        "(minute hour day-of-month month day-of-week), found 4"}},
      {kDeployment, R"([{"name": "a", "schedule": "0 8 * * *", "targetReplicas": 1, "timeZone": "Mars/Olympus"}])",
       {"spec.rules[0].timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus"}},
      {kDeployment, R"([{"name": "a", "schedule": "0 8 * * *"}])",
       {"spec.rules[0].targetReplicas: Invalid value: \"\": targetReplicas cannot be nil if you want to scale "
        "Deployment"}},
      {kDeployment, R"([{"name": "a", "schedule": "0 8 * * *", "targetReplicas": -1}])",
       {"spec.rules[0].targetReplicas: Invalid value: \"\": targetReplicas should be larger than or equal to 0"}},
      {kFhpa, R"([{"name": "a", "schedule": "0 8 * * *", "targetReplicas": 3}])",
       {"spec.rules[0].targetMaxReplicas: Invalid value: \"\": targetMinReplicas and targetMaxReplicas cannot be "
        "nil at the same time if you want to scale FederatedHPA"}},
      {kFhpa, R"([{"name": "a", "schedule": "0 8 * * *", "targetMinReplicas": 0, "targetMaxReplicas": 0}])",
       {"spec.rules[0].targetMinReplicas: Invalid value: \"\": targetMinReplicas should be larger than 0",
        "spec.rules[0].targetMaxReplicas: Invalid value: \"\": targetMaxReplicas should be larger than 0"}},
      {kFhpa, R"([{"name": "a", "schedule": "0 8 * * *", "targetMinReplicas": 5, "targetMaxReplicas": 3}])",
       {"spec.rules[0].targetMinReplicas: Invalid value: \"\": targetMaxReplicas should be larger than or equal "
        "to targetMinReplicas"}},
      {R"({"apiVersion": "apps/v1", "kind": "Deploy/ment", "name": ".."})",
       R"([{"name": "a", "schedule": "0 8 * * *", "targetReplicas": 1}])",
       {"spec.scaleTargetRef.kind: Invalid value: \"Deploy/ment\": may not contain '/' or '%'",
        "spec.scaleTargetRef.name: Invalid value: \"..\": may not be '..'"}},
      {kDeployment,
       R"([{"name": "a-name-that-is-longer-than-32-chars", "schedule": "0 8 * * *", "targetReplicas": 1,
            "successfulHistoryLimit": 0, "failedHistoryLimit": 33}])",
       {"spec.rules[0].name: Invalid value: \"a-name-that-is-longer-than-32-chars\": must be 1 to 32 characters",
        "spec.rules[0].successfulHistoryLimit: Invalid value: must be between 1 and 32",
        "spec.rules[0].failedHistoryLimit: Invalid value: must be between 0 and 32"}},
      {kDeployment, R"([{"name": 7, "schedule": "0 8 * * *", "targetReplicas": "5", "suspend": "yes"}])",
       {"spec.rules[0].name: Required value", "spec.rules[0].targetReplicas: Invalid value: must be a 32-bit integer",
        "spec.rules[0].suspend: Invalid value: must be a boolean",
        "spec.rules[0].name: Invalid value: \"\": must be 1 to 32 characters",
        "spec.rules[0].targetReplicas: Invalid value: \"\": targetReplicas cannot be nil if you want to scale "
        "Deployment"}},
  };
  for (const auto& r : rows) {
    INFO(r.target << " " << r.rules);
    CHECK(errors_of(object(r.target, r.rules)) == r.want);
  }
  CHECK(errors_of(json::parse(R"({"metadata": {"name": "x"}})")) == std::vector<std::string>{
      "spec: Required value", "spec.scaleTargetRef.kind: Required value", "spec.scaleTargetRef.name: Required value"});
}

TEST_CASE("execution history: newest first, capped by the rule's limits, next time updated",
          "[unit][cron][object]") {
  CronRule rule{"up", "0 8 * * *", 5, std::nullopt, std::nullopt, false, std::nullopt, 2, 1};
  std::vector<ExecutionHistory> h;
  for (int i = 0; i < 3; ++i) {
    const Time at = t("2024-05-01T08:00:00Z") + std::chrono::hours(24 * i);
    record_success(h, rule, {at, at + std::chrono::milliseconds(40), 5, std::nullopt, std::nullopt},
                   at + std::chrono::hours(24));
  }
  REQUIRE(h.size() == 1);
  REQUIRE(h[0].successful.size() == 2);
  CHECK(h[0].successful[0].schedule_time == t("2024-05-03T08:00:00Z"));
  CHECK(h[0].successful[1].schedule_time == t("2024-05-02T08:00:00Z"));
  CHECK(h[0].next_execution_time == t("2024-05-04T08:00:00Z"));
  record_failure(h, rule, {t("2024-05-04T08:00:00Z"), t("2024-05-04T08:00:01Z"), "boom"}, std::nullopt);
  record_failure(h, rule, {t("2024-05-05T08:00:00Z"), t("2024-05-05T08:00:01Z"), "again"}, std::nullopt);
  REQUIRE(h[0].failed.size() == 1);
  CHECK(h[0].failed[0].message == "again");
  CHECK(!h[0].next_execution_time);
  rule.failed_history_limit = 0;
  record_failure(h, rule, {t("2024-05-06T08:00:00Z"), t("2024-05-06T08:00:01Z"), "kept none"}, std::nullopt);
  CHECK(h[0].failed.empty());
  CHECK(h[0].successful.size() == 2);
}

TEST_CASE("histories follow the rules: kept, added, dropped with their rule", "[unit][cron][object]") {
  std::vector<ExecutionHistory> current{{"old", t("2024-01-01T00:00:00Z"), {}, {}},
                                        {"keep", std::nullopt, {{t("2024-01-01T00:00:00Z"), t("2024-01-01T00:00:01Z"), 3, {}, {}}}, {}}};
  std::vector<CronRule> rules(2);
  rules[0].name = "new";
  rules[1].name = "keep";
  const auto out = reconcile_histories(current, rules, {t("2024-02-01T00:00:00Z"), std::nullopt});
  REQUIRE(out.size() == 2);
  CHECK(out[0].rule_name == "new");
  CHECK(out[0].next_execution_time == t("2024-02-01T00:00:00Z"));
  CHECK(out[1].rule_name == "keep");
  CHECK(out[1].successful.size() == 1);
  CHECK(!out[1].next_execution_time);
}

TEST_CASE("status encodes as Karmada's, and decodes back", "[unit][cron][object]") {
  std::vector<ExecutionHistory> h{{"up", t("2024-05-02T08:00:00Z"),
                                   {{t("2024-05-01T08:00:00Z"), t("2024-05-01T08:00:00.042137Z"), 5, {}, {}}},
                                   {{t("2024-04-30T08:00:00Z"), t("2024-04-30T08:00:00.5Z"), "scale failed"}}},
                                  {"bounds", std::nullopt, {{t("2024-05-01T09:00:00Z"), t("2024-05-01T09:00:01Z"), {}, 4, 10}}, {}}};
  const auto cond = valid_condition({}, {}, t("2024-05-01T00:00:00Z"));
  const json status = encode_status(h, {cond});
  CHECK(status == json::parse(R"({
    "executionHistories": [
      {"ruleName": "up", "nextExecutionTime": "2024-05-02T08:00:00Z",
       "successfulExecutions": [{"scheduleTime": "2024-05-01T08:00:00Z", "executionTime": "2024-05-01T08:00:00.042137Z",
                                 "appliedReplicas": 5}],
       "failedExecutions": [{"scheduleTime": "2024-04-30T08:00:00Z", "executionTime": "2024-04-30T08:00:00.500000Z",
                             "message": "scale failed"}]},
      {"ruleName": "bounds",
       "successfulExecutions": [{"scheduleTime": "2024-05-01T09:00:00Z", "executionTime": "2024-05-01T09:00:01.000000Z",
                                 "appliedMinReplicas": 4, "appliedMaxReplicas": 10}]}],
    "conditions": [{"type": "Valid", "status": "True", "reason": "ValidSpec", "message": "the spec is valid",
                    "lastTransitionTime": "2024-05-01T00:00:00Z"}]})"));
  json obj = object(kDeployment, R"([{"name": "up", "schedule": "0 8 * * *", "targetReplicas": 5}])");
  obj["status"] = status;
  auto back = decode_cron_federated_hpa(obj);
  REQUIRE(back);
  CHECK(back->histories == h);
  CHECK(back->conditions == std::vector<CronCondition>{cond});
  // The condition keeps its transition time while its status holds, and moves when it flips.
  const auto later = valid_condition({}, {cond}, t("2024-06-01T00:00:00Z"));
  CHECK(later.last_transition_time == cond.last_transition_time);
  const auto broken = valid_condition({"spec.rules[0].schedule: bad", "x: y"}, {cond}, t("2024-06-01T00:00:00Z"));
  CHECK(broken.status == "False");
  CHECK(broken.reason == "InvalidSpec");
  CHECK(broken.message == "spec.rules[0].schedule: bad; x: y");
  CHECK(broken.last_transition_time == t("2024-06-01T00:00:00Z"));
}
