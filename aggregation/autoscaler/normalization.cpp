#include "aggregation/autoscaler/normalization.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aggregation/autoscaler/replica_calculator.hpp"

namespace fedmetrics::autoscaler {

namespace {

constexpr std::int32_t kMaxInt32 = std::numeric_limits<std::int32_t>::max();
constexpr std::int32_t kMinInt32 = std::numeric_limits<std::int32_t>::min();

// Overwrite the last stale slot if there is one, else append (§7 note 5).
void record(std::vector<Recommendation>& history, bool found_stale, std::size_t stale_index, Recommendation rec) {
  if (found_stale) {
    history[stale_index] = rec;
  } else {
    history.push_back(rec);
  }
}

// Sum of changes with timestamps strictly after now - period (int64: absurd histories cannot overflow).
std::int64_t change_in_period(std::int32_t period_seconds, const std::vector<ScaleEvent>& events, Millis now) {
  const Millis cutoff = now - static_cast<Millis>(period_seconds) * 1000;
  std::int64_t sum = 0;
  for (const auto& e : events) {
    if (e.timestamp > cutoff) sum += e.change;
  }
  return sum;
}

std::int32_t clamp32(std::int64_t v) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(v, kMinInt32, kMaxInt32));
}

std::int32_t period_start(std::int32_t cur, const ScalingPolicy& p, const std::vector<ScaleEvent>& up,
                          const std::vector<ScaleEvent>& down, Millis now) {
  return clamp32(cur - change_in_period(p.period_seconds, up, now) + change_in_period(p.period_seconds, down, now));
}

const std::vector<ScalingPolicy>& policies_of(const ScalingRules& rules) {
  static const std::vector<ScalingPolicy> kNone;
  return rules.policies ? *rules.policies : kNone;
}

}  // namespace

Stabilized stabilize_with_behaviors(std::vector<Recommendation>& history, std::int32_t cur, std::int32_t proposal,
                                    Millis up_window, Millis down_window, Millis now) {
  std::int32_t up_rec = proposal;
  std::int32_t down_rec = proposal;
  const Millis up_cut = now - up_window;
  const Millis down_cut = now - down_window;
  bool found_stale = false;
  std::size_t stale_index = 0;
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& rec = history[i];
    if (rec.timestamp > up_cut) up_rec = std::min(up_rec, rec.replicas);
    if (rec.timestamp > down_cut) down_rec = std::max(down_rec, rec.replicas);
    if (rec.timestamp < up_cut && rec.timestamp < down_cut) {
      found_stale = true;
      stale_index = i;
    }
  }
  std::int32_t out = cur;
  if (out < up_rec) out = up_rec;
  if (out > down_rec) out = down_rec;
  record(history, found_stale, stale_index, Recommendation{proposal, now});
  return Stabilized{out, proposal >= cur ? "ScaleUpStabilized" : "ScaleDownStabilized"};
}

std::int32_t stabilize_legacy(std::vector<Recommendation>& history, std::int32_t proposal, Millis window, Millis now) {
  std::int32_t max_rec = proposal;
  const Millis cutoff = now - window;
  bool found_stale = false;
  std::size_t stale_index = 0;
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (history[i].timestamp < cutoff) {
      found_stale = true;
      stale_index = i;
    } else {
      max_rec = std::max(max_rec, history[i].replicas);
    }
  }
  record(history, found_stale, stale_index, Recommendation{proposal, now});
  return max_rec;
}

