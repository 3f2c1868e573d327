#pragma once
// JSON encoder of a Decision (spec/simulate-scenario.md "Decision JSON"): every output field, keys in
// the spec's order ("id" first), quantities as int64 milli-units, times as seconds since the epoch.
#include <nlohmann/json.hpp>

#include "aggregation/autoscaler/scenario.hpp"

namespace fedmetrics::autoscaler {

/// `id` is the scenario's free tag, copied as is (null when absent).
[[nodiscard]] nlohmann::ordered_json decision_to_json(const Decision& d, const nlohmann::json& id);

/// A time in the scenario/decision JSON: seconds, an integer when whole, else fractional (milliseconds
/// survive parse_time's llround(s * 1000)).
[[nodiscard]] nlohmann::ordered_json time_to_json(Millis t);
/// The "status" member of a decision (also the scenario's "status" shape; times in seconds).
[[nodiscard]] nlohmann::ordered_json status_to_json(const HpaStatus& s);
/// The "history" member of a decision (the same shape parse_history reads; times in seconds).
[[nodiscard]] nlohmann::ordered_json history_to_json(const History& h);

}  // namespace fedmetrics::autoscaler
