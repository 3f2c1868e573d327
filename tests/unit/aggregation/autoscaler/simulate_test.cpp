// run_simulate front end: input forms, warnings, errors and the decision shape (spec/simulate-scenario.md).
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "aggregation/autoscaler/scenario_json.hpp"
#include "aggregation/autoscaler/simulate.hpp"

namespace fedmetrics::autoscaler {
namespace {

using nlohmann::json;

struct Run {
  int rc = 0;
  std::string out, err;
  std::vector<json> decisions() const {
    std::vector<json> v;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) v.push_back(json::parse(line));
    return v;
  }
};

Run run(const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  Run r;
  r.rc = run_simulate(in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// cur 3 -> External AverageValue proposal 6 (values 6000 / target 1000, statusReplicas 1).
const char* kScenario =
    R"({"id": "s1", "now": 100, "hpa": {"maxReplicas": 10, "metrics": [{"type": "External", "external":
        {"metric": {"name": "q"}, "target": {"type": "AverageValue", "averageValue": 1000}}}]},
        "target": {"specReplicas": 3, "statusReplicas": 1}, "metricData": [{"values": [6000]}]})";

TEST_CASE("simulate accepts one pretty-printed scenario object", "[unit][autoscaler][simulate]") {
  const auto r = run(json::parse(kScenario).dump(2));
  REQUIRE(r.rc == 0);
  const auto d = r.decisions();
  REQUIRE(d.size() == 1);
  CHECK(d[0]["id"] == "s1");
  CHECK(d[0]["desiredReplicas"] == 6);
  CHECK(d[0]["branch"] == "metrics");
}

TEST_CASE("simulate prints one decision line per JSON Lines scenario, in order", "[unit][autoscaler][simulate]") {
  json second = json::parse(kScenario);
  second["id"] = "s2";
  second["target"]["specReplicas"] = 20;  // above max -> 10
  const auto r = run(json::parse(kScenario).dump() + "\n\n" + second.dump() + "\n");
  REQUIRE(r.rc == 0);
  const auto d = r.decisions();
  REQUIRE(d.size() == 2);
  CHECK(d[0]["id"] == "s1");
  CHECK(d[1]["id"] == "s2");
  CHECK(d[1]["desiredReplicas"] == 10);
  CHECK(d[1]["branch"] == "aboveMax");
}

TEST_CASE("simulate produces every decision field", "[unit][autoscaler][simulate]") {
  const auto d = run(kScenario).decisions().at(0);
  for (const char* k : {"id", "desiredReplicas", "replicas", "currentReplicas", "statusReplicas", "calibration", "rescale",
                        "scaleUpdated", "branch", "proposal", "proposalMetric", "stabilized", "limitReason",
                        "rescaleReason", "metrics", "conditions", "events", "error", "status", "statusChanged",
                        "history"}) {
    INFO(k);
    CHECK(d.contains(k));
  }
  const auto& m = d["metrics"].at(0);
  for (const char* k : {"index", "type", "name", "valid", "replicas", "error", "reason", "current", "trace"}) {
    INFO(k);
    CHECK(m.contains(k));
  }
  CHECK(d["status"]["lastScaleTime"] == 100);
  // A nil history is initialised with (cur, now); the legacy stabilizer then appends (proposal, now).
  CHECK(d["history"]["recommendations"] == json::parse(R"([{"replicas": 3, "timestamp": 100}, {"replicas": 6, "timestamp": 100}])"));
}

TEST_CASE("simulate writes the id first and survives invalid UTF-8 in the input", "[unit][autoscaler][simulate]") {
  json j = json::parse(kScenario);
  const auto r1 = run(j.dump());
  CHECK(r1.out.rfind(R"({"id":"s1","desiredReplicas":6,)", 0) == 0);
  std::string raw = j.dump();
  raw.replace(raw.find("\"s1\""), 4, "\"s\xff\"");
  const auto r2 = run(raw);
  CHECK(r2.rc != 0);  // nlohmann rejects invalid UTF-8 while parsing: an error line, not a crash
  CHECK(r2.err.find("error") != std::string::npos);
}

TEST_CASE("simulate warns about unknown fields and still decides", "[unit][autoscaler][simulate]") {
  json j = json::parse(kScenario);
  j["bogus"] = 1;
  j["hpa"]["behaviour"] = {};
  const auto r = run(j.dump());
  CHECK(r.rc == 0);
  CHECK(r.decisions().size() == 1);
  CHECK(r.err.find("warning") != std::string::npos);
  CHECK(r.err.find("bogus") != std::string::npos);
  CHECK(r.err.find("hpa.behaviour") != std::string::npos);
}

