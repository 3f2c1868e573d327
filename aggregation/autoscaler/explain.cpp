#include "aggregation/autoscaler/explain.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <sstream>

#include "aggregation/autoscaler/normalization.hpp"

namespace fedmetrics::autoscaler {

namespace {

std::string quantity(std::int64_t milli) {
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return std::to_string(milli) + "m";
}

std::string fixed(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string plural(std::int64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string seconds(Millis ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return fixed(static_cast<double>(ms) / 1000, 3) + "s";
}

std::string rfc3339(Millis ms) {
  const std::time_t t = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string at(Millis t, Millis now) { return rfc3339(t) + " (" + seconds(now - t) + " ago)"; }

// The target as a sentence fragment; the effective type is the one set, in upstream order, when unset.
std::string target_text(const MetricSpec& m) {
  const MetricTarget& t = m.target;
  // A Pods metric has one kind of target whatever its type says (the HPA reads averageValue only).
  if (m.type == MetricSourceType::Pods && t.average_value) return "an average of " + quantity(*t.average_value) + " per pod";
  const bool per_pod_resource = m.type == MetricSourceType::Resource || m.type == MetricSourceType::ContainerResource;
  if ((t.type == TargetType::Utilization || t.type == TargetType::Unset) && t.average_utilization) {
    return std::to_string(*t.average_utilization) + "% of the pods' " + m.resource_name + " requests";
  }
  if ((t.type == TargetType::AverageValue || t.type == TargetType::Unset) && t.average_value) {
    return "an average of " + quantity(*t.average_value) + " per pod";
  }
  if ((t.type == TargetType::Value || t.type == TargetType::Unset) && t.value) {
    return per_pod_resource ? "value " + quantity(*t.value) : "a total of " + quantity(*t.value);
  }
  return "no usable target (" + to_string(t.type) + ")";
}

std::string metric_title(const MetricSpec& m) {
  switch (m.type) {
    case MetricSourceType::Resource: return "resource " + m.resource_name;
    case MetricSourceType::ContainerResource: return "container resource " + m.resource_name + " of " + m.container;
    case MetricSourceType::Pods: return "pods metric " + m.metric_name;
    case MetricSourceType::Object:
      return "object metric " + m.metric_name + " of " + m.described_object.kind + "/" + m.described_object.name;
    case MetricSourceType::External: return "external metric " + m.metric_name;
    case MetricSourceType::Invalid: break;
  }
  return "metric of unknown type \"" + m.type_name + "\"";
}

std::string current_text(const MetricStatus& c) {
  std::vector<std::string> parts;
  if (c.average_utilization) parts.push_back(std::to_string(*c.average_utilization) + "% of requests");
  if (c.average_value) parts.push_back("average " + quantity(*c.average_value) + " per pod");
  if (c.value) parts.push_back("total " + quantity(*c.value));
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "no value" : out;
}

bool is_included(const Scenario& s, const std::string& cluster) {
  if (!s.clusters) return true;
  return std::any_of(s.clusters->begin(), s.clusters->end(),
                     [&](const MemberCluster& c) { return c.name == cluster && c.ready && c.reachable; });
}

std::vector<std::string> cluster_names(const Scenario& s) {
  std::vector<std::string> names;
  if (s.clusters) {
    for (const auto& c : *s.clusters) names.push_back(c.name);
  }
  return names;
}

const Pod* find_pod(const Scenario& s, const std::string& cluster, const std::string& name) {
  for (const auto& p : s.pods) {
    if (p.name == name && p.cluster == cluster) return &p;
  }
  return nullptr;
}

// What each member cluster answered for one metric, before the calculator's grouping (raw readings).
void per_cluster_readings(std::ostringstream& o, const Scenario& s, const MetricSpec& m, const MetricData* data) {
  const std::string indent = "      ";
  if (m.type == MetricSourceType::Resource || m.type == MetricSourceType::ContainerResource) {
    if (!s.pod_metrics) {
      o << indent << "no reading: the resource metrics API (metrics.k8s.io) call failed\n";
      return;
    }
    struct Sum {
      int pods = 0;
      std::int64_t usage = 0, requests = 0;
    };
    std::map<std::string, Sum> sums;
    for (const auto& name : cluster_names(s)) sums[name];
    for (const auto& item : s.pod_metrics.value()) {
      Sum& sum = sums[item.cluster];
      ++sum.pods;
      for (const auto& c : item.containers) {
        if (m.type == MetricSourceType::ContainerResource && c.name != m.container) continue;
        if (auto u = c.usage.find(m.resource_name); u != c.usage.end()) sum.usage += u->second;
      }
      if (const Pod* pod = find_pod(s, item.cluster, item.pod)) {
        for (const auto& c : pod->containers) {
          if (m.type == MetricSourceType::ContainerResource && c.name != m.container) continue;
          if (auto r = c.requests.find(m.resource_name); r != c.requests.end()) sum.requests += r->second;
        }
      }
    }
    for (const auto& [cluster, sum] : sums) {
      o << indent << (cluster.empty() ? "(no cluster)" : cluster) << ": ";
      if (sum.pods == 0) {
        o << "no pod metrics\n";
        continue;
      }
      o << plural(sum.pods, "pod", "pods") << " measured, " << m.resource_name << " usage " << quantity(sum.usage);
      if (sum.requests > 0) {
        o << " of " << quantity(sum.requests) << " requested ("
          << fixed(100.0 * static_cast<double>(sum.usage) / static_cast<double>(sum.requests), 0) << "%)";
      }
      o << ", average " << quantity(sum.usage / sum.pods) << " per pod\n";
    }
    return;
  }
  if (data == nullptr) {
    o << indent << "not read (the workload has no pods to measure, or its selector is unusable)\n";
    return;
  }
  if (data->error) {
    o << indent << "the read failed: " << *data->error << "\n";
    return;
  }
  if (m.type == MetricSourceType::Pods) {
    std::map<std::string, std::vector<const PodSample*>> by;
    for (const auto& name : cluster_names(s)) by[name];
    for (const auto& sample : data->samples) by[sample.cluster].push_back(&sample);
    for (const auto& [cluster, samples] : by) {
      o << indent << (cluster.empty() ? "(no cluster)" : cluster) << ": ";
      if (samples.empty()) {
        o << "no samples\n";
        continue;
      }
      std::int64_t sum = 0;
      for (const auto* x : samples) sum += x->value;
      o << plural(static_cast<std::int64_t>(samples.size()), "sample", "samples") << ", average "
        << quantity(sum / static_cast<std::int64_t>(samples.size())) << " (";
      for (std::size_t i = 0; i < samples.size(); ++i) {
        o << (i ? ", " : "") << samples[i]->pod << " " << quantity(samples[i]->value);
      }
      o << ")" << (is_included(s, cluster) ? "" : "; not counted: not a target cluster") << "\n";
    }
    return;
  }
  if (data->by_cluster) {
    for (const auto& c : *data->by_cluster) {
      o << indent << c.cluster << ": ";
      if (c.error) {
        o << "failed: " << *c.error << "\n";
        continue;
      }
      std::int64_t sum = 0;
      for (auto v : c.values) sum += v;
      o << quantity(sum);
      if (c.values.size() > 1) o << " (sum of " << c.values.size() << " series)";
      if (c.values.empty()) o << " (no series)";
      o << (is_included(s, c.cluster) ? "" : "; not counted: not a target cluster") << "\n";
    }
    return;
  }
  o << indent << "values:";
  for (auto v : data->values) o << " " << quantity(v);
  o << "\n";
}

std::string list_keys(const std::vector<std::string>& keys) {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(keys.size(), 5);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + keys[i];
  if (keys.size() > shown) out += ", and " + std::to_string(keys.size() - shown) + " more";
  return out;
}

void metric_section(std::ostringstream& o, const Scenario& s, const Decision& d, const std::vector<MetricSpec>& specs) {
  o << "Metrics (the loop takes the highest proposal among the valid metrics):\n";
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const MetricSpec& m = specs[i];
    o << "  " << i + 1 << ". " << metric_title(m) << ", target " << target_text(m) << "\n";
    const MetricResult* r = nullptr;
    for (const auto& x : d.metrics) {
      if (x.index == static_cast<int>(i)) r = &x;
    }
    if (r != nullptr && r->valid) {
      o << "      now " << current_text(r->current);
      if (r->trace.ready_count) o << " over " << plural(*r->trace.ready_count, "ready pod", "ready pods");
      o << " -> proposes " << plural(r->replicas, "replica", "replicas");
      if (r->trace.ratio) o << " (usage ratio " << fixed(*r->trace.ratio) << ")";
      o << "\n";
      if (r->trace.new_ratio && r->trace.ratio && *r->trace.new_ratio != *r->trace.ratio) {
        o << "      with missing and unready pods counted conservatively the ratio is " << fixed(*r->trace.new_ratio)
          << "\n";
      }
      if (!r->trace.missing.empty()) o << "      pods without a sample: " << list_keys(r->trace.missing) << "\n";
      if (!r->trace.unready.empty()) o << "      unready pods: " << list_keys(r->trace.unready) << "\n";
      if (!r->trace.ignored.empty()) o << "      ignored pods: " << list_keys(r->trace.ignored) << "\n";
    } else if (r != nullptr) {
      o << "      INVALID (" << r->reason << "): " << r->error << "\n";
    } else {
      o << "      not evaluated\n";
    }
    const MetricData* data = i < s.metric_data.size() ? &s.metric_data[i] : nullptr;
    per_cluster_readings(o, s, m, data);
  }
}

void clusters_section(std::ostringstream& o, const Scenario& s, const Decision& d) {
  if (!s.clusters) {
    o << "Target: " << plural(s.target.spec_replicas, "replica", "replicas") << " (status "
      << s.target.status_replicas << ")\n";
    return;
  }
  o << "Template: " << plural(s.target.spec_replicas, "replica", "replicas");
  if (d.current_replicas) {
    o << "; ready in the members: " << d.status_replicas << "; calibration " << fixed(d.calibration)
      << " (member replicas / template replicas)";
  }
  o << "\nMember clusters:\n";
  if (s.clusters->empty()) o << "  none runs the workload\n";
  std::map<std::string, int> pods;
  for (const auto& p : s.pods) ++pods[p.cluster];
  for (const auto& c : *s.clusters) {
    o << "  " << c.name << ": ";
    if (!c.reachable) {
      o << "unreachable: its pods and metrics are left out\n";
      continue;
    }
    if (!c.ready) {
      o << "not ready: its pods and metrics are left out\n";
      continue;
    }
    o << c.spec_replicas << " desired, " << c.status_replicas << " running, "
      << plural(pods[c.name], "pod", "pods") << " listed\n";
  }
}

// The earlier recommendations a stabilization window held: those of the history before this decision
// (decide() seeds a never-initialised history with the current count) newer than now - window; the legacy
// rule keeps the window's edge (`inclusive`).
std::string window_text(const Scenario& s, std::int32_t cur, Millis window, bool inclusive) {
  const std::vector<Recommendation> before =
      s.history.recommendations ? *s.history.recommendations : std::vector<Recommendation>{{cur, s.now}};
  std::string out;
  for (const auto& r : before) {
    const bool held = inclusive ? r.timestamp >= s.now - window : r.timestamp > s.now - window;
    if (held) out += (out.empty() ? "" : "; ") + std::to_string(r.replicas) + " at " + at(r.timestamp, s.now);
  }
  if (!s.history.recommendations && !out.empty()) out += " (the current count: a new history starts with it)";
  return out.empty() ? "no earlier recommendation" : out;
}

std::string policy_text(const ScalingPolicy& p, bool up) {
  return std::string(up ? "+" : "-") + std::to_string(p.value) + (p.type == PolicyType::Percent ? "%" : " pods") +
         " per " + std::to_string(p.period_seconds) + "s";
}

std::string select_text(std::optional<SelectPolicy> p) {
  switch (p.value_or(SelectPolicy::Max)) {
    case SelectPolicy::Max: return "Max (the most permissive policy applies)";
    case SelectPolicy::Min: return "Min (the most restrictive policy applies)";
    case SelectPolicy::Disabled: return "Disabled";
  }
  return "";
}

void normalization_section(std::ostringstream& o, const Scenario& s, const Decision& d) {
  const std::int32_t cur = d.current_replicas.value_or(0);
  const std::int32_t proposal = d.proposal.value_or(cur);
  const std::int32_t stabilized = d.stabilized.value_or(proposal);
  const std::int32_t min_replicas = s.hpa.min_replicas.value_or(1);
  o << "Recommendation: " << plural(proposal, "replica", "replicas");
  if (!d.proposal_metric.empty()) o << " (from " << d.proposal_metric << ")";
  o << "\n";
  if (s.hpa.behavior) {
    const Behavior b = default_behavior(*s.hpa.behavior);
    const Millis up_window = static_cast<Millis>(b.scale_up->stabilization_window_seconds.value_or(0)) * 1000;
    const Millis down_window = b.scale_down->stabilization_window_seconds
                                   ? static_cast<Millis>(*b.scale_down->stabilization_window_seconds) * 1000
                                   : s.options.downscale_stabilization_window;
    o << "Stabilization: scale-up window " << seconds(up_window) << " (the lowest recommendation in it applies), "
      << "scale-down window " << seconds(down_window) << " (the highest applies)\n";
    if (proposal > cur) o << "  scale-up window held: " << window_text(s, cur, up_window, false) << "\n";
    if (proposal < cur || stabilized != proposal) {
      o << "  scale-down window held: " << window_text(s, cur, down_window, false) << "\n";
    }
    o << "  -> " << plural(stabilized, "replica", "replicas")
      << (stabilized == proposal ? " (the window changed nothing)" : " (held by the window)") << "\n";
    if (stabilized != cur) {
      const bool up = stabilized > cur;
      const ScalingRules& rules = up ? *b.scale_up : *b.scale_down;
      o << "Scaling policies (" << (up ? "scaleUp" : "scaleDown") << ", selectPolicy " << select_text(rules.select_policy)
        << "):\n";
      if (rules.policies) {
        for (const auto& p : *rules.policies) {
          ScalingRules one;
          one.select_policy = SelectPolicy::Max;
          one.policies = std::vector<ScalingPolicy>{p};
          const auto& h = s.history;
          const std::int32_t allowed = up ? std::max(scale_up_limit(cur, h.scale_up_events, h.scale_down_events, one, s.now), cur)
                                          : std::min(scale_down_limit(cur, h.scale_up_events, h.scale_down_events, one, s.now), cur);
          o << "  " << policy_text(p, up) << " allows " << (up ? "up to " : "down to ") << allowed << "\n";
        }
      }
      const auto& h = s.history;
      const std::int32_t limit = up ? std::max(scale_up_limit(cur, h.scale_up_events, h.scale_down_events, rules, s.now), cur)
                                    : std::min(scale_down_limit(cur, h.scale_up_events, h.scale_down_events, rules, s.now), cur);
      o << "  -> the policies allow " << (up ? "up to " : "down to ") << limit << "\n";
      const auto& events = up ? h.scale_up_events : h.scale_down_events;
      for (const auto& e : events) {
        o << "  earlier scale " << (up ? "up" : "down") << " by " << e.change << " at " << at(e.timestamp, s.now) << "\n";
      }
    }
  } else {
    o << "Stabilization (no behavior: the legacy rule): the highest recommendation of the last "
      << seconds(s.options.downscale_stabilization_window) << " applies\n"
      << "  window held: " << window_text(s, cur, s.options.downscale_stabilization_window, true) << "\n"
      << "  -> " << plural(stabilized, "replica", "replicas") << "\n";
    if (stabilized > cur) {
      o << "Scale-up limit (no behavior): max(" << fixed(s.options.scale_up_limit_factor, 1) << " x " << cur << ", "
        << fixed(s.options.scale_up_limit_minimum, 0) << ") = "
        << static_cast<std::int64_t>(std::max(s.options.scale_up_limit_factor * cur, s.options.scale_up_limit_minimum))
        << "\n";
    }
  }
  o << "Bounds: minReplicas " << min_replicas << ", maxReplicas " << s.hpa.max_replicas << "\n";
  o << "Limited by: ";
  if (d.limit_reason == "ScaleUpLimit") {
    o << (s.hpa.behavior ? "the scale-up policies (ScaleUpLimit)" : "the scale-up limit (ScaleUpLimit)");
  } else if (d.limit_reason == "ScaleDownLimit") {
    o << "the scale-down policies (ScaleDownLimit)";
  } else if (d.limit_reason == "TooManyReplicas") {
    o << "maxReplicas " << s.hpa.max_replicas << " (TooManyReplicas)";
  } else if (d.limit_reason == "TooFewReplicas") {
    o << "minReplicas " << min_replicas << " (TooFewReplicas)";
  } else {
    o << "nothing (DesiredWithinRange)";
  }
  o << " -> " << plural(d.desired_replicas, "replica", "replicas") << "\n";
}

// Why the replica count stays, in one sentence (the loop does not scale).
std::string why_not(const Scenario& s, const Decision& d) {
  const std::int32_t cur = d.current_replicas.value_or(0);
  if (d.branch == "failedGetScale") {
    return d.error.value_or("the scale cannot be read") + " (the loop writes nothing but the status)";
  }
  if (d.branch == "disabled") {
    return "the template has 0 replicas and minReplicas is " + std::to_string(s.hpa.min_replicas.value_or(1)) +
           ": scaling is disabled until someone scales it up";
  }
  if (d.proposal && *d.proposal == -1) {
    return "the metrics cannot be trusted now: " + d.error.value_or("invalid metrics") +
           " (a failed metric never scales down; it scales up only if another valid metric asks for more)";
  }
  const std::int32_t proposal = d.proposal.value_or(cur);
  const std::int32_t stabilized = d.stabilized.value_or(proposal);
  if (proposal == cur) {
    return "the metrics propose the current count (" + std::to_string(cur) +
           "): every metric is within its tolerance of the target or asks for the same count";
  }
  if (stabilized == cur) {
    return "the metrics propose " + std::to_string(proposal) + ", but the stabilization window holds " +
           std::to_string(cur) + (proposal > cur ? " (a lower recommendation is still in the scale-up window)"
                                                 : " (a higher recommendation is still in the scale-down window)");
  }
  if (d.limit_reason == "ScaleUpLimit" || d.limit_reason == "ScaleDownLimit") {
    const bool up = stabilized > cur;
    std::string why = "recent scale events used up what they allow in their periods";
    if (!s.hpa.behavior) {
      why = "the legacy scale-up limit";
    } else if (const auto b = default_behavior(*s.hpa.behavior);
               (up ? b.scale_up : b.scale_down)->select_policy == SelectPolicy::Disabled) {
      why = std::string("scaling ") + (up ? "up" : "down") + " is disabled (selectPolicy Disabled)";
    }
    return "the metrics propose " + std::to_string(stabilized) + ", but the " + (up ? "scale-up" : "scale-down") +
           " policies allow no change now: " + why;
  }
  if (d.limit_reason == "TooManyReplicas") {
    return "the metrics propose " + std::to_string(stabilized) + ", but maxReplicas is " + std::to_string(s.hpa.max_replicas);
  }
  if (d.limit_reason == "TooFewReplicas") {
    return "the metrics propose " + std::to_string(stabilized) + ", but minReplicas is " +
           std::to_string(s.hpa.min_replicas.value_or(1));
  }
  return "the desired count equals the current count";
}

}  // namespace

std::string explain_decision(const Scenario& s, const Decision& d, const std::string& name) {
  std::ostringstream o;
  const std::int32_t cur = d.current_replicas.value_or(0);
  o << "FederatedHPA " << name << " at " << rfc3339(s.now) << "\n\n";
  if (d.scale_updated || d.rescale) {
    o << "SCALE " << cur << " -> " << d.desired_replicas << ": " << d.rescale_reason;
    if (!d.limit_reason.empty() && d.limit_reason != "DesiredWithinRange") o << " (limited: " << d.limit_reason << ")";
    o << "\n";
  } else {
    o << "NO CHANGE";
    if (d.current_replicas) o << " (stays at " << plural(cur, "replica", "replicas") << ")";
    o << ": " << why_not(s, d) << "\n";
  }
  o << "\n";
  clusters_section(o, s, d);
  if (d.branch == "failedGetScale" || d.branch == "disabled") {
    // Nothing further was evaluated.
  } else if (d.branch == "aboveMax" || d.branch == "belowMin") {
    o << "Bounds: the template is " << (d.branch == "aboveMax" ? "above maxReplicas " : "below minReplicas ")
      << (d.branch == "aboveMax" ? s.hpa.max_replicas : s.hpa.min_replicas.value_or(1))
      << ": the loop moves it into range without reading metrics\n";
  } else {
    o << "\n";
    const std::vector<MetricSpec> specs = s.hpa.metrics.empty() ? std::vector<MetricSpec>{default_cpu_metric()} : s.hpa.metrics;
    if (s.hpa.metrics.empty()) o << "(no metrics in the spec: the default, cpu at 80% of requests)\n";
    metric_section(o, s, d, specs);
    if (d.proposal && *d.proposal >= 0) {
      o << "\n";
      normalization_section(o, s, d);
    }
  }
  o << "\nConditions the loop would write:\n";
  for (const auto& c : d.status.conditions) {
    o << "  " << c.type << "=" << c.status << " " << c.reason << ": " << c.message << "\n";
  }
  if (!d.events.empty()) {
    o << "Events the loop would record:\n";
    for (const auto& e : d.events) o << "  " << e.type << " " << e.reason << ": " << e.message << "\n";
  }
  return o.str();
}

}  // namespace fedmetrics::autoscaler
