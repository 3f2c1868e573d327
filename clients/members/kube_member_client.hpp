#pragma once
// MemberClient over HTTPS to a member kube-apiserver (mode apiserver) or straight to its
// prometheus-adapter (mode adapter), using the same custom.metrics.k8s.io paths in both modes.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "clients/base/clock.hpp"
#include "clients/kube/request_limiter.hpp"
#include "clients/members/member_client.hpp"
#include "clients/members/member_client_cache.hpp"
#include "clients/members/member_cluster.hpp"

namespace fedmetrics::transport {
class HttpsClient;
}

namespace fedmetrics::members {

struct KubeMemberClientOptions {
  /// How long a discovered custom.metrics.k8s.io version stays trusted (not re-discovered per request,
  /// unlike Karmada, which pays a ServerGroups() call on every request: karmada-reference.md §6.2).
  std::chrono::milliseconds version_ttl{std::chrono::minutes(10)};
};

/// Builds the request path (no base prefix) for a custom metrics read in `version`, with Go-compatible
/// escaping (`*` → %2A, selectors as query values). Exposed for tests.
[[nodiscard]] std::string custom_metrics_path(const CustomMetricsRequest& request,
                                              kubeapi::CustomMetricsVersion version);
/// Same for external metrics (external.metrics.k8s.io/v1beta1).
[[nodiscard]] std::string external_metrics_path(const ExternalMetricsRequest& request);
/// Same for resource metrics (metrics.k8s.io/v1beta1 pods or nodes, list or get by name).
[[nodiscard]] std::string resource_metrics_path(const ResourceMetricsRequest& request);
/// Decodes an APIResourceList of custom metrics ("pods/http_requests", "jobs.batch/x") or external metrics
/// (plain names when `external`). Errors: ProtocolError.
[[nodiscard]] Result<std::vector<DiscoveredMetric>> decode_discovery(std::string_view json, bool external);

/// Thread-safe (see MemberClient). Owns one HttpsClient (keep-alive pool) for the member.
class KubeMemberClient final : public MemberClient {
 public:
  /// Throws std::runtime_error on an unusable configuration (bad endpoint, unreadable CA/cert/key);
  /// the message names the member. `limiter` is this member's client-side rate limit
  /// (--cluster-api-qps/burst), shared with its other clients; null: no limit. A request whose slot would
  /// come after its deadline fails at once with Timeout.
  KubeMemberClient(MemberCluster member, Clock& clock, KubeMemberClientOptions options = {},
                   std::shared_ptr<kube::RequestLimiter> limiter = nullptr);
  ~KubeMemberClient() override;

  const MemberCluster& member() const { return member_; }

  // MemberClient
  const std::string& name() const override { return member_.name; }
  net::awaitable<Result<kubeapi::MetricValueList>> get_custom_metrics(CustomMetricsRequest request,
                                                                      Deadline deadline) override;
  net::awaitable<Result<kubeapi::ExternalMetricValueList>> get_external_metrics(ExternalMetricsRequest request,
                                                                                Deadline deadline) override;
  net::awaitable<Result<kubeapi::ResourceMetricsList>> get_resource_metrics(ResourceMetricsRequest request,
                                                                            Deadline deadline) override;
  net::awaitable<Result<std::vector<DiscoveredMetric>>> list_custom_metrics(Deadline deadline) override;
  net::awaitable<Result<std::vector<DiscoveredMetric>>> list_external_metrics(Deadline deadline) override;

 private:
  net::awaitable<Result<kubeapi::CustomMetricsVersion>> version(Deadline deadline);
  net::awaitable<Result<std::string>> fetch(std::string path, Deadline deadline);
  Error member_error(Errc code, std::string_view what) const;

  MemberCluster member_;
  Clock& clock_;
  KubeMemberClientOptions options_;
  std::shared_ptr<kube::RequestLimiter> limiter_;
  std::shared_ptr<transport::HttpsClient> http_;

  mutable std::mutex mu_;  // guards the cached version
  std::optional<kubeapi::CustomMetricsVersion> version_;
  std::chrono::steady_clock::time_point version_expiry_{};
};

class MemberRateLimits;

/// The production MemberClientCache factory: a KubeMemberClient per member, with `clock` (which must
/// outlive the clients) and `options`; each member's limiter comes from `limits` when given (which must
/// outlive the clients too).
MemberClientFactory kube_member_client_factory(Clock& clock, KubeMemberClientOptions options = {},
                                               MemberRateLimits* limits = nullptr);

}  // namespace fedmetrics::members
