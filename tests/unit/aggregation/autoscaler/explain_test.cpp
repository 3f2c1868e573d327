// explain_decision puts a decision in plain words: the verdict, each metric with every member cluster's
// readings, the recommendation, the stabilization window's contents, the policy or bound that limited it,
// and why nothing changes when nothing does. Scenarios are simulate JSON; the decision is decide()'s.
#include "aggregation/autoscaler/explain.hpp"

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>

#include "aggregation/autoscaler/decide.hpp"
#include "aggregation/autoscaler/scenario_json.hpp"
#include "tests/support/catch_result.hpp"

namespace fedmetrics::autoscaler {
namespace {

using nlohmann::json;
using Catch::Matchers::Contains;

std::string explain(const json& j) {
  auto parsed = parse_scenario(j);
  REQUIRE(parsed);
  const Decision d = decide(parsed->scenario);
  const std::string text = explain_decision(parsed->scenario, d, "default/web");
  INFO(text);
  return text;
}

void contains_all(const std::string& text, std::initializer_list<std::string> parts) {
  for (const auto& part : parts) CHECK_THAT(text, Contains(part));
}

// Two members with one pod each, a Pods metric "http_requests" (target 700m per pod); the template has
// `replicas` and the members split them. now = 1000 s.
json federated(int replicas, int sample1, int sample2, json behavior) {
  return {
      {"now", 1000},
      {"hpa",
       {{"minReplicas", 1},
        {"maxReplicas", 10},
        {"behavior", behavior},
        {"metrics",
         {{{"type", "Pods"},
           {"pods", {{"metric", {{"name", "http_requests"}}}, {"target", {{"type", "AverageValue"}, {"averageValue", 700}}}}}}}}}},
      {"target", {{"specReplicas", replicas}, {"statusReplicas", replicas}}},
      {"clusters",
       {{{"name", "member1"}, {"specReplicas", replicas - replicas / 2}, {"statusReplicas", replicas - replicas / 2}},
        {{"name", "member2"}, {"specReplicas", replicas / 2}, {"statusReplicas", replicas / 2}}}},
      {"pods",
       {{{"name", "web-a"}, {"cluster", "member1"}, {"ready", "True"}, {"startTime", 0}},
        {{"name", "web-b"}, {"cluster", "member2"}, {"ready", "True"}, {"startTime", 0}}}},
      {"metricData",
       {{{"samples",
          {{{"pod", "web-a"}, {"cluster", "member1"}, {"value", sample1}},
           {{"pod", "web-b"}, {"cluster", "member2"}, {"value", sample2}}}}}}},
  };
}

TEST_CASE("explain names the scale-up policy that limited a scale-up and each member's samples", "[unit][explain]") {
  // 2 pods averaging 2800m against 700m: 8 replicas; +2 pods per 60 s allows 4, +100% per 60 s allows 4.
  json behavior = {{"scaleUp",
                    {{"stabilizationWindowSeconds", 0},
                     {"selectPolicy", "Min"},
                     {"policies",
                      {{{"type", "Pods"}, {"value", 2}, {"periodSeconds", 60}},
                       {{"type", "Percent"}, {"value", 50}, {"periodSeconds", 60}}}}}}};
  const std::string text = explain(federated(2, 2800, 2800, behavior));
  contains_all(text, {
                            "SCALE 2 -> 3: pods metric http_requests above target (limited: ScaleUpLimit)",
                            "1. pods metric http_requests, target an average of 700m per pod",
                            "now average 2800m per pod over 2 ready pods -> proposes 8 replicas (usage ratio 4.00)",
                            "member1: 1 sample, average 2800m (web-a 2800m)",
                            "member2: 1 sample, average 2800m (web-b 2800m)",
                            "Recommendation: 8 replicas (from pods metric http_requests)",
                            "scale-up window held: no earlier recommendation\n  -> 8 replicas (the window changed nothing)",
                            "Scaling policies (scaleUp, selectPolicy Min (the most restrictive policy applies)):",
                            "+2 pods per 60s allows up to 4",
                            "+50% per 60s allows up to 3",
                            "-> the policies allow up to 3",
                            "Limited by: the scale-up policies (ScaleUpLimit) -> 3 replicas",
                            "Events the loop would record:\n  Normal SuccessfulRescale: New size: 3",
                        });
}

TEST_CASE("explain says a recent scale-up used up the policy period when nothing may change", "[unit][explain]") {
  json behavior = {{"scaleUp",
                    {{"stabilizationWindowSeconds", 0},
                     {"policies", {{{"type", "Pods"}, {"value", 2}, {"periodSeconds", 60}}}}}}};
  json s = federated(3, 2800, 2800, behavior);
  s["history"] = {{"recommendations", {{{"replicas", 3}, {"timestamp", 980}}}},
                  {"scaleUpEvents", {{{"change", 2}, {"timestamp", 980}}}}};
  const std::string text = explain(s);
  contains_all(text, {
                            "NO CHANGE (stays at 3 replicas): the metrics propose 8, but the scale-up policies allow no change now: recent scale events used up what they allow in their periods",
                            "+2 pods per 60s allows up to 3",
                            "earlier scale up by 2 at 1970-01-01T00:16:20Z (20s ago)",
                            "Limited by: the scale-up policies (ScaleUpLimit) -> 3 replicas",
                        });
}

TEST_CASE("explain lists what the scale-down stabilization window held", "[unit][explain]") {
  // 2 pods at 350m against 700m: 2 replicas, but 4 was recommended 100 s ago inside the 300 s window.
  json s = federated(4, 350, 350, nullptr);
  s["hpa"]["behavior"] = {{"scaleDown", {{"stabilizationWindowSeconds", 300}}}};
  s["history"] = {{"recommendations", {{{"replicas", 4}, {"timestamp", 900}}}}};
  s["pods"].push_back({{"name", "web-c"}, {"cluster", "member1"}, {"ready", "True"}, {"startTime", 0}});
  s["pods"].push_back({{"name", "web-d"}, {"cluster", "member2"}, {"ready", "True"}, {"startTime", 0}});
  s["metricData"][0]["samples"].push_back({{"pod", "web-c"}, {"cluster", "member1"}, {"value", 350}});
  s["metricData"][0]["samples"].push_back({{"pod", "web-d"}, {"cluster", "member2"}, {"value", 350}});
  const std::string text = explain(s);
  contains_all(text, {
                            "NO CHANGE (stays at 4 replicas): the metrics propose 2, but the stabilization window holds 4",
                            "scale-down window held: 4 at 1970-01-01T00:15:00Z (100s ago)\n",
                            "-> 4 replicas (held by the window)",
                        });
}

TEST_CASE("explain says a failed member makes the metric untrustworthy and names it", "[unit][explain]") {
  json s = {
      {"now", 1000},
      {"hpa",
       {{"maxReplicas", 10},
        {"metrics",
         {{{"type", "External"},
           {"external", {{"metric", {{"name", "queue_depth"}}}, {"target", {{"type", "Value"}, {"value", 4000}}}}}}}}}},
      {"target", {{"specReplicas", 4}, {"statusReplicas", 4}}},
      {"clusters",
       {{{"name", "member1"}, {"specReplicas", 2}, {"statusReplicas", 2}},
        {{"name", "member2"}, {"specReplicas", 2}, {"statusReplicas", 2}}}},
      {"metricData",
       {{{"byCluster",
          {{{"cluster", "member1"}, {"values", {500, 500}}},
           {{"cluster", "member2"}, {"error", "the server is currently unable to handle the request"}}}}}}},
  };
  const std::string text = explain(s);
  contains_all(text, {
                            "NO CHANGE (stays at 4 replicas): the metrics cannot be trusted now",
                            "1. external metric queue_depth, target a total of 4",
                            "INVALID (FailedGetExternalMetric)",
                            "member1: 1 (sum of 2 series)",
                            "member2: failed: the server is currently unable to handle the request",
                        });
}

TEST_CASE("explain says the metrics are within tolerance and names maxReplicas when it binds", "[unit][explain]") {
  SECTION("within tolerance") {
    const std::string text = explain(federated(2, 720, 700, nullptr));
    contains_all(text, {
                              "NO CHANGE (stays at 2 replicas): the metrics propose the current count (2)",
                              "Limited by: nothing (DesiredWithinRange) -> 2 replicas",
                          });
  }
  SECTION("maxReplicas") {
    // No behavior: the legacy scale-up limit max(2 x 2, 4) = 4 is above maxReplicas 3.
    json s = federated(2, 7000, 7000, nullptr);
    s["hpa"]["maxReplicas"] = 3;
    const std::string text = explain(s);
    contains_all(text, {
                              "SCALE 2 -> 3: pods metric http_requests above target (limited: TooManyReplicas)",
                              "Scale-up limit (no behavior): max(2.0 x 2, 4) = 4",
                              "Bounds: minReplicas 1, maxReplicas 3",
                              "Limited by: maxReplicas 3 (TooManyReplicas) -> 3 replicas",
                          });
  }
}

TEST_CASE("explain shows each member's cpu usage against its requests", "[unit][explain]") {
  json s = {
      {"now", 1000},
      {"hpa", {{"maxReplicas", 10}}},  // no metrics: cpu at 80 %
      {"target", {{"specReplicas", 2}, {"statusReplicas", 2}}},
      {"clusters",
       {{{"name", "member1"}, {"specReplicas", 1}, {"statusReplicas", 1}},
        {{"name", "member2"}, {"reachable", false}}}},
      {"pods",
       {{{"name", "web-a"}, {"cluster", "member1"}, {"ready", "True"}, {"startTime", 0},
         {"containers", {{{"name", "app"}, {"requests", {{"cpu", 500}}}}}}}}},
      {"podMetrics",
       {{{"pod", "web-a"}, {"cluster", "member1"}, {"containers", {{{"name", "app"}, {"usage", {{"cpu", 450}}}}}}}}},
  };
  const std::string text = explain(s);
  contains_all(text, {
                            "(no metrics in the spec: the default, cpu at 80% of requests)",
                            "member1: 1 desired, 1 running, 1 pod listed",
                            "member2: unreachable: its pods and metrics are left out",
                            "member1: 1 pod measured, cpu usage 450m of 500m requested (90%), average 450m per pod",
                            "now 90% of requests",
                        });
}

TEST_CASE("explain says a new history holds the current count and reads a Pods target whatever its type", "[unit][explain]") {
  // Load gone on a FederatedHPA the loop has never evaluated: the history starts with the current count,
  // which the 300 s scale-down window then holds.
  json s = federated(2, 0, 0, {{"scaleDown", {{"stabilizationWindowSeconds", 300}}}});
  s["hpa"]["metrics"][0]["pods"]["target"] = {{"type", "Value"}, {"averageValue", 700}};
  const std::string text = explain(s);
  contains_all(text, {
                         "1. pods metric http_requests, target an average of 700m per pod",
                         "NO CHANGE (stays at 2 replicas): the metrics propose 0, but the stabilization window holds 2",
                         "scale-down window held: 2 at 1970-01-01T00:16:40Z (0s ago) (the current count: a new "
                         "history starts with it)",
                     });
}

}  // namespace
}  // namespace fedmetrics::autoscaler
