#pragma once
// An ApiHandler over a scripted FakeMetricsProvider and real HealthChecks, driven in-process:
// requests go straight to ApiHandler::handle, run to completion on a single-threaded io_context.
#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "clients/kubeapi/metric_value.hpp"
#include "clients/kubeapi/resource_metrics.hpp"
#include "clients/kubeapi/status.hpp"
#include "server/api/api_handler.hpp"
#include "server/api/health.hpp"
#include "server/auth/gate.hpp"
#include "tests/fakes/fake_metrics_provider.hpp"
#include "tests/support/run_coro.hpp"

namespace fedmetrics::api::testing {

inline kubeapi::Quantity milli(std::int64_t m) { return kubeapi::Quantity::from_milli(m); }

inline std::string kind_for(const provider::GroupResource& r) {
  if (r.resource == "pods") return "Pod";
  if (r.resource == "nodes") return "Node";
  if (r.resource == "namespaces") return "Namespace";
  if (r.resource == "deployments") return "Deployment";
  return "Object";
}

/// One item describing `name` of the query's resource, in the query's namespace.
inline kubeapi::MetricValue item_for(const provider::MetricQuery& q, const std::string& name, std::int64_t m) {
  kubeapi::MetricValue v;
  v.described_object.kind = kind_for(q.resource);
  v.described_object.namespace_ = q.namespace_;
  v.described_object.name = name;
  v.described_object.api_version = q.resource.group.empty() ? "/v1" : q.resource.group + "/v1";
  v.metric_name = q.metric_name;
  v.timestamp = "2026-08-21T03:12:09Z";
  v.window_seconds = 60;
  v.value = milli(m);
  v.cluster = "member-1";
  return v;
}

inline kubeapi::ExternalMetricValue external_item(const std::string& metric, const std::string& queue,
                                                  std::int64_t m) {
  kubeapi::ExternalMetricValue v;
  v.metric_name = metric;
  v.metric_labels = {{"queue", queue}};
  v.timestamp = "2026-08-21T03:12:09Z";
  v.value = milli(m);
  v.cluster = "member-1";
  return v;
}

/// One PodMetrics (or NodeMetrics with `usage`) as a member's metrics-server reports it, from `cluster`.
inline kubeapi::ResourceMetrics resource_item(const std::string& ns, const std::string& name, const std::string& cluster,
                                              std::int64_t cpu_milli) {
  kubeapi::ResourceMetrics m;
  m.metadata.name = name;
  m.metadata.namespace_ = ns;
  m.metadata.creation_timestamp = "2026-08-21T03:12:10Z";
  m.metadata.labels = {{"app", "web"}};
  m.metadata.annotations = {{std::string(kubeapi::kQuerySourceAnnotation), cluster}};
  m.timestamp = "2026-08-21T03:12:09Z";
  m.window_ns = 30'000'000'000;
  if (ns.empty()) {
    m.usage = {{"cpu", milli(cpu_milli)}, {"memory", *kubeapi::Quantity::parse("1Gi")}};
  } else {
    m.containers = {{"app", {{"cpu", milli(cpu_milli)}, {"memory", *kubeapi::Quantity::parse("20Mi")}}}};
  }
  m.cluster = cluster;
  return m;
}

/// Allows every request: the gate itself has its own tests; these drive what comes after it.
class AllowAll final : public auth::Authorizer {
 public:
  net::awaitable<auth::AuthzOutcome> authorize(auth::RequestAttributes) override {
    co_return auth::AuthzOutcome{auth::Decision::Allow, "", ""};
  }
};

struct ApiFixture {
  test::FakeMetricsProvider provider;
  AllowAll allow_all;
  auth::Gate gate{auth::GateConfig{}, nullptr, &allow_all};  ///< anonymous, allowed
  HealthChecks health;
  prometheus::Registry registry;
  bool members_synced = true;  ///< the readyz "members-synced" check
  std::unique_ptr<ApiHandler> handler;

  ApiFixture() {
    health.add(HealthEndpoint::Healthz, "ping", [] { return ok(); });
    health.add(HealthEndpoint::Livez, "ping", [] { return ok(); });
    health.add(HealthEndpoint::Readyz, "ping", [] { return ok(); });
    health.add(HealthEndpoint::Readyz, "members-synced", [this]() -> Result<void> {
      if (members_synced) return ok();
      return make_error(Errc::Unavailable, "0 of 2 members synced");
    });
    script_defaults();
    handler = std::make_unique<ApiHandler>(provider, gate, health, registry,
                                           VersionInfo{"0", "1", "v0.1.0", "abc123", "clean", "2026-08-21T00:00:00Z",
                                                       "gcc", "linux/amd64"});
  }
  ApiFixture(const ApiFixture&) = delete;
  ApiFixture& operator=(const ApiFixture&) = delete;

