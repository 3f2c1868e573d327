#include "aggregation/cron/cron_plan.hpp"

namespace fedmetrics::cron {

namespace {

bool same_target(const fhpa::ScaleTargetRef& a, const fhpa::ScaleTargetRef& b) {
  return a.api_version == b.api_version && a.kind == b.kind && a.name == b.name;
}

}  // namespace

void CronPlan::unqueue(const std::string& key, const Planned& p) {
  if (p.next) {
    queue_.erase({*p.next, key, p.rule.name});
  }
}

std::vector<std::string> CronPlan::apply(const CronFederatedHpa& object, Seconds now) {
  const std::string key = object.key();
  auto problems = validate(object, zones_);
  auto existing = objects_.find(key);
  if (!problems.empty()) {
    remove(key);
    return problems;
  }
  Object updated{object.target, {}};
  const bool target_kept = existing != objects_.end() && same_target(existing->second.target, object.target);
  for (const auto& rule : object.rules) {
    if (target_kept) {
      const auto old = existing->second.rules.find(rule.name);
      if (old != existing->second.rules.end() && old->second.rule == rule) {
        updated.rules.emplace(rule.name, old->second);  // unchanged: keeps its next execution
        continue;
      }
    }
    auto schedule = parse_cron(rule.schedule);
    auto zone = zones_.load(rule.zone_name());
    Planned p{rule, *schedule, *zone, std::nullopt};  // validate() vouched for both
    if (!rule.suspend) {
      p.next = p.schedule.next_after(*p.zone, now);
    }
    updated.rules.emplace(rule.name, std::move(p));
  }
  if (existing != objects_.end()) {
    for (const auto& [name, p] : existing->second.rules) {
      unqueue(key, p);
    }
  }
  for (const auto& [name, p] : updated.rules) {
    if (p.next) {
      queue_.insert({*p.next, key, name});
    }
  }
  objects_[key] = std::move(updated);
  return problems;
}

void CronPlan::remove(const std::string& key) {
  const auto it = objects_.find(key);
  if (it == objects_.end()) {
    return;
  }
  for (const auto& [name, p] : it->second.rules) {
    unqueue(key, p);
  }
  objects_.erase(it);
}

void CronPlan::clear() {
  objects_.clear();
  queue_.clear();
}

std::optional<Seconds> CronPlan::next_of(const std::string& key, const std::string& rule) const {
  const auto it = objects_.find(key);
  if (it == objects_.end()) {
    return std::nullopt;
  }
  const auto r = it->second.rules.find(rule);
  return r == it->second.rules.end() ? std::nullopt : r->second.next;
}

std::vector<std::optional<Seconds>> CronPlan::next_of(const CronFederatedHpa& object) const {
  std::vector<std::optional<Seconds>> out;
  for (const auto& r : object.rules) {
    out.push_back(next_of(object.key(), r.name));
  }
  return out;
}

std::optional<Seconds> CronPlan::next_wakeup() const {
  if (queue_.empty()) {
    return std::nullopt;
  }
  return std::get<0>(*queue_.begin());
}

std::vector<DueExecution> CronPlan::take_due(Seconds now) {
  std::vector<DueExecution> due;
  while (!queue_.empty() && std::get<0>(*queue_.begin()) <= now) {
    const auto [at, key, rule_name] = *queue_.begin();
    queue_.erase(queue_.begin());
    Object& object = objects_.at(key);
    Planned& p = object.rules.at(rule_name);
    Seconds scheduled = at;
    auto next = p.schedule.next_after(*p.zone, scheduled);
    while (next && *next <= now) {  // stalled past several instants: run the latest once
      scheduled = *next;
      next = p.schedule.next_after(*p.zone, scheduled);
    }
    p.next = next;
    if (next) {
      queue_.insert({*next, key, rule_name});
    }
    due.push_back({key, p.rule, object.target, scheduled, next});
  }
  return due;
}

}  // namespace fedmetrics::cron
