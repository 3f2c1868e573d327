#include <catch2/catch.hpp>

#include "server/api/name_validation.hpp"

namespace fedmetrics::api {

TEST_CASE("DNS-1123 labels", "[unit][names]") {
  const auto [text, valid] = GENERATE(table<std::string, bool>({
      {"default", true},
      {"kube-system", true},
      {"a", true},
      {"0", true},
      {"team-1-prod", true},
      {std::string(63, 'a'), true},
      {std::string(64, 'a'), false},
      {"", false},
      {"Bad_NS", false},
      {"Default", false},
      {"-a", false},
      {"a-", false},
      {"a_b", false},
      {"a.b", false},
      {"a b", false},
      {"*", false},
      {"..", false},
  }));
  CAPTURE(text);
  CHECK(is_dns1123_label(text) == valid);
}

TEST_CASE("object names in paths", "[unit][names]") {
  const auto [text, valid] = GENERATE(table<std::string, bool>({
      {"pod-1", true},
      {"sample-app-7cfb596f98-8h5kw", true},
      {"node.example.com", true},
      {"system:node:x", true},
      {"UPPER_and_lower", true},
      {"...", true},
      {".hidden", true},
      {std::string(253, 'a'), true},
      {std::string(254, 'a'), false},
      {"", false},
      {".", false},
      {"..", false},
      {"a/b", false},
      {"a%2Fb", false},
      {"a b", false},
      {"tab\there", false},
      {std::string("nul\0x", 5), false},
      {"caf\xc3\xa9", false},
      {"del\x7f", false},
  }));
  CAPTURE(text);
  CHECK(is_object_name(text) == valid);
}

TEST_CASE("resource names, optionally group-qualified", "[unit][names]") {
  const auto [text, valid] = GENERATE(table<std::string, bool>({
      {"pods", true},
      {"namespaces", true},
      {"deployments.apps", true},
      {"ingresses.networking.k8s.io", true},
      {"foos.example-1.io", true},
      {"", false},
      {"Pods", false},
      {".pods", false},
      {"pods.", false},
      {"pods_x", false},
      {"pods/status", false},
      {"*", false},
      {std::string(254, 'a'), false},
  }));
  CAPTURE(text);
  CHECK(is_resource_name(text) == valid);
}

TEST_CASE("metric names", "[unit][names]") {
  const auto [text, valid] = GENERATE(table<std::string, bool>({
      {"http_requests", true},
      {"http_requests_per_second", true},
      {"job:rate5m", true},
      {"QueueDepth", true},
      {"a.b-c", true},
      {"0", true},
      {std::string(253, 'm'), true},
      {std::string(254, 'm'), false},
      {"", false},
      {"a b", false},
      {"a/b", false},
      {"*", false},
      {"a{b}", false},
      {"a\"b", false},
  }));
  CAPTURE(text);
  CHECK(is_metric_name(text) == valid);
}

TEST_CASE("custom queries are validated field by field, the first problem reported", "[unit][names]") {
  provider::MetricQuery q;
  q.resource = {"", "pods"};
  q.namespace_ = "default";
  q.name = "pod-1";
  q.metric_name = "http_requests";
  CHECK_FALSE(validate_custom_query(q).has_value());

  SECTION("empty namespace and name (cluster-scoped *) are valid") {
    q.namespace_.clear();
    q.name.clear();
    CHECK_FALSE(validate_custom_query(q).has_value());
  }
  SECTION("a group-qualified resource is valid") {
    q.resource = {"apps", "deployments"};
    CHECK_FALSE(validate_custom_query(q).has_value());
  }
  SECTION("bad namespace") {
    q.namespace_ = "Bad_NS";
    q.name = "..";  // also bad: the namespace is reported first
    CHECK(validate_custom_query(q) == std::optional<std::string>("invalid namespace \"Bad_NS\": must be a DNS-1123 label"));
  }
  SECTION("bad resource") {
    q.resource = {"", "Pods"};
    CHECK(validate_custom_query(q) == std::optional<std::string>("invalid resource \"Pods\""));
  }
  SECTION("bad name") {
    q.name = "..";
    CHECK(validate_custom_query(q) == std::optional<std::string>("invalid object name \"..\""));
  }
  SECTION("the name of a Namespace object is a namespace: a DNS-1123 label") {
    q.resource = {"", "namespaces"};
    q.namespace_.clear();
    q.name = "team-a";
    CHECK_FALSE(validate_custom_query(q).has_value());
    q.name = "Bad_NS";
    CHECK(validate_custom_query(q) == std::optional<std::string>("invalid namespace \"Bad_NS\": must be a DNS-1123 label"));
    q.name.clear();  // the * form
    CHECK_FALSE(validate_custom_query(q).has_value());
    q.resource = {"example.io", "namespaces"};  // not the core Namespace kind
    q.name = "Bad_NS";
    CHECK_FALSE(validate_custom_query(q).has_value());
  }
  SECTION("bad metric") {
    q.metric_name = "a b";
    CHECK(validate_custom_query(q) == std::optional<std::string>("invalid metric name \"a b\""));
  }
  SECTION("long input is cut in the message") {
    q.name = std::string(300, 'x');
    const auto msg = validate_custom_query(q);
    REQUIRE(msg.has_value());
    CHECK(msg->size() < 120);
    CHECK(msg->find("...\"") != std::string::npos);
  }
}

TEST_CASE("external queries need a namespace and a metric name", "[unit][names]") {
  const auto [ns, metric, problem] = GENERATE(table<std::string, std::string, std::string>({
      {"default", "queue_depth", ""},
      {"", "queue_depth", "invalid namespace \"\": must be a DNS-1123 label"},
      {"Bad_NS", "queue_depth", "invalid namespace \"Bad_NS\": must be a DNS-1123 label"},
      {"default", "", "invalid metric name \"\""},
      {"default", "queue depth", "invalid metric name \"queue depth\""},
  }));
  CAPTURE(ns, metric);
  const auto got = validate_external_query(provider::ExternalQuery{ns, metric, ""});
  if (problem.empty()) {
    CHECK_FALSE(got.has_value());
  } else {
    CHECK(got == std::optional<std::string>(problem));
  }
}

}  // namespace fedmetrics::api
