#pragma once
// `fedmetrics-adapter simulate` front end (spec/simulate-scenario.md).
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace fedmetrics::autoscaler {

/// Reads one scenario (a JSON object, possibly pretty-printed) or JSON Lines (one object per line,
/// blank lines skipped) from `in`, and writes one compact decision JSON line per scenario to `out`,
/// in input order. Unknown fields produce "warning: ..." lines on `err`. A malformed line (bad JSON,
/// not an object, wrong field type, missing required field) produces an "error: line N: ..." line on
/// `err` and no decision for it; the remaining lines are still processed.
/// Returns 0 when every scenario produced a decision, 1 otherwise (including empty input). Never throws.
/// `other` runs first on each scenario object: when it returns a value, the scenario was its kind (the
/// CronFederatedHPA scenarios of aggregation/cron) and the value says whether it wrote a line.
using ScenarioHandler = std::function<std::optional<bool>(const nlohmann::json& scenario, const std::string& where,
                                                          std::ostream& out, std::ostream& err)>;
int run_simulate(std::istream& in, std::ostream& out, std::ostream& err, const ScenarioHandler& other = {});

}  // namespace fedmetrics::autoscaler