TEST_CASE("simulate reports malformed lines and exits non-zero without stopping", "[unit][autoscaler][simulate]") {
  const auto r = run(std::string(json::parse(kScenario).dump()) + "\n{not json\n" + json::parse(kScenario).dump() + "\n");
  CHECK(r.rc != 0);
  CHECK(r.decisions().size() == 2);
  CHECK(r.err.find("line 2") != std::string::npos);
}

TEST_CASE("simulate names the offending field of an invalid scenario", "[unit][autoscaler][simulate]") {
  SECTION("wrong type") {
    json j = json::parse(kScenario);
    j["hpa"]["maxReplicas"] = "ten";
    const auto r = run(j.dump());
    CHECK(r.rc != 0);
    CHECK(r.out.empty());
    CHECK(r.err.find("hpa.maxReplicas") != std::string::npos);
  }
  SECTION("missing required field") {
    json j = json::parse(kScenario);
    j["hpa"].erase("maxReplicas");
    const auto r = run(j.dump());
    CHECK(r.rc != 0);
    CHECK(r.err.find("hpa.maxReplicas") != std::string::npos);
  }
  SECTION("bad enum value") {
    json j = json::parse(kScenario);
    j["options"] = {{"profile", "openshift"}};
    const auto r = run(j.dump());
    CHECK(r.rc != 0);
    CHECK(r.err.find("options.profile") != std::string::npos);
  }
  SECTION("bad quantity") {
    json j = json::parse(kScenario);
    j["metricData"][0]["values"][0] = "12zz";
    const auto r = run(j.dump());
    CHECK(r.rc != 0);
    CHECK(r.err.find("metricData[0].values[0]") != std::string::npos);
  }
  SECTION("not an object") {
    const auto r = run("[1, 2]");
    CHECK(r.rc != 0);
    CHECK(r.err.find("object") != std::string::npos);
  }
  SECTION("empty input") {
    const auto r = run("  \n");
    CHECK(r.rc != 0);
    CHECK_FALSE(r.err.empty());
  }
}

TEST_CASE("times are seconds or RFC3339 and become milliseconds", "[unit][autoscaler][simulate]") {
  CHECK(parse_time(json(1.5)).value() == 1500);
  CHECK(parse_time(json("1970-01-01T00:01:00.5Z")).value() == 60500);
  CHECK(parse_time(json("1970-01-01T01:00:00+01:00")).value() == 0);
  CHECK(parse_time(json("2024-02-29T12:00:00Z")).value() == 1709208000000);
  CHECK_FALSE(parse_time(json("yesterday")));
  CHECK_FALSE(parse_time(json(true)));
}

TEST_CASE("RFC3339 times drive the CPU readiness rules", "[unit][autoscaler][simulate]") {
  // The pod started 60 s before now and flipped ready 10 s ago: still initializing and the sample
  // window (30 s) does not cover the flip, so it is unready; scale-up with unready -> fill 0.
  const json j = json::parse(R"({"now": "2024-01-01T00:01:00Z", "options": {"profile": "kube"},
    "hpa": {"maxReplicas": 10, "metrics": [{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 50}}}]},
    "target": {"specReplicas": 2, "statusReplicas": 2},
    "pods": [{"name": "a", "ready": true, "startTime": "2023-12-31T00:00:00Z", "readyTransitionTime": "2023-12-31T00:00:10Z",
              "containers": [{"name": "c", "requests": {"cpu": "100m"}}]},
             {"name": "b", "ready": true, "startTime": "2024-01-01T00:00:00Z", "readyTransitionTime": "2024-01-01T00:00:50Z",
              "containers": [{"name": "c", "requests": {"cpu": "100m"}}]}],
    "podMetrics": [{"pod": "a", "window": 30, "containers": [{"name": "c", "usage": {"cpu": "100m"}}]},
                   {"pod": "b", "window": 30, "containers": [{"name": "c", "usage": {"cpu": "100m"}}]}]})");
  const auto d = run(j.dump()).decisions().at(0);
  CHECK(d["metrics"][0]["trace"]["unready"] == json::array({"b"}));
  // util 100% of a -> ratio 2 -> b filled with 0 -> 50% -> ratio 1.0 -> within -> stays at 2.
  CHECK(d["metrics"][0]["replicas"] == 2);
}

}  // namespace
}  // namespace fedmetrics::autoscaler
