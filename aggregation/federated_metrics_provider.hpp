#pragma once
// provider::MetricsProvider over every member cluster of a ClusterDirectory: fan out, merge, report.
// The status rule is aggregated-api.md Appendix A.4:
//  - at least one member answered → the merged items (wire view, merge_policy.hpp) and one warning
//    "member <name>: <error>" per member that failed (the server sends them as `Warning: 299 - "..."`);
//    a member answering NotFound did not fail (the workload simply does not run there): no warning;
//  - every member answered NotFound → NotFound;
//  - no member answered and at least one failed → Unavailable naming each member's error (Timeout when
//    every failure was a timeout; InvalidArgument when every failure was a 400 from the member).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aggregation/provider/metrics_provider.hpp"
#include "clients/base/clock.hpp"
#include "clients/base/net.hpp"
#include "clients/members/cluster_directory.hpp"
#include "clients/members/member_client_cache.hpp"

namespace prometheus {
class Registry;
}

namespace fedmetrics::aggregation {

struct FederatedMetricsProviderOptions {
  std::chrono::milliseconds member_timeout{std::chrono::seconds(5)};    ///< --member-timeout
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  ///< overall bound per request
  std::size_t max_in_flight = 64;                                       ///< --member-max-in-flight
  std::chrono::milliseconds cache_ttl{0};                  ///< --metrics-cache-ttl; 0 = no result cache
  std::size_t cache_max_entries = 10'000;
  std::chrono::milliseconds discovery_interval{std::chrono::seconds(60)};  ///< --discovery-refresh-interval
};

/// Last outcome of each member, for /readyz?verbose and logs.
struct MemberHealth {
  std::string cluster;
  std::optional<std::chrono::system_clock::time_point> last_success;
  std::optional<std::chrono::system_clock::time_point> last_error_time;
  std::string last_error;           ///< message of the most recent failure ("" if none yet)
  int consecutive_failures = 0;     ///< 0 after a success
  Errc last_error_code = Errc::Internal;  ///< code of the most recent failure
  bool healthy() const { return consecutive_failures == 0; }
};

/// Thread-safe: every method may be called concurrently from any thread. Application-owned: the
/// directory, client cache, clock and registry must outlive it, and it must outlive the io_context's
/// threads (stop() first, then join the threads, then destroy).
///
/// Metrics registered in `registry`:
///   fedmetrics_member_requests_total{cluster,outcome}          outcome: success|not_found|timeout|error
///   fedmetrics_member_errors_total{cluster,code}                code: the Errc name
///   fedmetrics_member_request_duration_seconds{cluster}         histogram
///   fedmetrics_aggregation_partial_answers_total                200s that carried warnings
///   fedmetrics_aggregation_cache_requests_total{result}         result: hit|miss|coalesced
///   fedmetrics_aggregation_fanouts_in_flight                    gauge
/// The series of a member are removed when a discovery pass finds it gone from the directory.
class FederatedMetricsProvider final : public provider::MetricsProvider {
 public:
  /// `executor`: the io_context's executor (each member call gets its own strand on it).
  FederatedMetricsProvider(net::any_io_executor executor, members::ClusterDirectory& directory,
                           members::MemberClientCache& clients, Clock& clock, prometheus::Registry& registry,
                           FederatedMetricsProviderOptions options = {});
  ~FederatedMetricsProvider() override;

  /// Starts the background discovery refresh (one pass immediately, then every discovery_interval, and
  /// early when the directory's generation changes). Idempotent.
  void start();
  /// Stops the refresh loop at its next wake-up. Idempotent; also called by the destructor.
  void stop();
  /// One discovery pass over the current members (what the loop runs). A member whose discovery fails
  /// keeps its previous entries; removed members' entries are dropped.
  net::awaitable<void> refresh_discovery();

  /// True once one discovery pass has finished (whatever the members answered): the metric lists that
  /// discovery serves are filled. Before that, /apis/custom.metrics.k8s.io/v1beta2 would list nothing.
  bool discovery_synced() const;

  /// One entry per member of the current directory snapshot, in its order.
  std::vector<MemberHealth> member_health() const;

  // provider::MetricsProvider
  std::vector<provider::CustomMetricInfo> list_custom_metrics() const override;
  std::vector<provider::ExternalMetricInfo> list_external_metrics() const override;
  net::awaitable<Result<provider::CustomAnswer>> get_custom_metric(provider::MetricQuery query) override;
  net::awaitable<Result<provider::ExternalAnswer>> get_external_metric(provider::ExternalQuery query) override;
  net::awaitable<Result<provider::ResourceAnswer>> get_resource_metrics(provider::ResourceQuery query) override;
  net::awaitable<Result<provider::CustomAnswer>> get_custom_metric_by_cluster(provider::MetricQuery query) override;
  net::awaitable<Result<provider::ExternalAnswer>> get_external_metric_by_cluster(
      provider::ExternalQuery query) override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fedmetrics::aggregation
