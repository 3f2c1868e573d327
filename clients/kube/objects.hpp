#pragma once
// Typed views of the Kubernetes objects fedmetrics reads and writes: only the fields it uses. Decoding
// follows nlohmann's from_json (throws on a wrong type); use decode<T>() at the edge, which turns any
// decoding problem into a ProtocolError value (STYLE.md §7.3). Unknown fields are ignored; absent optional
// fields keep their defaults, as Go's json.Unmarshal does.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clients/base/result.hpp"
#include "clients/kubeapi/quantity.hpp"

namespace fedmetrics::kube {

using Time = std::chrono::system_clock::time_point;

struct ObjectMeta {
  std::string name;
  std::string namespace_name;
  std::string uid;
  std::string resource_version;
  std::int64_t generation = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::optional<Time> creation_timestamp;
  std::optional<Time> deletion_timestamp;
  bool operator==(const ObjectMeta&) const = default;
};

/// metav1.Condition / the older per-type condition shapes (same field names).
struct Condition {
  std::string type;
  std::string status;  ///< "True", "False", "Unknown"
  std::string reason;
  std::string message;
  std::optional<Time> last_transition_time;
  bool operator==(const Condition&) const = default;
};

/// The condition of `type`, or nullptr.
const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type);

/// cluster.karmada.io/v1alpha1 Cluster (karmada-reference.md §1.3).
struct Cluster {
  struct SecretRef {
    std::string namespace_name;
    std::string name;
    bool operator==(const SecretRef&) const = default;
  };
  ObjectMeta metadata;
  std::string api_endpoint;                              ///< spec.apiEndpoint
  std::optional<SecretRef> secret_ref;                   ///< spec.secretRef
  bool insecure_skip_tls_verification = false;           ///< spec.insecureSkipTLSVerification
  std::string proxy_url;                                 ///< spec.proxyURL
  std::map<std::string, std::string> proxy_header;       ///< spec.proxyHeader
  std::string sync_mode;                                 ///< spec.syncMode (Push/Pull; informational)
  std::vector<Condition> conditions;                     ///< status.conditions

  /// status.conditions[type=Ready].status == "True" (Karmada's IsClusterReady).
  bool is_ready() const;
  bool operator==(const Cluster&) const = default;
};

/// core/v1 Secret; `data` values are base64-decoded (stringData is write-only and never read back).
struct Secret {
  ObjectMeta metadata;
  std::string type;
  std::map<std::string, std::string> data;

  /// data[key] or nullopt.
  std::optional<std::string> value(const std::string& key) const;
  bool operator==(const Secret&) const = default;
};

/// coordination.k8s.io/v1 LeaseSpec. Times are metav1.MicroTime.
struct LeaseSpec {
  std::string holder_identity;
  int lease_duration_seconds = 0;
  std::optional<Time> acquire_time;
  std::optional<Time> renew_time;
  int lease_transitions = 0;
  bool operator==(const LeaseSpec&) const = default;
};

struct Lease {
  ObjectMeta metadata;
  LeaseSpec spec;
  bool operator==(const Lease&) const = default;
};

/// autoscaling/v1 Scale (the `scale` subresource).
struct Scale {
  ObjectMeta metadata;
  std::int32_t spec_replicas = 0;
  std::int32_t status_replicas = 0;
  std::string status_selector;  ///< label selector string of the pods
  bool operator==(const Scale&) const = default;
};

/// core/v1 Pod, reduced to what the HPA algorithm needs.
struct Pod {
  struct Container {
    std::string name;
    std::map<std::string, kubeapi::Quantity> requests;  ///< resources.requests
    bool operator==(const Container&) const = default;
  };
  ObjectMeta metadata;
  std::string phase;  ///< status.phase: Pending, Running, Succeeded, Failed, Unknown
  std::optional<Time> start_time;
  std::vector<Condition> conditions;
  std::vector<Container> containers;

  /// The Ready condition, or nullptr.
  const Condition* ready_condition() const { return find_condition(conditions, "Ready"); }
  bool operator==(const Pod&) const = default;
};

// nlohmann ADL hooks (throw nlohmann::json::exception or std::invalid_argument on malformed input).
void from_json(const nlohmann::json& j, ObjectMeta& out);
void from_json(const nlohmann::json& j, Condition& out);
void from_json(const nlohmann::json& j, Cluster& out);
void from_json(const nlohmann::json& j, Secret& out);
void from_json(const nlohmann::json& j, LeaseSpec& out);
void from_json(const nlohmann::json& j, Lease& out);
void from_json(const nlohmann::json& j, Scale& out);
void from_json(const nlohmann::json& j, Pod& out);

/// Writable forms. metadata carries name, namespace, labels, annotations and resourceVersion (when set);
/// Lease times are written as MicroTime.
void to_json(nlohmann::json& j, const ObjectMeta& in);
void to_json(nlohmann::json& j, const Lease& in);
void to_json(nlohmann::json& j, const Scale& in);

/// Decodes `j` as T. Errors: ProtocolError "<kind name>: <what was wrong>".
template <class T>
[[nodiscard]] Result<T> decode(const nlohmann::json& j) {
  try {
    return j.get<T>();
  } catch (const std::exception& e) {
    std::string name;
    if (j.is_object() && j.contains("metadata") && j["metadata"].is_object()) {
      name = j["metadata"].value("name", "");
    }
    return make_error(Errc::ProtocolError,
                      "decoding " + (j.is_object() ? j.value("kind", std::string("object")) : std::string("object")) +
                          (name.empty() ? "" : " " + name) + ": " + e.what());
  }
}

/// What an Event is about (core/v1 ObjectReference).
struct InvolvedObject {
  std::string api_version;
  std::string kind;
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string resource_version;
};

/// Input of make_event.
struct EventSpec {
  InvolvedObject involved;
  std::string type = "Normal";  ///< "Normal" or "Warning"
  std::string reason;           ///< CamelCase, e.g. "SuccessfulRescale"
  std::string message;
  std::string reporting_component = "fedmetrics";
  std::string reporting_instance;  ///< e.g. the pod name
  Time time{};
};

/// A core/v1 Event body for POST to /api/v1/namespaces/<involved ns>/events, named
/// "<involved name>.<hex nanoseconds>" like client-go's recorder, with count 1 and first/lastTimestamp.
[[nodiscard]] nlohmann::json make_event(const EventSpec& spec);

}  // namespace fedmetrics::kube
