// Runs every scenario of tests/data/simulate/*.jsonl (generated from spec/hpa-algorithm.md §6 by
// gen_vectors.py) through run_simulate and checks the decision against the line's "expect" object.
//
// Matching: objects match when every expected key matches (extra actual keys are fine); arrays must
// have the same length and match element-wise; numbers compare numerically. Two top-level keys are
// special: "conditions" entries are looked up by type ({"type", "absent": true} asserts absence), and
// "events" entries must each match some emitted event.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aggregation/autoscaler/simulate.hpp"

namespace fedmetrics::autoscaler {
namespace {

using nlohmann::json;

void match(const json& want, const json& got, const std::string& path, std::vector<std::string>& failures) {
  if (want.is_object()) {
    if (!got.is_object()) {
      failures.push_back(path + ": expected an object, got " + got.dump());
      return;
    }
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) {
        failures.push_back(path + "." + k + ": missing in decision");
        continue;
      }
      match(v, got.at(k), path + "." + k, failures);
    }
    return;
  }
  if (want.is_array()) {
    if (!got.is_array() || got.size() != want.size()) {
      failures.push_back(path + ": expected " + want.dump() + ", got " + got.dump());
      return;
    }
    for (std::size_t i = 0; i < want.size(); ++i) match(want[i], got[i], path + "[" + std::to_string(i) + "]", failures);
    return;
  }
  if (want.is_number() && got.is_number()) {
    const bool equal = (want.is_number_float() || got.is_number_float())
                           ? std::fabs(want.get<double>() - got.get<double>()) <= 1e-9
                           : want == got;
    if (!equal) failures.push_back(path + ": expected " + want.dump() + ", got " + got.dump());
    return;
  }
  if (want != got) failures.push_back(path + ": expected " + want.dump() + ", got " + got.dump());
}

void match_decision(const json& expect, const json& decision, std::vector<std::string>& failures) {
  for (const auto& [k, v] : expect.items()) {
    if (k == "conditions") {
      for (const auto& c : v) {
        const json* found = nullptr;
        for (const auto& a : decision.at("conditions")) {
          if (a.at("type") == c.at("type")) found = &a;
        }
        if (c.value("absent", false)) {
          if (found != nullptr) failures.push_back("conditions: " + c.at("type").dump() + " should be absent");
          continue;
        }
        if (found == nullptr) {
          failures.push_back("conditions: " + c.at("type").dump() + " missing");
          continue;
        }
        match(c, *found, "conditions[" + c.at("type").get<std::string>() + "]", failures);
      }
    } else if (k == "events") {
      for (const auto& e : v) {
        bool any = false;
        for (const auto& a : decision.at("events")) {
          std::vector<std::string> f;
          match(e, a, "", f);
          any = any || f.empty();
        }
        if (!any) failures.push_back("events: no event matches " + e.dump() + " in " + decision.at("events").dump());
      }
    } else if (!decision.contains(k)) {
      failures.push_back(k + ": missing in decision");
    } else {
      match(v, decision.at(k), k, failures);
    }
  }
}

struct Vector {
  std::string file;
  int line = 0;
  json scenario;
  json expect;
};

std::vector<Vector> load(const std::string& file) {
  std::ifstream in(std::string(FEDMETRICS_TEST_DATA_DIR) + "/simulate/" + file);
  REQUIRE(in.good());
  std::vector<Vector> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    json j = json::parse(line);
    Vector v{file, n, j, j.at("expect")};
    v.scenario.erase("expect");
    REQUIRE_FALSE(v.expect.empty());  // a vector that checks nothing cannot fail
    out.push_back(std::move(v));
  }
  return out;
}

void run_file(const std::string& file, std::size_t expected_count) {
  const auto vectors = load(file);
  CHECK(vectors.size() == expected_count);
  for (const auto& v : vectors) {
    const std::string id = v.scenario.value("id", "?");
    INFO(file << ":" << v.line << " " << id);
    std::istringstream in(v.scenario.dump());
    std::ostringstream out, err;
    const int rc = run_simulate(in, out, err);
    INFO("stderr: " << err.str());
    REQUIRE(rc == 0);
    CHECK(err.str().empty());  // the generator writes only known fields
    const json decision = json::parse(out.str());
    CHECK(decision.at("id") == id);
    std::vector<std::string> failures;
    match_decision(v.expect, decision, failures);
    std::string report;
    for (const auto& f : failures) report += "  " + f + "\n";
    INFO("mismatches:\n" << report << "decision: " << decision.dump());
    CHECK(failures.empty());
  }
}

TEST_CASE("simulate reproduces the resource utilization vectors (spec §6.A)", "[unit][autoscaler][vectors]") {
  run_file("vectors_6A.jsonl", 25);
}

TEST_CASE("simulate reproduces the pods, object and external vectors (spec §6.B)", "[unit][autoscaler][vectors]") {
  run_file("vectors_6B.jsonl", 30);
}

TEST_CASE("simulate reproduces the normalization vectors (spec §6.C)", "[unit][autoscaler][vectors]") {
  run_file("vectors_6C.jsonl", 46);
}

TEST_CASE("simulate reproduces the full reconcile vectors (spec §6.D)", "[unit][autoscaler][vectors]") {
  run_file("vectors_6D.jsonl", 27);
}

TEST_CASE("simulate reproduces the groupPods timing vectors (spec §6.E)", "[unit][autoscaler][vectors]") {
  run_file("vectors_6E.jsonl", 8);
}

TEST_CASE("simulate reproduces the Karmada vectors (spec §6.F)", "[unit][autoscaler][vectors]") {
  run_file("vectors_6F.jsonl", 7);
}

TEST_CASE("simulate covers tolerance forms, External, scale to zero, calibration and per-cluster pods",
          "[unit][autoscaler][vectors]") {
  run_file("extra.jsonl", 36);
}

TEST_CASE("simulate: an Object or External metric missing from a target member is invalid and never scales down",
          "[unit][autoscaler][vectors]") {
  run_file("partial_answers.jsonl", 5);
}

TEST_CASE("the vector matcher reports mismatches", "[unit][autoscaler]") {
  std::vector<std::string> failures;
  match_decision(json::parse(R"({"desiredReplicas": 5, "metrics": [{"replicas": 4}],
                                 "conditions": [{"type": "AbleToScale", "status": "True"}, {"type": "X", "absent": true}],
                                 "events": [{"reason": "SuccessfulRescale"}]})"),
                 json::parse(R"({"desiredReplicas": 6, "metrics": [{"replicas": 4}, {"replicas": 1}],
                                 "conditions": [{"type": "AbleToScale", "status": "False"}, {"type": "X"}],
                                 "events": [{"reason": "FailedRescale"}]})"),
                 failures);
  CHECK(failures.size() == 5);
}

}  // namespace
}  // namespace fedmetrics::autoscaler
