#pragma once
// One reconcile decision of the FederatedHPA loop (hpa-algorithm.md §1.3-§1.5, §3, §4, §5):
// read scale (or the federated template + members), zero-replica rules, min/max branches, metrics,
// normalization, rescale, conditions, events and the new status. The single entry point shared by the
// controller and by `simulate`. Pure and deterministic: no I/O, no clock (Scenario::now), the
// injected faults stand in for failed plumbing calls.
#include "aggregation/autoscaler/scenario.hpp"

namespace fedmetrics::autoscaler {

[[nodiscard]] Decision decide(const Scenario& scenario);

}  // namespace fedmetrics::autoscaler
