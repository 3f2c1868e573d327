#include "aggregation/cron/cron_federated_hpa.hpp"

#include <algorithm>
#include <set>

#include "clients/base/clock.hpp"
#include "clients/kube/encoding.hpp"

namespace fedmetrics::cron {

using nlohmann::json;

namespace {

std::string string_at(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An optional int32 field; a wrong type or range is a spec error.
std::optional<std::int32_t> int32_at(const json& obj, const char* key, const std::string& path,
                                     std::vector<std::string>& errors) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() < INT32_MIN || it->get<std::int64_t>() > INT32_MAX) {
    errors.push_back(path + "." + key + ": Invalid value: must be a 32-bit integer");
    return std::nullopt;
  }
  return static_cast<std::int32_t>(it->get<std::int64_t>());
}

std::optional<Time> time_at(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return std::nullopt;
  }
  auto t = kube::parse_rfc3339(it->get<std::string>());
  return t ? std::optional<Time>(*t) : std::nullopt;
}

CronRule decode_rule(const json& j, const std::string& path, std::vector<std::string>& errors) {
  CronRule r;
  if (!j.is_object()) {
    errors.push_back(path + ": Invalid value: must be an object");
    return r;
  }
  for (const char* key : {"name", "schedule"}) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      errors.push_back(path + "." + key + ": Required value");
    }
  }
  r.name = string_at(j, "name");
  r.schedule = string_at(j, "schedule");
  r.target_replicas = int32_at(j, "targetReplicas", path, errors);
  r.target_min_replicas = int32_at(j, "targetMinReplicas", path, errors);
  r.target_max_replicas = int32_at(j, "targetMaxReplicas", path, errors);
  if (const auto it = j.find("suspend"); it != j.end() && !it->is_null()) {
    if (it->is_boolean()) {
      r.suspend = it->get<bool>();
    } else {
      errors.push_back(path + ".suspend: Invalid value: must be a boolean");
    }
  }
  if (const auto it = j.find("timeZone"); it != j.end() && !it->is_null()) {
    if (it->is_string()) {
      r.time_zone = it->get<std::string>();
    } else {
      errors.push_back(path + ".timeZone: Invalid value: must be a string");
    }
  }
  r.successful_history_limit = int32_at(j, "successfulHistoryLimit", path, errors).value_or(3);
  r.failed_history_limit = int32_at(j, "failedHistoryLimit", path, errors).value_or(3);
  return r;
}

ExecutionHistory decode_history(const json& j) {
  ExecutionHistory h;
  h.rule_name = string_at(j, "ruleName");
  h.next_execution_time = time_at(j, "nextExecutionTime");
  std::vector<std::string> ignored;
  if (const auto it = j.find("successfulExecutions"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      if (!e.is_object()) {
        continue;
      }
      const auto schedule = time_at(e, "scheduleTime");
      const auto execution = time_at(e, "executionTime");
      if (schedule && execution) {
        h.successful.push_back({*schedule, *execution, int32_at(e, "appliedReplicas", "", ignored),
                                int32_at(e, "appliedMinReplicas", "", ignored),
                                int32_at(e, "appliedMaxReplicas", "", ignored)});
      }
    }
  }
  if (const auto it = j.find("failedExecutions"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      if (!e.is_object()) {
        continue;
      }
      const auto schedule = time_at(e, "scheduleTime");
      const auto execution = time_at(e, "executionTime");
      if (schedule && execution) {
        h.failed.push_back({*schedule, *execution, string_at(e, "message")});
      }
    }
  }
  return h;
}

// apimachinery's IsValidPathSegmentName.
void validate_path_segment(const std::string& value, const std::string& path, std::vector<std::string>& out) {
  if (value.empty()) {
    out.push_back(path + ": Required value");
  } else if (value == "." || value == "..") {
    out.push_back(path + ": Invalid value: \"" + value + "\": may not be '" + value + "'");
  } else if (value.find_first_of("/%") != std::string::npos) {
    out.push_back(path + ": Invalid value: \"" + value + "\": may not contain '/' or '%'");
  }
}

std::string rfc3339(Time t) { return format_rfc3339(t); }

ExecutionHistory& history_of(std::vector<ExecutionHistory>& histories, const std::string& rule_name) {
  const auto it = std::find_if(histories.begin(), histories.end(),
                               [&](const ExecutionHistory& h) { return h.rule_name == rule_name; });
  if (it != histories.end()) {
    return *it;
  }
  histories.push_back(ExecutionHistory{rule_name, std::nullopt, {}, {}});
  return histories.back();
}

template <class T>
void push_newest_first(std::vector<T>& list, T item, std::int32_t limit) {
  list.insert(list.begin(), std::move(item));
  list.resize(std::min(list.size(), static_cast<std::size_t>(std::max(limit, 0))));
}

}  // namespace

