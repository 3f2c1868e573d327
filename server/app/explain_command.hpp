#pragma once
// `fedmetrics-adapter explain NAMESPACE/NAME` (also `kubectl fedmetrics explain`): builds the same clients
// as the server (connect_federation), reads one FederatedHPA and evaluates it with the loop's own code
// (fhpa::explain: observe + decide), read-only, and prints why the loop would scale now, or not.
#include <iosfwd>

#include "server/app/config.hpp"
#include "server/app/options.hpp"

namespace fedmetrics::app {

/// Writes the plain-words account (autoscaler::explain_decision), or with request.json one JSON object
/// {"scenario": <simulate scenario>, "decision": <decision>} (`simulate` on the scenario prints the
/// decision), to `out`. Problems go through the logger.
/// Returns 0 after an explanation (an invalid FederatedHPA included: its problems are the explanation),
/// 1 when the FederatedHPA cannot be read (not found, the control plane unreachable), 2 when the
/// configuration is unusable (no kubeconfig, no members).
int run_explain(const Config& config, const ExplainRequest& request, std::ostream& out);

}  // namespace fedmetrics::app