  /// Discovery lists and answers the route table relies on.
  ///  custom: fixed answers by metric name (missing, members_down, slow, bad_query, partial, empty); any
  ///  other metric answers 2 items for "*" ("obj-a", "obj-b"), nothing for the object "ghost" and 1 item
  ///  for any other name.
  ///  external: missing, down, none (0 items); anything else 2 items.
  ///  resource: pods — namespace "down" fails (Unavailable), "partial" answers 1 item with a warning, "empty"
  ///  none; otherwise a list answers web-0 (member-1) and web-1 (member-2), a get of "twin" is a Conflict,
  ///  of "ghost" NotFound, of any other name that pod. nodes — kwok-node-0 (member-1), kwok-node-1 (member-2).
  void script_defaults() {
    provider.set_custom_metrics({
        {{"", "pods"}, "http_requests", true},
        {{"", "pods"}, "http_requests", true},  // duplicate: listed once
        {{"", "nodes"}, "cpu_load", false},
        {{"", "namespaces"}, "queue_length", true},  // namespaces are always cluster-scoped
        {{"apps", "deployments"}, "replicas_ready", true},
        {{"batch", "jobs"}, "http_requests", true},
    });
    provider.set_external_metrics({{"queue_depth"}, {"requests_per_second"}, {"queue_depth"}});

    provider.answer_custom("missing", make_error(Errc::NotFound, "the server could not find the metric missing for pods"));
    provider.answer_custom("members_down", make_error(Errc::Unavailable, "every member failed: member-1: connection refused"));
    provider.answer_custom("slow", make_error(Errc::Timeout, "every member timed out"));
    provider.answer_custom("bad_query", make_error(Errc::InvalidArgument, "members rejected the query"));
    provider.answer_custom("empty", provider::CustomAnswer{});
    provider.on_custom([](const provider::MetricQuery& q) -> Result<provider::CustomAnswer> {
      provider::CustomAnswer a;
      if (q.metric_name == "partial") {
        a.list.items.push_back(item_for(q, q.name.empty() ? "obj-a" : q.name, 500));
        a.warnings = {"member-2: connection refused", "member-3: said \"no\"\nand left"};
        return a;
      }
      if (q.name.empty()) {
        a.list.items.push_back(item_for(q, "obj-a", 66));
        a.list.items.push_back(item_for(q, "obj-b", 1500));
      } else if (q.name != "ghost") {
        a.list.items.push_back(item_for(q, q.name, 66));
      }
      return a;
    });

    provider.answer_external("missing", make_error(Errc::NotFound, "the server could not find the external metric missing"));
    provider.answer_external("down", make_error(Errc::Unavailable, "every member failed"));
    provider.answer_external("none", provider::ExternalAnswer{});
    provider.on_external([](const provider::ExternalQuery& q) -> Result<provider::ExternalAnswer> {
      provider::ExternalAnswer a;
      a.list.items.push_back(external_item(q.metric_name, "worker_tasks", 12000));
      a.list.items.push_back(external_item(q.metric_name, "mail", 3000));
      return a;
    });

    provider.on_resource([](const provider::ResourceQuery& q) -> Result<provider::ResourceAnswer> {
      provider::ResourceAnswer a;
      a.list.kind = q.kind;
      if (q.kind == kubeapi::ResourceMetricsKind::Nodes) {
        for (const char* node : {"kwok-node-0", "kwok-node-1"}) {
          if (q.name.empty() || q.name == node) {
            a.list.items.push_back(resource_item("", node, node[10] == '0' ? "member-1" : "member-2", 1500));
          }
        }
        if (a.list.items.empty()) return make_error(Errc::NotFound, "nodemetrics.metrics.k8s.io \"" + q.name + "\" not found");
        return a;
      }
      const std::string ns = q.namespace_.empty() ? "default" : q.namespace_;
      if (ns == "down") return make_error(Errc::Unavailable, "no member cluster answered: member-1: connection refused");
      if (ns == "empty") return a;
      if (ns == "partial") {
        a.list.items.push_back(resource_item(ns, "web-0", "member-1", 250));
        a.warnings = {"member-2: connection refused"};
        return a;
      }
      if (q.name == "twin") {
        return make_error(Errc::Conflict, "Operation cannot be fulfilled on pods.metrics.k8s.io \"twin\": the pod twin "
                                          "exists in more than one cluster: member-1, member-2");
      }
      if (q.name == "ghost") return make_error(Errc::NotFound, "podmetrics.metrics.k8s.io \"" + ns + "/ghost\" not found");
      if (!q.name.empty()) {
        a.list.items.push_back(resource_item(ns, q.name, "member-1", 250));
        return a;
      }
      a.list.items.push_back(resource_item(ns, "web-0", "member-1", 250));
      a.list.items.push_back(resource_item(ns, "web-1", "member-2", 750));
      return a;
    });
  }

  http::Response send(std::string method, std::string target, std::optional<std::string> accept = std::nullopt) {
    http::Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    if (accept) request.headers.add("Accept", *accept);
    http::RequestContext context;
    context.remote_address = "127.0.0.1:50000";
    return test::run_coro(handler->handle(std::move(request), std::move(context)));
  }
  http::Response get(std::string target, std::optional<std::string> accept = std::nullopt) {
    return send("GET", std::move(target), std::move(accept));
  }
};

/// Parses a body that must be JSON; fails the test otherwise.
inline nlohmann::json parse_json(const std::string& body) {
  INFO("body: " << body);
  nlohmann::json j;
  REQUIRE_NOTHROW(j = nlohmann::json::parse(body));
  return j;
}

/// Checks that `r` is a metav1.Status error answer for its own code.
inline void check_status_response(const http::Response& r, int code) {
  INFO("body: " << r.body);
  CHECK(r.status == code);
  CHECK(r.content_type == "application/json");
  const auto j = parse_json(r.body);
  CHECK(j.value("kind", "") == "Status");
  CHECK(j.value("apiVersion", "") == "v1");
  CHECK(j.value("status", "") == "Failure");
  CHECK(j.value("code", 0) == code);
  CHECK(j.contains("metadata"));
  CHECK(j.value("reason", "") == kubeapi::reason_for_code(code));
  CHECK_FALSE(j.value("message", "").empty());
}

}  // namespace fedmetrics::api::testing
