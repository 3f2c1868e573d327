#pragma once
// One client-side rate limit per member cluster, shared by every client of that member: Karmada's
// --cluster-api-qps/--cluster-api-burst (util.GetClusterRateLimiterGetter: one limiter per cluster name).
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "clients/base/clock.hpp"
#include "clients/kube/request_limiter.hpp"

namespace fedmetrics::members {

/// Thread-safe. Owned by the composition root; `clock` must outlive it.
class MemberRateLimits {
 public:
  /// qps <= 0: no limit (for_member() still returns a limiter, one that never waits).
  MemberRateLimits(double qps, int burst, const Clock& clock) : qps_(qps), burst_(burst), clock_(clock) {}
  MemberRateLimits(const MemberRateLimits&) = delete;
  MemberRateLimits& operator=(const MemberRateLimits&) = delete;

  /// The limiter of the member named `name`, created on first use and kept for the process lifetime (a
  /// member that is removed and comes back keeps its bucket, as in Karmada).
  std::shared_ptr<kube::RequestLimiter> for_member(const std::string& name);

 private:
  const double qps_;
  const int burst_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<kube::RequestLimiter>> limiters_;
};

}  // namespace fedmetrics::members
