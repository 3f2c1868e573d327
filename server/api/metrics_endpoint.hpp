#pragma once
// The Prometheus text exposition of the process registry: served as /metrics on the secure port (behind
// authorization) and, like the reference, on the plain-HTTP --metrics-bind-address listener.
#include <vector>

#include "server/http/message.hpp"

namespace prometheus {
class Collectable;
class Registry;
}

namespace fedmetrics::api {

/// GET /metrics in the Prometheus text format 0.0.4: every metric family of `registry` and of
/// `collectables` (collected now), then the process_* metrics (process_metrics.hpp).
http::Response metrics_response(prometheus::Registry& registry,
                                const std::vector<const prometheus::Collectable*>& collectables);

/// The handler of the plain-HTTP metrics listener: GET or HEAD /metrics answer 200 with the registry;
/// every other path is 404 and every other method 405 (plain text, as Go's ServeMux). No authentication:
/// whoever can reach the listener reads the metrics, as with karmada-metrics-adapter's --metrics-bind-address.
/// Thread-safe; `registry` must outlive the handler.
class MetricsOnlyHandler final : public http::Handler {
 public:
  explicit MetricsOnlyHandler(prometheus::Registry& registry) : registry_(registry) {}

  /// Serves `source` too (as ApiHandler::add_collectable). Call before serving; `source` must outlive this.
  void add_collectable(const prometheus::Collectable& source) { collectables_.push_back(&source); }

  // http::Handler
  net::awaitable<http::Response> handle(http::Request request, http::RequestContext context) override;
  http::Response error_response(int code, std::string message) override;

 private:
  prometheus::Registry& registry_;
  std::vector<const prometheus::Collectable*> collectables_;
};

}  // namespace fedmetrics::api
