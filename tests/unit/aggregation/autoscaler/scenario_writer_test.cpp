// scenario_to_json is the input half of a replayable decision: for every scenario of
// tests/data/simulate/*.jsonl, encoding, parsing back and deciding again must give the same decision, and
// encoding the parsed-back scenario must give the same JSON (nothing lost, nothing invented).
#include "aggregation/autoscaler/scenario_writer.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "aggregation/autoscaler/decide.hpp"
#include "aggregation/autoscaler/decision_json.hpp"
#include "aggregation/autoscaler/scenario_json.hpp"
#include "tests/support/catch_result.hpp"

namespace fedmetrics::autoscaler {
namespace {

using nlohmann::json;

int check_file(const std::string& name) {
  std::ifstream in(std::string(FEDMETRICS_TEST_DATA_DIR) + "/simulate/" + name);
  REQUIRE(in);
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line);
    j.erase("expect");
    auto first = parse_scenario(j);
    REQUIRE(first);
    const auto encoded = scenario_to_json(first->scenario, first->id);
    auto second = parse_scenario(json::parse(encoded.dump()));
    REQUIRE(second);
    INFO(name << ": " << line);
    CHECK(second->warnings.empty());
    CHECK(scenario_to_json(second->scenario, second->id) == encoded);
    CHECK(decision_to_json(decide(second->scenario), second->id) == decision_to_json(decide(first->scenario), first->id));
    ++checked;
  }
  return checked;
}

}  // namespace

TEST_CASE("every simulate vector survives an encode/parse round trip with the same decision") {
  int total = 0;
  for (const char* f : {"vectors_6A.jsonl", "vectors_6B.jsonl", "vectors_6C.jsonl", "vectors_6D.jsonl",
                        "vectors_6E.jsonl", "vectors_6F.jsonl", "extra.jsonl", "partial_answers.jsonl"}) {
    total += check_file(f);
  }
  CHECK(total >= 170);  // 143 vectors of hpa-algorithm.md §6 + fedmetrics' own
}

}  // namespace fedmetrics::autoscaler