Result<CronFederatedHpa> decode_cron_federated_hpa(const json& object) {
  if (!object.is_object()) {
    return make_error(Errc::ProtocolError, "CronFederatedHPA is not a JSON object");
  }
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object() || string_at(*meta, "name").empty()) {
    return make_error(Errc::ProtocolError, "CronFederatedHPA without metadata.name");
  }
  CronFederatedHpa c;
  c.name = string_at(*meta, "name");
  c.namespace_name = string_at(*meta, "namespace");
  c.uid = string_at(*meta, "uid");
  c.resource_version = string_at(*meta, "resourceVersion");
  if (const auto g = meta->find("generation"); g != meta->end() && g->is_number_integer()) {
    c.generation = g->get<std::int64_t>();
  }
  const auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) {
    c.spec_errors.push_back("spec: Required value");
  } else {
    if (const auto ref = spec->find("scaleTargetRef"); ref != spec->end() && ref->is_object()) {
      c.target = {string_at(*ref, "apiVersion"), string_at(*ref, "kind"), string_at(*ref, "name")};
    } else {
      c.spec_errors.push_back("spec.scaleTargetRef: Required value");
    }
    const auto rules = spec->find("rules");
    if (rules == spec->end() || !rules->is_array()) {
      c.spec_errors.push_back("spec.rules: Required value");
    } else {
      for (std::size_t i = 0; i < rules->size(); ++i) {
        c.rules.push_back(decode_rule((*rules)[i], "spec.rules[" + std::to_string(i) + "]", c.spec_errors));
      }
    }
  }
  if (const auto status = object.find("status"); status != object.end() && status->is_object()) {
    if (const auto h = status->find("executionHistories"); h != status->end() && h->is_array()) {
      for (const auto& e : *h) {
        if (e.is_object() && !string_at(e, "ruleName").empty()) {
          c.histories.push_back(decode_history(e));
        }
      }
    }
    if (const auto conds = status->find("conditions"); conds != status->end() && conds->is_array()) {
      for (const auto& e : *conds) {
        if (e.is_object()) {
          c.conditions.push_back({string_at(e, "type"), string_at(e, "status"), string_at(e, "reason"),
                                  string_at(e, "message"), time_at(e, "lastTransitionTime")});
        }
      }
    }
  }
  return c;
}

std::vector<std::string> validate(const CronFederatedHpa& c, const ZoneDatabase& zones) {
  std::vector<std::string> out = c.spec_errors;
  if (c.targets_federated_hpa() && c.target.kind != "FederatedHPA") {
    // The reference stops here.
    out.push_back("spec.scaleTargetRef.kind: Invalid value: \"" + c.target.kind +
                  "\": invalid scaleTargetRef kind: " + c.target.kind + ", only support FederatedHPA");
    return out;
  }
  validate_path_segment(c.target.kind, "spec.scaleTargetRef.kind", out);
  validate_path_segment(c.target.name, "spec.scaleTargetRef.name", out);
  std::set<std::string> names;
  for (std::size_t i = 0; i < c.rules.size(); ++i) {
    const CronRule& r = c.rules[i];
    const std::string path = "spec.rules[" + std::to_string(i) + "]";
    if (!names.insert(r.name).second) {
      out.push_back(path + ".name: Duplicate value: \"" + r.name + "\"");
    }
    if (r.name.empty() || r.name.size() > 32) {
      out.push_back(path + ".name: Invalid value: \"" + r.name + "\": must be 1 to 32 characters");
    }
    if (auto s = parse_cron(r.schedule); !s) {
      out.push_back(path + ".schedule: Invalid value: \"" + r.schedule + "\": invalid cron format: " +
                    s.error().message);
    }
    if (r.time_zone) {
      if (auto z = zones.load(*r.time_zone); !z) {
        out.push_back(path + ".timeZone: Invalid value: \"" + *r.time_zone + "\": " + z.error().message);
      }
    }
    if (r.successful_history_limit < 1 || r.successful_history_limit > 32) {
      out.push_back(path + ".successfulHistoryLimit: Invalid value: must be between 1 and 32");
    }
    if (r.failed_history_limit < 0 || r.failed_history_limit > 32) {
      out.push_back(path + ".failedHistoryLimit: Invalid value: must be between 0 and 32");
    }
    if (c.targets_federated_hpa()) {
      if (!r.target_min_replicas && !r.target_max_replicas) {
        out.push_back(path + ".targetMaxReplicas: Invalid value: \"\": targetMinReplicas and targetMaxReplicas "
                             "cannot be nil at the same time if you want to scale FederatedHPA");
      }
      const std::int64_t min = r.target_min_replicas.value_or(1);
      const std::int64_t max = r.target_max_replicas.value_or(INT32_MAX);
      if (min <= 0) {
        out.push_back(path + ".targetMinReplicas: Invalid value: \"\": targetMinReplicas should be larger than 0");
      }
      if (max <= 0) {
        out.push_back(path + ".targetMaxReplicas: Invalid value: \"\": targetMaxReplicas should be larger than 0");
      }
      if (min > max) {
        out.push_back(path + ".targetMinReplicas: Invalid value: \"\": targetMaxReplicas should be larger than "
                             "or equal to targetMinReplicas");
      }
    } else {
      if (!r.target_replicas) {
        out.push_back(path + ".targetReplicas: Invalid value: \"\": targetReplicas cannot be nil if you want to "
                             "scale " + c.target.kind);
      } else if (*r.target_replicas < 0) {
        out.push_back(path + ".targetReplicas: Invalid value: \"\": targetReplicas should be larger than or "
                             "equal to 0");
      }
    }
  }
  return out;
}

