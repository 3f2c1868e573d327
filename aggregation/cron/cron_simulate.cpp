#include "aggregation/cron/cron_simulate.hpp"

#include <algorithm>
#include <ostream>
#include <set>

#include "aggregation/cron/cron_federated_hpa.hpp"
#include "clients/base/clock.hpp"
#include "clients/kube/encoding.hpp"

namespace fedmetrics::cron {

using nlohmann::json;

namespace {

const std::set<std::string> kKnownKeys{"from", "to", "timeZone", "limit", "rules", "scaleTargetRef",
                                       "cronFederatedHPA"};

// RFC 3339 string or Unix seconds (a number), as elsewhere in simulate.
Result<Seconds> time_of(const json& cron, const char* key) {
  const auto it = cron.find(key);
  if (it == cron.end()) {
    return make_error(Errc::InvalidArgument, std::string("cron.") + key + " is required");
  }
  if (it->is_number()) {
    const double v = it->get<double>();
    if (!(v > -1e11 && v < 1e11)) {
      return make_error(Errc::InvalidArgument, std::string("cron.") + key + " is out of range");
    }
    return Seconds{std::chrono::seconds{static_cast<std::int64_t>(v)}};
  }
  if (it->is_string()) {
    auto t = kube::parse_rfc3339(it->get<std::string>());
    if (!t) {
      return make_error(Errc::InvalidArgument, std::string("cron.") + key + ": " + t.error().message);
    }
    return std::chrono::floor<std::chrono::seconds>(*t);
  }
  return make_error(Errc::InvalidArgument, std::string("cron.") + key + " must be an RFC 3339 string or seconds");
}

json rule_summary(const CronRule& r) {
  json j{{"name", r.name}, {"schedule", r.schedule}, {"timeZone", r.zone_name()}, {"suspend", r.suspend}};
  if (auto s = parse_cron(r.schedule)) {
    j["canonical"] = s->to_string();
  }
  return j;
}

}  // namespace

bool is_cron_scenario(const json& scenario) { return scenario.is_object() && scenario.contains("cron"); }

bool run_cron_scenario(const json& scenario, const std::string& where, const ZoneDatabase& zones, std::ostream& out,
                       std::ostream& err) {
  const auto fail = [&](const std::string& message) {
    err << "error: " << where << ": " << message << "\n";
    return false;
  };
  const json& cron = scenario.at("cron");
  if (!cron.is_object()) {
    return fail("cron must be an object");
  }
  for (const auto& [key, value] : cron.items()) {
    if (!kKnownKeys.count(key)) {
      err << "warning: " << where << ": unknown field cron." << key << " ignored\n";
    }
  }
  const auto from = time_of(cron, "from");
  if (!from) {
    return fail(from.error().message);
  }
  const auto to = time_of(cron, "to");
  if (!to) {
    return fail(to.error().message);
  }
  if (*to < *from) {
    return fail("cron.to is before cron.from");
  }
  std::size_t limit = kDefaultSimulateLimit;
  if (const auto it = cron.find("limit"); it != cron.end()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
        it->get<std::int64_t>() > static_cast<std::int64_t>(kMaxSimulateLimit)) {
      return fail("cron.limit must be an integer from 1 to " + std::to_string(kMaxSimulateLimit));
    }
    limit = it->get<std::size_t>();
  }
  std::optional<std::string> default_zone;
  if (const auto it = cron.find("timeZone"); it != cron.end()) {
    if (!it->is_string()) {
      return fail("cron.timeZone must be a string");
    }
    if (auto z = zones.load(it->get<std::string>()); !z) {
      return fail("cron.timeZone: " + z.error().message);
    }
    default_zone = it->get<std::string>();
  }

  // The object the controller would see: a whole CronFederatedHPA, or rules (and a target) wrapped in one.
  json object;
  if (const auto it = cron.find("cronFederatedHPA"); it != cron.end()) {
    object = *it;
  } else {
    const auto rules = cron.find("rules");
    if (rules == cron.end() || !rules->is_array()) {
      return fail("cron.rules (an array of CronFederatedHPA rules) or cron.cronFederatedHPA is required");
    }
    json target = json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "simulate"}};
    if (const auto ref = cron.find("scaleTargetRef"); ref != cron.end()) {
      target = *ref;
    } else {
      for (const auto& r : *rules) {
        if (r.is_object() && (r.contains("targetMinReplicas") || r.contains("targetMaxReplicas"))) {
          target = json{{"apiVersion", kKarmadaAutoscalingVersion}, {"kind", "FederatedHPA"}, {"name", "simulate"}};
        }
      }
    }
    object = json{{"metadata", {{"name", "simulate"}}}, {"spec", {{"scaleTargetRef", target}, {"rules", *rules}}}};
  }
  auto decoded = decode_cron_federated_hpa(object);
  if (!decoded) {
    return fail("cron.cronFederatedHPA: " + decoded.error().message);
  }
  if (default_zone) {
    for (auto& r : decoded->rules) {
      if (!r.time_zone) {
        r.time_zone = default_zone;
      }
    }
  }
  const auto errors = validate(*decoded, zones);

  struct Execution {
    Seconds at;
    std::size_t rule;
    std::shared_ptr<const TimeZone> zone;
  };
  std::vector<Execution> executions;
  json rules = json::array();
  bool truncated = false;
  for (std::size_t i = 0; i < decoded->rules.size(); ++i) {
    const CronRule& r = decoded->rules[i];
    rules.push_back(rule_summary(r));
    const auto schedule = parse_cron(r.schedule);
    const auto zone = zones.load(r.zone_name());
    if (r.suspend || !schedule || !zone) {
      continue;
    }
    auto runs = executions_between(*schedule, **zone, *from, *to, limit + 1);
    truncated = truncated || runs.size() > limit;
    for (const auto& at : runs) {
      executions.push_back({at, i, *zone});
    }
  }
  std::stable_sort(executions.begin(), executions.end(),
                   [](const Execution& a, const Execution& b) { return a.at < b.at; });
  if (executions.size() > limit) {
    executions.resize(limit);
    truncated = true;
  }
  json list = json::array();
  for (const auto& e : executions) {
    const CronRule& r = decoded->rules[e.rule];
    const std::int64_t t = e.at.time_since_epoch().count();
    json j{{"rule", r.name}, {"scheduleTime", format_rfc3339(e.at)}, {"localTime", format_local_rfc3339(*e.zone, t)}};
    if (r.target_replicas) j["targetReplicas"] = *r.target_replicas;
    if (r.target_min_replicas) j["targetMinReplicas"] = *r.target_min_replicas;
    if (r.target_max_replicas) j["targetMaxReplicas"] = *r.target_max_replicas;
    list.push_back(std::move(j));
  }
  json result{{"kind", "cron"},
              {"from", format_rfc3339(*from)},
              {"to", format_rfc3339(*to)},
              {"valid", errors.empty()},
              {"errors", errors},
              {"rules", std::move(rules)},
              {"executions", std::move(list)},
              {"truncated", truncated}};
  if (const auto id = scenario.find("id"); id != scenario.end()) {
    result["id"] = *id;
  }
  out << result.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  return true;
}

}  // namespace fedmetrics::cron
