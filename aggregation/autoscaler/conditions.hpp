#pragma once
// HPA condition list mechanics (hpa-algorithm.md §1.5): a type is updated in place, a new type is
// appended; lastTransitionTime changes only when the status value changes.
#include <string>
#include <string_view>
#include <vector>

#include "aggregation/autoscaler/federated_hpa.hpp"

namespace fedmetrics::autoscaler {

inline constexpr std::string_view kAbleToScale = "AbleToScale";
inline constexpr std::string_view kScalingActive = "ScalingActive";
inline constexpr std::string_view kScalingLimited = "ScalingLimited";
inline constexpr std::string_view kScaledToZero = "ScaledToZero";

void set_condition(std::vector<Condition>& conditions, std::string_view type, bool status, std::string reason,
                   std::string message, Millis now);
void remove_condition(std::vector<Condition>& conditions, std::string_view type);
/// nullptr when absent.
const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type);

}  // namespace fedmetrics::autoscaler