std::vector<ExecutionHistory> reconcile_histories(const std::vector<ExecutionHistory>& current,
                                                  const std::vector<CronRule>& rules,
                                                  const std::vector<std::optional<Time>>& next) {
  std::vector<ExecutionHistory> out;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto it = std::find_if(current.begin(), current.end(),
                                 [&](const ExecutionHistory& h) { return h.rule_name == rules[i].name; });
    ExecutionHistory h = it != current.end() ? *it : ExecutionHistory{rules[i].name, std::nullopt, {}, {}};
    h.next_execution_time = i < next.size() ? next[i] : std::nullopt;
    out.push_back(std::move(h));
  }
  return out;
}

void record_success(std::vector<ExecutionHistory>& histories, const CronRule& rule, SuccessfulExecution execution,
                    std::optional<Time> next) {
  ExecutionHistory& h = history_of(histories, rule.name);
  push_newest_first(h.successful, std::move(execution), rule.successful_history_limit);
  h.next_execution_time = next;
}

void record_failure(std::vector<ExecutionHistory>& histories, const CronRule& rule, FailedExecution execution,
                    std::optional<Time> next) {
  ExecutionHistory& h = history_of(histories, rule.name);
  push_newest_first(h.failed, std::move(execution), rule.failed_history_limit);
  h.next_execution_time = next;
}

json encode_status(const std::vector<ExecutionHistory>& histories, const std::vector<CronCondition>& conditions) {
  json list = json::array();
  for (const auto& h : histories) {
    json e{{"ruleName", h.rule_name}};
    if (h.next_execution_time) {
      e["nextExecutionTime"] = rfc3339(*h.next_execution_time);
    }
    if (!h.successful.empty()) {
      json s = json::array();
      for (const auto& x : h.successful) {
        json o{{"scheduleTime", rfc3339(x.schedule_time)},
               {"executionTime", kube::format_rfc3339_micro(x.execution_time)}};
        if (x.applied_replicas) o["appliedReplicas"] = *x.applied_replicas;
        if (x.applied_min_replicas) o["appliedMinReplicas"] = *x.applied_min_replicas;
        if (x.applied_max_replicas) o["appliedMaxReplicas"] = *x.applied_max_replicas;
        s.push_back(std::move(o));
      }
      e["successfulExecutions"] = std::move(s);
    }
    if (!h.failed.empty()) {
      json f = json::array();
      for (const auto& x : h.failed) {
        f.push_back({{"scheduleTime", rfc3339(x.schedule_time)},
                     {"executionTime", kube::format_rfc3339_micro(x.execution_time)},
                     {"message", x.message}});
      }
      e["failedExecutions"] = std::move(f);
    }
    list.push_back(std::move(e));
  }
  json status{{"executionHistories", std::move(list)}};
  if (!conditions.empty()) {
    json conds = json::array();
    for (const auto& c : conditions) {
      json o{{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}};
      if (c.last_transition_time) o["lastTransitionTime"] = rfc3339(*c.last_transition_time);
      conds.push_back(std::move(o));
    }
    status["conditions"] = std::move(conds);
  }
  return status;
}

CronCondition valid_condition(const std::vector<std::string>& errors, const std::vector<CronCondition>& previous,
                              Time now) {
  CronCondition c{"Valid", errors.empty() ? "True" : "False", errors.empty() ? "ValidSpec" : "InvalidSpec", "",
                  now};
  for (const auto& e : errors) {
    c.message += (c.message.empty() ? "" : "; ") + e;
  }
  if (errors.empty()) {
    c.message = "the spec is valid";
  }
  for (const auto& p : previous) {
    if (p.type == c.type && p.status == c.status && p.last_transition_time) {
      c.last_transition_time = p.last_transition_time;
    }
  }
  return c;
}

}  // namespace fedmetrics::cron
