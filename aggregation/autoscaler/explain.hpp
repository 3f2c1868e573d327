#pragma once
// The plain-words account of one FederatedHPA decision (`fedmetrics-adapter explain`): given the exact
// input of a reconcile (a Scenario, as the loop observed it or as `simulate` reads it) and the Decision
// decide() made from it, says whether the loop scales now and why — metric by metric with each member
// cluster's readings, the recommendation, what the stabilization window held, which scaling policy or
// min/max bound limited it — and, when it does not scale, what stopped it.
//
// Pure and deterministic: no I/O, no clock (times are the scenario's). The policy allowances are
// recomputed with the same functions decide() uses (normalization.hpp), one policy at a time.
#include <string>

#include "aggregation/autoscaler/scenario.hpp"

namespace fedmetrics::autoscaler {

/// Renders `d`, which must be decide(s). `name` heads the text ("namespace/name"). Lines end with '\n';
/// quantities are written as Kubernetes quantities ("700m", "3"), times as RFC 3339 UTC with their age.
[[nodiscard]] std::string explain_decision(const Scenario& s, const Decision& d, const std::string& name);

}  // namespace fedmetrics::autoscaler
