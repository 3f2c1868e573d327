#include <catch2/catch.hpp>

#include "tests/support/catch_result.hpp"

#include "server/auth/request_attributes.hpp"

namespace fedmetrics::auth {
namespace {

RequestAttributes of(const std::string& method, const std::string& target) {
  auto t = http::parse_target(target);
  REQUIRE(t);
  return request_attributes(method, *t);
}

}  // namespace

TEST_CASE("metric reads become resource attributes like the generic RequestInfo parser", "[unit][auth]") {
  using Row = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>;
  // target, verb, namespace, group, resource, subresource, name
  auto [target, verb, ns, group, resource, subresource, name] = GENERATE(table<std::string, std::string, std::string,
                                                                              std::string, std::string, std::string,
                                                                              std::string>({
      Row{"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests?labelSelector=a%3Db", "get",
          "default", "custom.metrics.k8s.io", "pods", "http_requests", "*"},
      Row{"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/deployments.apps/web/rps", "get", "default",
          "custom.metrics.k8s.io", "deployments.apps", "rps", "web"},
      Row{"/apis/custom.metrics.k8s.io/v1beta1/nodes/*/node_load", "get", "", "custom.metrics.k8s.io", "nodes",
          "node_load", "*"},
      Row{"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/metrics/queue_len", "get", "default",
          "custom.metrics.k8s.io", "metrics", "", "queue_len"},
      Row{"/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_len", "list", "default",
          "external.metrics.k8s.io", "queue_len", "", ""},
  }));
  CAPTURE(target);
  const auto a = of("GET", target);
  CHECK(a.resource_request);
  CHECK(a.verb == verb);
  CHECK(a.namespace_ == ns);
  CHECK(a.api_group == group);
  CHECK(a.resource == resource);
  CHECK(a.subresource == subresource);
  CHECK(a.name == name);
}

TEST_CASE("discovery, health and openapi are non-resource requests", "[unit][auth]") {
  for (const char* target : {"/apis", "/apis/custom.metrics.k8s.io", "/apis/custom.metrics.k8s.io/v1beta2",
                             "/healthz", "/openapi/v2", "/version", "/metrics"}) {
    CAPTURE(target);
    const auto a = of("GET", target);
    CHECK_FALSE(a.resource_request);
    CHECK(a.verb == "get");
    CHECK(a.path == std::string(target));
  }
}

TEST_CASE("non-GET methods map to write verbs", "[unit][auth]") {
  CHECK(of("POST", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/d/pods/x/m").verb == "create");
  CHECK(of("PUT", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/d/pods/x/m").verb == "update");
  CHECK(of("DELETE", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/d/pods/x/m").verb == "delete");
}

}  // namespace fedmetrics::auth
