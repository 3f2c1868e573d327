#pragma once
// groupPods (hpa-algorithm.md §2.2): classify the listed pods as ready / unready / missing / ignored
// against the metric samples, applying the CPU readiness rules. Pure; `now` is an input.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "aggregation/autoscaler/scenario.hpp"

namespace fedmetrics::autoscaler {

/// One metric sample of a pod.
struct Sample {
  std::int64_t value = 0;
  Millis timestamp = 0;
  Millis window = 0;
};

/// Samples keyed by pod key (see pod_key()). Keys of unlisted pods are "superfluous" samples.
using SampleMap = std::map<std::string, Sample>;

/// Pod identity: "cluster/name" (fedmetrics, kube; just "name" when the cluster is empty) or "name" (Karmada, which lets same-named pods
/// of different clusters collide, §5.4).
std::string pod_key(const std::string& cluster, const std::string& name, PodKey mode);

struct GroupingOptions {
  Millis cpu_initialization_period = 300'000;
  Millis initial_readiness_delay = 30'000;
  bool ignore_succeeded_pods = true;  ///< newest kube: terminal = Failed or Succeeded
  PodKey key = PodKey::ClusterName;
};

struct PodGroups {
  std::int32_t ready_count = 0;  ///< counts pods, so colliding keys count twice
  std::set<std::string> unready, missing, ignored;
};

/// First matching rule wins: deleting/terminal -> ignored; Pending -> unready; no sample -> missing;
/// for resource "cpu" only, the readiness/initialization rules; otherwise ready.
PodGroups group_pods(const std::vector<const Pod*>& pods, const SampleMap& samples, const std::string& resource,
                     const GroupingOptions& opts, Millis now);

/// Pods that are Running with Ready=True (the Object/External Value multiplier); deleting pods count.
std::int32_t ready_pods_count(const std::vector<const Pod*>& pods);

void remove_samples(SampleMap& samples, const std::set<std::string>& keys);

}  // namespace fedmetrics::autoscaler
