#pragma once
// `fedmetrics-adapter explain`'s read path: one FederatedHPA read from the control plane and evaluated as
// the loop would evaluate it now (observe.hpp's evaluate(): the same reads of the template, the member
// scales and pods, and the metrics, then autoscaler::decide()), from the history the loop stored on the
// object (kHistoryAnnotation). Read-only: no scale, status, history or Event is written.
#include <optional>
#include <string>

#include "aggregation/fhpa/federated_hpa_object.hpp"
#include "aggregation/fhpa/observe.hpp"
#include "clients/base/net.hpp"
#include "clients/base/result.hpp"

namespace fedmetrics::fhpa {

struct Explanation {
  FederatedHpa hpa;                     ///< as read; spec_errors non-empty when it is invalid
  std::optional<Evaluation> evaluation;  ///< none when the spec is invalid (the loop only reports it)
};

/// Reads `namespace_name/name` through deps.control_plane, then evaluates it with `options` at `now`.
/// The loop continues from the history it keeps in memory, which it writes to the annotation after every
/// evaluation that changed it: a loop that is running evaluates from the same history.
/// Errors: NotFound when there is no such FederatedHPA (or its CRD is not installed), the GET's other
/// errors, ProtocolError when the object cannot be decoded.
net::awaitable<Result<Explanation>> explain(std::string namespace_name, std::string name, autoscaler::Options options,
                                            Millis now, ObserveDeps deps);

}  // namespace fedmetrics::fhpa
