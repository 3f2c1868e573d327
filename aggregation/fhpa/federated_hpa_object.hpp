#pragma once
// The FederatedHPA object as the loop reads and writes it (karmada-reference.md §2): decoding of a live
// autoscaling.karmada.io/v1alpha1 object, the reference's validation (§2.3) with fedmetrics' extensions,
// the status encoder (autoscaling/v2 HorizontalPodAutoscalerStatus: RFC 3339 times, quantity strings) and
// the history annotation that lets the stabilization and scale-event history survive a restart or a
// leader change (the reference keeps them in memory only, §3.2). No I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aggregation/autoscaler/federated_hpa.hpp"
#include "aggregation/autoscaler/scenario.hpp"
#include "clients/base/result.hpp"
#include "clients/kube/rest_client.hpp"

namespace fedmetrics::fhpa {

using autoscaler::Millis;

/// Where the loop keeps the history on the object: JSON in the shape of a simulate scenario's "history".
inline constexpr const char* kHistoryAnnotation = "autoscaling.fedmetrics.io/history";

inline kube::ResourceRef federated_hpas() { return {"autoscaling.karmada.io", "v1alpha1", "federatedhpas", ""}; }

/// spec.scaleTargetRef (CrossVersionObjectReference).
struct ScaleTargetRef {
  std::string api_version;
  std::string kind;
  std::string name;
};

struct FederatedHpa {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::int64_t generation = 0;
  std::optional<std::int64_t> observed_generation;
  ScaleTargetRef target;
  autoscaler::HpaSpec spec;
  autoscaler::HpaStatus status;  ///< as stored (an unreadable status reads as empty)
  std::optional<autoscaler::History> history;  ///< from the annotation; nullopt when absent or unreadable
  /// Why the spec cannot be acted on (decoding and validation problems, "field.path: what"). Empty = valid.
  std::vector<std::string> spec_errors;

  std::string key() const { return namespace_name + "/" + name; }
};

/// Decodes a FederatedHPA. Spec problems do not fail the decode: they land in spec_errors (the loop reports
/// them on the object). Errors: ProtocolError when `object` is not an object or lacks metadata.name.
[[nodiscard]] Result<FederatedHpa> decode_federated_hpa(const nlohmann::json& object);

/// Validation of the reference's webhook (karmada-reference.md §2.3) with fedmetrics' extensions:
/// External metrics, minReplicas 0 (with at least one Object or External metric, as kube's
/// HPAScaleToZero) and behavior.*.tolerance (>= 0). Returns "field.path: what" lines; empty when valid.
[[nodiscard]] std::vector<std::string> validate(const FederatedHpa& hpa);

/// status as the API stores it. `observed_generation` is written (the reference leaves it unset).
[[nodiscard]] nlohmann::json encode_status(const autoscaler::HpaStatus& status, std::int64_t observed_generation);

/// The annotation value for `history` (compact JSON, times in seconds since the Unix epoch).
[[nodiscard]] std::string encode_history(const autoscaler::History& history);

/// Resource for a scaleTargetRef: the group/version of apiVersion and the plural of kind (the built-in
/// workloads by table, others lower-cased + "s", which is what CRDs conventionally use).
/// Errors: InvalidArgument for an empty or malformed apiVersion/kind.
[[nodiscard]] Result<kube::ResourceRef> target_resource(const ScaleTargetRef& ref);

}  // namespace fedmetrics::fhpa
