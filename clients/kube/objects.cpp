#include "clients/kube/objects.hpp"

#include <cstdio>
#include <stdexcept>

#include "clients/base/clock.hpp"
#include "clients/kube/encoding.hpp"

namespace fedmetrics::kube {
namespace {

using nlohmann::json;

// The member `key` of object `j` if present and not null.
const json* field(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string str(const json& j, const char* key) {
  const json* f = field(j, key);
  if (!f) return "";
  if (!f->is_string()) throw std::invalid_argument(std::string(key) + ": expected a string");
  return f->get<std::string>();
}

std::optional<Time> time_field(const json& j, const char* key) {
  const json* f = field(j, key);
  if (!f) return std::nullopt;
  if (!f->is_string()) throw std::invalid_argument(std::string(key) + ": expected a time string");
  auto t = parse_rfc3339(f->get<std::string>());
  if (!t) throw std::invalid_argument(std::string(key) + ": " + t.error().message);
  return *t;
}

std::map<std::string, std::string> string_map(const json& j, const char* key) {
  std::map<std::string, std::string> out;
  const json* f = field(j, key);
  if (!f) return out;
  if (!f->is_object()) throw std::invalid_argument(std::string(key) + ": expected an object");
  for (const auto& [k, v] : f->items()) {
    if (!v.is_string()) throw std::invalid_argument(std::string(key) + "." + k + ": expected a string");
    out.emplace(k, v.get<std::string>());
  }
  return out;
}

template <class T>
std::vector<T> list_field(const json& j, const char* key) {
  std::vector<T> out;
  const json* f = field(j, key);
  if (!f) return out;
  if (!f->is_array()) throw std::invalid_argument(std::string(key) + ": expected a list");
  for (const auto& item : *f) out.push_back(item.get<T>());
  return out;
}

const json& object_or_empty(const json& j, const char* key) {
  static const json kEmpty = json::object();
  const json* f = field(j, key);
  if (!f) return kEmpty;
  if (!f->is_object()) throw std::invalid_argument(std::string(key) + ": expected an object");
  return *f;
}

template <class Int>
Int int_field(const json& j, const char* key) {
  const json* f = field(j, key);
  if (!f) return 0;
  if (!f->is_number_integer()) throw std::invalid_argument(std::string(key) + ": expected an integer");
  return f->get<Int>();
}

bool bool_field(const json& j, const char* key) {
  const json* f = field(j, key);
  if (!f) return false;
  if (!f->is_boolean()) throw std::invalid_argument(std::string(key) + ": expected true or false");
  return f->get<bool>();
}

}  // namespace

const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type) {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool Cluster::is_ready() const {
  const Condition* c = find_condition(conditions, "Ready");
  return c && c->status == "True";
}

std::optional<std::string> Secret::value(const std::string& key) const {
  const auto it = data.find(key);
  if (it == data.end()) return std::nullopt;
  return it->second;
}

void from_json(const json& j, ObjectMeta& out) {
  out.name = str(j, "name");
  out.namespace_name = str(j, "namespace");
  out.uid = str(j, "uid");
  out.resource_version = str(j, "resourceVersion");
  out.generation = int_field<std::int64_t>(j, "generation");
  out.labels = string_map(j, "labels");
  out.annotations = string_map(j, "annotations");
  out.creation_timestamp = time_field(j, "creationTimestamp");
  out.deletion_timestamp = time_field(j, "deletionTimestamp");
}

void from_json(const json& j, Condition& out) {
  out.type = str(j, "type");
  out.status = str(j, "status");
  out.reason = str(j, "reason");
  out.message = str(j, "message");
  out.last_transition_time = time_field(j, "lastTransitionTime");
}

void from_json(const json& j, Cluster& out) {
  out.metadata = object_or_empty(j, "metadata").get<ObjectMeta>();
  const json& spec = object_or_empty(j, "spec");
  out.api_endpoint = str(spec, "apiEndpoint");
  if (const json* ref = field(spec, "secretRef")) {
    if (!ref->is_object()) throw std::invalid_argument("spec.secretRef: expected an object");
    out.secret_ref = Cluster::SecretRef{str(*ref, "namespace"), str(*ref, "name")};
  } else {
    out.secret_ref.reset();
  }
  out.insecure_skip_tls_verification = bool_field(spec, "insecureSkipTLSVerification");
  out.proxy_url = str(spec, "proxyURL");
  out.proxy_header = string_map(spec, "proxyHeader");
  out.sync_mode = str(spec, "syncMode");
  out.conditions = list_field<Condition>(object_or_empty(j, "status"), "conditions");
}

void from_json(const json& j, Secret& out) {
  out.metadata = object_or_empty(j, "metadata").get<ObjectMeta>();
  out.type = str(j, "type");
  out.data.clear();
  for (const auto& [k, v] : string_map(j, "data")) {
    auto decoded = base64_decode(v);
    if (!decoded) throw std::invalid_argument("data." + k + ": not base64");
    out.data.emplace(k, std::move(*decoded));
  }
}

void from_json(const json& j, LeaseSpec& out) {
  out.holder_identity = str(j, "holderIdentity");
  out.lease_duration_seconds = int_field<int>(j, "leaseDurationSeconds");
  out.acquire_time = time_field(j, "acquireTime");
  out.renew_time = time_field(j, "renewTime");
  out.lease_transitions = int_field<int>(j, "leaseTransitions");
}

void from_json(const json& j, Lease& out) {
  out.metadata = object_or_empty(j, "metadata").get<ObjectMeta>();
  out.spec = object_or_empty(j, "spec").get<LeaseSpec>();
}

void from_json(const json& j, Scale& out) {
  out.metadata = object_or_empty(j, "metadata").get<ObjectMeta>();
  out.spec_replicas = int_field<std::int32_t>(object_or_empty(j, "spec"), "replicas");
  const json& status = object_or_empty(j, "status");
  out.status_replicas = int_field<std::int32_t>(status, "replicas");
  out.status_selector = str(status, "selector");
}

void from_json(const json& j, Pod& out) {
  out.metadata = object_or_empty(j, "metadata").get<ObjectMeta>();
  const json& status = object_or_empty(j, "status");
  out.phase = str(status, "phase");
  out.start_time = time_field(status, "startTime");
  out.conditions = list_field<Condition>(status, "conditions");
  out.containers.clear();
  const json& spec = object_or_empty(j, "spec");
  if (const json* containers = field(spec, "containers")) {
    if (!containers->is_array()) throw std::invalid_argument("spec.containers: expected a list");
    for (const auto& c : *containers) {
      Pod::Container container;
      container.name = str(c, "name");
      const json& resources = object_or_empty(c, "resources");
      for (const auto& [k, v] : string_map(resources, "requests")) {
        auto q = kubeapi::Quantity::parse(v);
        if (!q) throw std::invalid_argument("resources.requests." + k + ": " + q.error().message);
        container.requests.emplace(k, *q);
      }
      out.containers.push_back(std::move(container));
    }
  }
}

void to_json(json& j, const ObjectMeta& in) {
  j = json::object();
  if (!in.name.empty()) j["name"] = in.name;
  if (!in.namespace_name.empty()) j["namespace"] = in.namespace_name;
  if (!in.resource_version.empty()) j["resourceVersion"] = in.resource_version;
  if (!in.uid.empty()) j["uid"] = in.uid;
  if (!in.labels.empty()) j["labels"] = in.labels;
  if (!in.annotations.empty()) j["annotations"] = in.annotations;
}

void to_json(json& j, const Lease& in) {
  json spec = json::object();
  // holderIdentity is written even when empty: a released lease says so explicitly.
  spec["holderIdentity"] = in.spec.holder_identity;
  if (in.spec.lease_duration_seconds > 0) spec["leaseDurationSeconds"] = in.spec.lease_duration_seconds;
  if (in.spec.acquire_time) spec["acquireTime"] = format_rfc3339_micro(*in.spec.acquire_time);
  if (in.spec.renew_time) spec["renewTime"] = format_rfc3339_micro(*in.spec.renew_time);
  spec["leaseTransitions"] = in.spec.lease_transitions;
  j = json{{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"metadata", in.metadata}, {"spec", spec}};
}

void to_json(json& j, const Scale& in) {
  j = json{{"apiVersion", "autoscaling/v1"},
           {"kind", "Scale"},
           {"metadata", in.metadata},
           {"spec", {{"replicas", in.spec_replicas}}}};
}

json make_event(const EventSpec& spec) {
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(spec.time.time_since_epoch()).count();
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "%llx", static_cast<unsigned long long>(nanos));
  const std::string ts = format_rfc3339(spec.time);
  json involved = json::object();
  if (!spec.involved.api_version.empty()) involved["apiVersion"] = spec.involved.api_version;
  involved["kind"] = spec.involved.kind;
  if (!spec.involved.namespace_name.empty()) involved["namespace"] = spec.involved.namespace_name;
  involved["name"] = spec.involved.name;
  if (!spec.involved.uid.empty()) involved["uid"] = spec.involved.uid;
  if (!spec.involved.resource_version.empty()) involved["resourceVersion"] = spec.involved.resource_version;
  json metadata = {{"name", spec.involved.name + "." + suffix}};
  // Events of cluster-scoped objects go to "default", as client-go's recorder does.
  metadata["namespace"] = spec.involved.namespace_name.empty() ? "default" : spec.involved.namespace_name;
  json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", metadata},
                {"involvedObject", involved},
                {"type", spec.type},
                {"reason", spec.reason},
                {"message", spec.message},
                {"source", {{"component", spec.reporting_component}}},
                {"firstTimestamp", ts},
                {"lastTimestamp", ts},
                {"count", 1},
                {"reportingComponent", spec.reporting_component},
                {"reportingInstance", spec.reporting_instance}};
  return event;
}

}  // namespace fedmetrics::kube
