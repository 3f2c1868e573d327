#pragma once
// `fedmetrics-adapter simulate` front end (spec/simulate-scenario.md).
#include <iosfwd>

namespace fedmetrics::autoscaler {

/// Reads one scenario (a JSON object, possibly pretty-printed) or JSON Lines (one object per line,
/// blank lines skipped) from `in`, and writes one compact decision JSON line per scenario to `out`,
/// in input order. Unknown fields produce "warning: ..." lines on `err`. A malformed line (bad JSON,
/// not an object, wrong field type, missing required field) produces an "error: line N: ..." line on
/// `err` and no decision for it; the remaining lines are still processed.
/// Returns 0 when every scenario produced a decision, 1 otherwise (including empty input). Never throws.
int run_simulate(std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace fedmetrics::autoscaler
