#pragma once
// /healthz, /livez, /readyz with named checks, ?verbose, ?exclude= and /<endpoint>/<check>, in the
// shape of k8s.io/apiserver pkg/server/healthz (aggregated-api.md §1.5).
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "clients/base/result.hpp"
#include "server/http/message.hpp"
#include "server/http/router.hpp"

namespace fedmetrics::api {

/// A health check: fast, non-blocking, thread-safe. An error's message is shown only at /<ep>/<check>.
using HealthCheck = std::function<Result<void>()>;

enum class HealthEndpoint { Healthz, Livez, Readyz };

/// Informational lines for ?verbose that never affect the verdict: (name, healthy) pairs, e.g. one per
/// member cluster. Fast, non-blocking, thread-safe.
using InformationalSource = std::function<std::vector<std::pair<std::string, bool>>()>;

/// Named checks per endpoint. Register during startup; serve from any thread.
class HealthChecks {
 public:
  void add(HealthEndpoint endpoint, std::string name, HealthCheck check);
  /// Lines shown by `?verbose` of `endpoint` after the checks: `[+]<name> ok`, or
  /// `[~]<name> unhealthy (informational)` — never a failure of the endpoint.
  void add_informational(HealthEndpoint endpoint, InformationalSource source);
  /// Verbose listing or "ok" for the endpoint; `check` selects one check (404 if unknown).
  http::Response serve(HealthEndpoint endpoint, const http::Target& target,
                       const std::optional<std::string>& check) const;
  /// Names of the checks of an endpoint, in registration order.
  std::vector<std::string> names(HealthEndpoint endpoint) const;

 private:
  struct Named {
    HealthEndpoint endpoint;
    std::string name;
    HealthCheck check;
  };
  mutable std::mutex mu_;
  std::vector<Named> checks_;
  std::vector<std::pair<HealthEndpoint, InformationalSource>> informational_;
};

std::string_view to_string(HealthEndpoint endpoint);

}  // namespace fedmetrics::api
