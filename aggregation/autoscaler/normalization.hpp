#pragma once
// Normalization of a metric proposal (hpa-algorithm.md §4): recommendation stabilization, behavior
// rate limits (Pods/Percent policies over sliding periods, selectPolicy Max/Min/Disabled), the legacy
// path (behavior nil: 300 s max-stabilization and the scaleUpLimitFactor/Minimum cap), min/max
// clamping, and scale-event storage. Pure: history is passed in and updated, `now` is an input.
#include <cstdint>
#include <string>
#include <vector>

#include "aggregation/autoscaler/federated_hpa.hpp"
#include "aggregation/autoscaler/scenario.hpp"

namespace fedmetrics::autoscaler {

struct Stabilized {
  std::int32_t replicas = 0;
  std::string reason;  ///< ScaleUpStabilized / ScaleDownStabilized (meaningful when replicas != proposal)
};

/// stabilizeRecommendationWithBehaviors (§4.3). Records (proposal, now), reusing the last stale slot.
/// `history` must be initialised (the caller ran record_initial_recommendation).
Stabilized stabilize_with_behaviors(std::vector<Recommendation>& history, std::int32_t cur, std::int32_t proposal,
                                    Millis up_window, Millis down_window, Millis now);

/// Legacy stabilizeRecommendation (§4.6): max over entries not before now - window.
std::int32_t stabilize_legacy(std::vector<Recommendation>& history, std::int32_t proposal, Millis window, Millis now);

struct Limited {
  std::int32_t replicas = 0;
  std::string reason;  ///< DesiredWithinRange, TooManyReplicas, TooFewReplicas, ScaleUpLimit, ScaleDownLimit
  std::string message;
};

/// calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors (§4.4).
std::int32_t scale_up_limit(std::int32_t cur, const std::vector<ScaleEvent>& up, const std::vector<ScaleEvent>& down,
                            const ScalingRules& rules, Millis now);
std::int32_t scale_down_limit(std::int32_t cur, const std::vector<ScaleEvent>& up, const std::vector<ScaleEvent>& down,
                              const ScalingRules& rules, Millis now);

/// convertDesiredReplicasWithBehaviorRate (§4.4). `behavior` must be defaulted (default_behavior()).
Limited limit_with_behavior(std::int32_t cur, std::int32_t stabilized, std::int32_t min_replicas,
                            std::int32_t max_replicas, const Behavior& behavior, const History& history, Millis now);

/// convertDesiredReplicasWithRules (§4.6): cap = int32(max(factor * cur, minimum)).
Limited limit_legacy(std::int32_t cur, std::int32_t stabilized, std::int32_t min_replicas, std::int32_t max_replicas,
                     double factor, double minimum);

/// storeScaleEvent (§4.5); a no-op when behavior is nil. `behavior` must be defaulted.
void store_scale_event(History& history, const std::optional<Behavior>& behavior, std::int32_t prev,
                       std::int32_t next, Millis now);

}  // namespace fedmetrics::autoscaler
