#include "aggregation/autoscaler/pod_grouping.hpp"

namespace fedmetrics::autoscaler {

std::string pod_key(const std::string& cluster, const std::string& name, PodKey mode) {
  return mode == PodKey::Name || cluster.empty() ? name : cluster + "/" + name;
}

namespace {

// The CPU readiness rule of §2.2 step 4; true means "unready".
bool cpu_unready(const Pod& pod, const Sample& sample, const GroupingOptions& opts, Millis now) {
  if (!pod.ready || !pod.start_time) return true;
  const Millis start = *pod.start_time;
  const Millis transition = pod.ready_transition_time;
  if (start + opts.cpu_initialization_period > now) {
    // Still initializing: the sample must cover a full window after the last readiness flip.
    return *pod.ready == "False" || sample.timestamp < transition + sample.window;
  }
  // Initialization over: unready only if it never became ready (flip within the initial delay).
  return *pod.ready == "False" && start + opts.initial_readiness_delay > transition;
}

}  // namespace

PodGroups group_pods(const std::vector<const Pod*>& pods, const SampleMap& samples, const std::string& resource,
                     const GroupingOptions& opts, Millis now) {
  PodGroups g;
  for (const Pod* pod : pods) {
    const std::string key = pod_key(pod->cluster, pod->name, opts.key);
    if (pod->deleting || pod->phase == "Failed" || (opts.ignore_succeeded_pods && pod->phase == "Succeeded")) {
      g.ignored.insert(key);
      continue;
    }
    if (pod->phase == "Pending") {
      g.unready.insert(key);
      continue;
    }
    const auto it = samples.find(key);
    if (it == samples.end()) {
      g.missing.insert(key);
      continue;
    }
    if (resource == "cpu" && cpu_unready(*pod, it->second, opts, now)) {
      g.unready.insert(key);
      continue;
    }
    ++g.ready_count;
  }
  return g;
}

std::int32_t ready_pods_count(const std::vector<const Pod*>& pods) {
  std::int32_t n = 0;
  for (const Pod* pod : pods) {
    if (pod->phase == "Running" && pod->ready && *pod->ready == "True") ++n;
  }
  return n;
}

void remove_samples(SampleMap& samples, const std::set<std::string>& keys) {
  for (const auto& k : keys) samples.erase(k);
}

}  // namespace fedmetrics::autoscaler
