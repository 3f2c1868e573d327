#pragma once
// The API surface behind the HTTPS server: health, version, /metrics, OpenAPI, discovery and the
// custom/external metrics reads, answered through provider::MetricsProvider. Every error is a Status.
#include <memory>
#include <string>

#include "aggregation/provider/metrics_provider.hpp"
#include "server/api/audit_log.hpp"
#include "server/api/health.hpp"
#include "server/auth/gate.hpp"
#include "server/http/message.hpp"

namespace prometheus {
class Collectable;
class Registry;
}

namespace fedmetrics::api {

/// version.Info fields (apimachinery pkg/version).
struct VersionInfo {
  std::string major;
  std::string minor;
  std::string git_version;
  std::string git_commit;
  std::string git_tree_state;
  std::string build_date;
  std::string compiler;
  std::string platform;
};

class ApiHandler final : public http::Handler {
 public:
  /// All references must outlive the handler (owned by the Application). Every request except the
  /// transport's rejections passes `gate` before routing. Registers the request metrics
  /// (`fedmetrics_http_requests_total`, `fedmetrics_http_request_duration_seconds`,
  /// `fedmetrics_http_requests_in_flight`, `fedmetrics_build_info`) in `registry`.
  /// `audit` may be null (no audit log). At most `max_requests_inflight` requests (0: no limit) are
  /// handled at once, health probes and /metrics not counted (kube's --max-requests-inflight); the next
  /// one is answered 429 with Retry-After: 1 at once, before authentication (so that a flood of tokens to
  /// review cannot occupy the server either).
  ApiHandler(provider::MetricsProvider& provider, auth::Gate& gate, HealthChecks& health,
             prometheus::Registry& registry, VersionInfo version, AuditLog* audit = nullptr,
             std::size_t max_requests_inflight = 0);
  ~ApiHandler() override;

  /// /metrics also serves `source` (collected at scrape time), besides `registry` and the process_*
  /// metrics (process_metrics.hpp). Call before serving; `source` must outlive the handler.
  void add_collectable(const prometheus::Collectable& source);

  // http::Handler
  net::awaitable<http::Response> handle(http::Request request, http::RequestContext context) override;
  http::Response error_response(int code, std::string message) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedmetrics::api
