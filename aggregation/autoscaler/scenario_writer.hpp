#pragma once
// JSON encoder of a Scenario (spec/simulate-scenario.md "Scenario JSON"): the exact input of one decision,
// so that a decision the FederatedHPA loop made can be replayed with `fedmetrics-adapter simulate` and give
// the same result. Every option is written explicitly (not just the profile); quantities as int64
// milli-units, times and durations as seconds; Go's zero time as null. parse_scenario(scenario_to_json(s))
// yields a Scenario that decides identically.
#include <nlohmann/json.hpp>

#include "aggregation/autoscaler/scenario.hpp"

namespace fedmetrics::autoscaler {

[[nodiscard]] nlohmann::ordered_json scenario_to_json(const Scenario& s, const nlohmann::json& id);

}  // namespace fedmetrics::autoscaler