std::int32_t scale_up_limit(std::int32_t cur, const std::vector<ScaleEvent>& up, const std::vector<ScaleEvent>& down,
                            const ScalingRules& rules, Millis now) {
  const SelectPolicy sp = rules.select_policy.value_or(SelectPolicy::Max);
  if (sp == SelectPolicy::Disabled) return cur;
  std::int32_t result = sp == SelectPolicy::Min ? kMaxInt32 : kMinInt32;
  for (const auto& p : policies_of(rules)) {
    const std::int32_t start = period_start(cur, p, up, down, now);
    std::int32_t proposed = 0;
    if (p.type == PolicyType::Pods) {
      proposed = clamp32(std::int64_t{start} + p.value);
    } else {
      proposed = saturate_int32(std::ceil(static_cast<double>(start) * (1 + static_cast<double>(p.value) / 100)));
    }
    result = sp == SelectPolicy::Min ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

std::int32_t scale_down_limit(std::int32_t cur, const std::vector<ScaleEvent>& up, const std::vector<ScaleEvent>& down,
                              const ScalingRules& rules, Millis now) {
  const SelectPolicy sp = rules.select_policy.value_or(SelectPolicy::Max);
  if (sp == SelectPolicy::Disabled) return cur;
  std::int32_t result = sp == SelectPolicy::Min ? kMinInt32 : kMaxInt32;
  for (const auto& p : policies_of(rules)) {
    const std::int32_t start = period_start(cur, p, up, down, now);
    std::int32_t proposed = 0;
    if (p.type == PolicyType::Pods) {
      proposed = clamp32(std::int64_t{start} - p.value);
    } else {
      proposed = saturate_int32(static_cast<double>(start) * (1 - static_cast<double>(p.value) / 100));
    }
    result = sp == SelectPolicy::Min ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

Limited limit_with_behavior(std::int32_t cur, std::int32_t stabilized, std::int32_t min_replicas,
                            std::int32_t max_replicas, const Behavior& behavior, const History& history, Millis now) {
  if (stabilized > cur) {
    const std::int32_t up_limit = std::max(
        scale_up_limit(cur, history.scale_up_events, history.scale_down_events, behavior.scale_up.value(), now), cur);
    Limited lim;
    if (max_replicas > up_limit) {
      lim = {up_limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"};
    } else {
      lim = {max_replicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count"};
    }
    if (stabilized > lim.replicas) return lim;
  } else if (stabilized < cur) {
    const std::int32_t down_limit = std::min(
        scale_down_limit(cur, history.scale_up_events, history.scale_down_events, behavior.scale_down.value(), now),
        cur);
    Limited lim;
    if (min_replicas < down_limit) {
      lim = {down_limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"};
    } else {
      lim = {min_replicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"};
    }
    if (stabilized < lim.replicas) return lim;
  }
  return {stabilized, "DesiredWithinRange", "the desired count is within the acceptable range"};
}

Limited limit_legacy(std::int32_t cur, std::int32_t stabilized, std::int32_t min_replicas, std::int32_t max_replicas,
                     double factor, double minimum) {
  const std::int32_t up_limit = saturate_int32(std::max(factor * static_cast<double>(cur), minimum));
  Limited max_allowed;
  if (max_replicas > up_limit) {
    max_allowed = {up_limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"};
  } else {
    max_allowed = {max_replicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count"};
  }
  if (stabilized < min_replicas) {
    return {min_replicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"};
  }
  if (stabilized > max_allowed.replicas) return max_allowed;
  return {stabilized, "DesiredWithinRange", "the desired count is within the acceptable range"};
}

void store_scale_event(History& history, const std::optional<Behavior>& behavior, std::int32_t prev,
                       std::int32_t next, Millis now) {
  if (!behavior || prev == next) return;
  const bool up = next > prev;
  auto& events = up ? history.scale_up_events : history.scale_down_events;
  const auto& rules = up ? behavior->scale_up : behavior->scale_down;
  std::int32_t longest = 0;
  if (rules) {
    for (const auto& p : policies_of(*rules)) longest = std::max(longest, p.period_seconds);
  }
  const Millis cutoff = now - static_cast<Millis>(longest) * 1000;
  bool found = false;
  std::size_t index = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].timestamp < cutoff) events[i].outdated = true;
    if (events[i].outdated) {
      found = true;
      index = i;
    }
  }
  const ScaleEvent ev{up ? next - prev : prev - next, now, false};
  if (found) {
    events[index] = ev;
  } else {
    events.push_back(ev);
  }
}

}  // namespace fedmetrics::autoscaler
