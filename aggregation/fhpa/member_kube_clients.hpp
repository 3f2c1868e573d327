#pragma once
// Persistent kube REST clients to the member clusters, for the FederatedHPA loop's reads of member scales
// and pods (the reference builds a fresh client for every cluster on every reconcile: karmada-reference.md
// §3.3). A client is rebuilt only when the member's access configuration changes.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "clients/base/clock.hpp"
#include "clients/base/result.hpp"
#include "clients/kube/rest_client.hpp"
#include "clients/members/cluster_directory.hpp"
#include "clients/members/member_rate_limits.hpp"

namespace fedmetrics::fhpa {

/// Builds a client for one member. Errors: InvalidArgument for an unusable configuration.
using MemberRestFactory = std::function<Result<std::shared_ptr<kube::RestClient>>(const members::MemberCluster&)>;

/// The production factory: an HttpsRestClient over the member's endpoint and credentials, paced by the
/// member's limiter from `limits` (shared with the metric reads; null: no limit; must outlive the clients).
/// A member in `mode: adapter` has no kube API (only prometheus-adapter's): Unavailable, so the loop
/// cannot read its scale or pods and reports the cluster unreachable.
MemberRestFactory https_member_rest_factory(const Clock& clock, members::MemberRateLimits* limits = nullptr);

/// Thread-safe; the factory runs under the mutex (no network I/O, only reads PEM files).
class MemberKubeClients {
 public:
  explicit MemberKubeClients(MemberRestFactory factory) : factory_(std::move(factory)) {}
  MemberKubeClients(const MemberKubeClients&) = delete;
  MemberKubeClients& operator=(const MemberKubeClients&) = delete;

  /// The client of `member`, reused while its MemberCluster is unchanged. Factory errors are returned
  /// (and retried on the next call).
  Result<std::shared_ptr<kube::RestClient>> client_for(const members::MemberCluster& member);
  /// Forgets members not in `current`.
  void retain(const members::MemberList& current);

 private:
  MemberRestFactory factory_;
  std::mutex mu_;
  std::map<std::string, std::pair<members::MemberCluster, std::shared_ptr<kube::RestClient>>> clients_;
};

}  // namespace fedmetrics::fhpa
