#include "aggregation/autoscaler/conditions.hpp"

#include <algorithm>

namespace fedmetrics::autoscaler {

void set_condition(std::vector<Condition>& conditions, std::string_view type, bool status, std::string reason,
                   std::string message, Millis now) {
  const std::string status_text = status ? "True" : "False";
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const Condition& c) { return c.type == type; });
  if (it == conditions.end()) {
    conditions.push_back(Condition{std::string(type), status_text, std::move(reason), std::move(message), now});
    return;
  }
  if (it->status != status_text || !it->last_transition_time) it->last_transition_time = now;
  it->status = status_text;
  it->reason = std::move(reason);
  it->message = std::move(message);
}

void remove_condition(std::vector<Condition>& conditions, std::string_view type) {
  std::erase_if(conditions, [&](const Condition& c) { return c.type == type; });
}

const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type) {
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const Condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

}  // namespace fedmetrics::autoscaler
