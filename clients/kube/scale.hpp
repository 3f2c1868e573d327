#pragma once
// Typed helpers for the autoscaling/v1 `scale` subresource, the only write the FederatedHPA loop makes
// on the control plane (karmada-reference.md §3.6): read a workload template's Scale, set its replicas.
#include <cstdint>
#include <string>

#include "clients/kube/objects.hpp"
#include "clients/kube/rest_client.hpp"

namespace fedmetrics::kube {

/// GET <ref>/<name>/scale, decoded. Errors: the client's; ProtocolError for an undecodable Scale.
/// `client` must outlive the call.
net::awaitable<Result<Scale>> get_scale(RestClient& client, ResourceRef ref, std::string name);

/// Sets spec.replicas through the scale subresource with update_with_retry (re-reads on Conflict; no
/// write when the value is already `replicas`). Returns the stored Scale.
/// Errors: the client's; Conflict after `max_attempts`; ProtocolError for an undecodable Scale.
net::awaitable<Result<Scale>> set_scale_replicas(RestClient& client, ResourceRef ref, std::string name,
                                                 std::int32_t replicas, int max_attempts = 5);

}  // namespace fedmetrics::kube
