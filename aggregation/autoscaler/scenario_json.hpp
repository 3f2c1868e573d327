#pragma once
// JSON decoder of the simulate scenario (spec/simulate-scenario.md): parse_scenario turns one
// scenario object into a Scenario (profile defaults first, then explicit options), collecting a
// warning per unknown field. Integers are milli-units, strings
// are Kubernetes quantities (kubeapi::Quantity, MilliValue rounded up); times are seconds (number)
// or RFC3339 and become milliseconds; output times are seconds.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aggregation/autoscaler/scenario.hpp"
#include "clients/base/result.hpp"

namespace fedmetrics::autoscaler {

struct ParsedScenario {
  Scenario scenario;
  nlohmann::json id;                  ///< copied to the decision as is (null when absent)
  std::vector<std::string> warnings;  ///< "unknown field <path>"
};

/// Errors: InvalidArgument naming the offending field path (wrong type, missing required field,
/// bad enum value, unparsable quantity or time).
[[nodiscard]] Result<ParsedScenario> parse_scenario(const nlohmann::json& j);

/// A time: JSON seconds (|s| <= 1e12, fractional allowed) or RFC3339 -> milliseconds.
/// Errors: InvalidArgument. Output times are written as seconds.
[[nodiscard]] Result<Millis> parse_time(const nlohmann::json& j);

/// The parts the FederatedHPA controller reads from a live object (same field rules as a scenario).
/// `root` names the object in error paths ("spec"); unknown fields are appended to `warnings` if given.
/// Errors: InvalidArgument naming the offending field path.
[[nodiscard]] Result<HpaSpec> parse_hpa_spec(const nlohmann::json& spec, const std::string& root,
                                             std::vector<std::string>* warnings = nullptr);
[[nodiscard]] Result<HpaStatus> parse_hpa_status(const nlohmann::json& status);
/// The history shape of a scenario ({"recommendations", "scaleUpEvents", "scaleDownEvents"}).
[[nodiscard]] Result<History> parse_history(const nlohmann::json& history);

}  // namespace fedmetrics::autoscaler
