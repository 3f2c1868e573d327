#include "clients/members/member_rate_limits.hpp"

namespace fedmetrics::members {

std::shared_ptr<kube::RequestLimiter> MemberRateLimits::for_member(const std::string& name) {
  std::lock_guard lock(mu_);
  auto& limiter = limiters_[name];
  if (!limiter) limiter = std::make_shared<kube::RequestLimiter>(qps_, burst_, clock_);
  return limiter;
}

}  // namespace fedmetrics::members
