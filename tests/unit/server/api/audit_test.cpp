#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "server/api/audit_log.hpp"
#include "server/api/audit_policy.hpp"

namespace fedmetrics::api {
namespace {

auth::RequestAttributes non_resource(std::string path, std::string user = "alice") {
  auth::RequestAttributes a;
  a.user.name = std::move(user);
  a.user.groups = {"dev", "system:authenticated"};
  a.verb = "get";
  a.path = std::move(path);
  return a;
}

auth::RequestAttributes metric_read(std::string resource = "pods", std::string metric = "http_requests") {
  auth::RequestAttributes a;
  a.user.name = "system:serviceaccount:karmada-system:hpa";
  a.user.groups = {"system:serviceaccounts", "system:authenticated"};
  a.verb = "list";
  a.resource_request = true;
  a.namespace_ = "default";
  a.api_group = "custom.metrics.k8s.io";
  a.api_version = "v1beta2";
  a.resource = std::move(resource);
  a.subresource = std::move(metric);
  a.name = "*";
  return a;
}

const char* kPolicy = R"(apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*"]
  - level: None
    users: ["system:kube-proxy"]
  - level: RequestResponse
    userGroups: ["dev"]
    resources:
      - group: external.metrics.k8s.io
  - level: Metadata
    resources:
      - group: custom.metrics.k8s.io
      - group: external.metrics.k8s.io
  - level: Request
    verbs: ["get"]
    nonResourceURLs: ["/metrics", "/version"]
    omitStages: ["ResponseComplete"]
)";

}  // namespace

TEST_CASE("an audit policy drops health checks and logs metric reads at Metadata", "[unit][audit]") {
  const auto policy = parse_audit_policy(kPolicy);
  REQUIRE(policy.has_value());
  CHECK(evaluate(*policy, non_resource("/healthz")).level == AuditLevel::None);
  CHECK(evaluate(*policy, non_resource("/readyz/ping")).level == AuditLevel::None);
  CHECK(evaluate(*policy, non_resource("/livez")).level == AuditLevel::None);
  const auto read = evaluate(*policy, metric_read());
  CHECK(read.level == AuditLevel::Metadata);
  CHECK(read.omits("RequestReceived"));
  CHECK_FALSE(read.omits("ResponseComplete"));
  // The rule's own omitStages add to the policy's.
  const auto scrape = evaluate(*policy, non_resource("/metrics"));
  CHECK(scrape.level == AuditLevel::Request);
  CHECK(scrape.omits("ResponseComplete"));
  // No rule matches: None.
  CHECK(evaluate(*policy, non_resource("/apis")).level == AuditLevel::None);
}

TEST_CASE("audit rules select by user, group, verb, resource and URL, the first match wins", "[unit][audit]") {
  const auto policy = parse_audit_policy(kPolicy);
  REQUIRE(policy.has_value());
  auto proxy = metric_read();
  proxy.user.name = "system:kube-proxy";
  CHECK(evaluate(*policy, proxy).level == AuditLevel::None);
  auto external = metric_read("queue_depth", "");
  external.api_group = "external.metrics.k8s.io";
  CHECK(evaluate(*policy, external).level == AuditLevel::Metadata);
  external.user.groups = {"dev"};
  CHECK(evaluate(*policy, external).level == AuditLevel::RequestResponse);
  auto post = non_resource("/metrics");
  post.verb = "post";
  CHECK(evaluate(*policy, post).level == AuditLevel::None);
  // A nonResourceURLs rule never matches a resource request, a resources rule never a path.
  auto path_like = metric_read();
  path_like.path = "/metrics";
  path_like.api_group = "other";
  CHECK(evaluate(*policy, path_like).level == AuditLevel::None);
}

// Entries: "*", "<resource>/<subresource>", "*/<subresource>", "<resource>/*", and resourceNames.
TEST_CASE("audit resource entries match whole resources, subresources, wildcards and names", "[unit][audit]") {
  const auto level_for = [](const std::string& resources, const auth::RequestAttributes& a) {
    const auto p = parse_audit_policy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
                                      "  resources:\n  - group: custom.metrics.k8s.io\n    resources: " +
                                      resources + "\n");
    REQUIRE(p.has_value());
    return evaluate(*p, a).level;
  };
  const auto read = metric_read();
  CHECK(level_for("[\"*\"]", read) == AuditLevel::Metadata);
  CHECK(level_for("[\"pods/http_requests\"]", read) == AuditLevel::Metadata);
  CHECK(level_for("[\"*/http_requests\"]", read) == AuditLevel::Metadata);
  CHECK(level_for("[\"pods/*\"]", read) == AuditLevel::Metadata);
  CHECK(level_for("[\"pods\"]", read) == AuditLevel::None);  // a subresource needs its own entry
  CHECK(level_for("[\"deployments.apps/*\"]", read) == AuditLevel::None);
  CHECK(level_for("[\"pods/*\"]\n    resourceNames: [\"web\"]", read) == AuditLevel::None);
}

TEST_CASE("a bad audit policy is refused with the field named", "[unit][audit]") {
  const auto error_of = [](const std::string& text) {
    const auto p = parse_audit_policy(text);
    REQUIRE_FALSE(p.has_value());
    return p.error().message;
  };
  CHECK_THAT(error_of("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]"),
             Catch::Contains("apiVersion"));
  CHECK_THAT(error_of("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Everything}]"),
             Catch::Contains("rules[0].level"));
  CHECK_THAT(error_of("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [Later]\nrules: [{level: None}]"),
             Catch::Contains("omitStages"));
  CHECK_THAT(error_of("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []"), Catch::Contains("at least one rule"));
  CHECK_THAT(error_of("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: [/x]\n"
                      "  namespaces: [a]\n"),
             Catch::Contains("cannot be combined"));
  CHECK_THAT(error_of("{not yaml: ["), Catch::Contains(""));
}

TEST_CASE("an audit event is an audit.k8s.io/v1 Event", "[unit][audit]") {
  AuditEvent e;
  e.level = AuditLevel::Metadata;
  e.audit_id = "0f0e0d0c-0b0a-4998-8776-655443322110";
  e.stage = "ResponseComplete";
  e.request_uri = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests";
  e.request = metric_read();
  e.source_ips = {"127.0.0.1"};
  e.user_agent = "kube-controller-manager/v1.36.3";
  e.code = 200;
  e.response_body = R"({"kind":"MetricValueList"})";
  e.received = std::chrono::system_clock::time_point(std::chrono::microseconds(1733322487123456));
  e.stage_time = e.received + std::chrono::milliseconds(5);
  e.annotations = {{"fedmetrics.io/members", "member1,member2"}};
  const auto j = nlohmann::json::parse(audit_event_json(e));
  CHECK(j.at("kind") == "Event");
  CHECK(j.at("apiVersion") == "audit.k8s.io/v1");
  CHECK(j.at("level") == "Metadata");
  CHECK(j.at("auditID") == e.audit_id);
  CHECK(j.at("stage") == "ResponseComplete");
  CHECK(j.at("verb") == "list");
  CHECK(j.at("user").at("username") == "system:serviceaccount:karmada-system:hpa");
  CHECK(j.at("user").at("groups").size() == 2);
  CHECK(j.at("objectRef") == nlohmann::json{{"resource", "pods"}, {"namespace", "default"}, {"name", "*"},
                                             {"apiGroup", "custom.metrics.k8s.io"}, {"apiVersion", "v1beta2"},
                                             {"subresource", "http_requests"}});
  CHECK(j.at("responseStatus") == nlohmann::json{{"metadata", nlohmann::json::object()}, {"code", 200}});
  CHECK_FALSE(j.contains("responseObject"));  // Metadata level
  CHECK(j.at("requestReceivedTimestamp") == "2024-12-04T14:28:07.123456Z");
  CHECK(j.at("stageTimestamp") == "2024-12-04T14:28:07.128456Z");
  CHECK(j.at("annotations").at("fedmetrics.io/members") == "member1,member2");

  e.level = AuditLevel::RequestResponse;
  CHECK(nlohmann::json::parse(audit_event_json(e)).at("responseObject").at("kind") == "MetricValueList");
  e.code = 503;
  e.response_body = R"({"kind":"Status","status":"Failure","message":"no member cluster answered","reason":"ServiceUnavailable","code":503})";
  const auto failed = nlohmann::json::parse(audit_event_json(e)).at("responseStatus");
  CHECK(failed.at("message") == "no member cluster answered");
  CHECK(failed.at("reason") == "ServiceUnavailable");
  CHECK(failed.at("status") == "Failure");

  e.stage = "RequestReceived";
  e.request = non_resource("/metrics");
  const auto received = nlohmann::json::parse(audit_event_json(e));
  CHECK_FALSE(received.contains("responseStatus"));
  CHECK_FALSE(received.contains("objectRef"));
}

TEST_CASE("audit IDs are version 4 UUIDs", "[unit][audit]") {
  const auto id = new_audit_id();
  REQUIRE(id.size() == 36);
  CHECK(id[14] == '4');
  CHECK(std::string("89ab").find(id[19]) != std::string::npos);
  CHECK(new_audit_id() != id);
}

TEST_CASE("rotated audit files are named like lumberjack's and pruned by count and age", "[unit][audit]") {
  using namespace std::chrono;
  const auto t = system_clock::time_point(milliseconds(1733322487123));
  CHECK(audit_backup_name("/var/log/audit.log", t) == "/var/log/audit-2024-12-04T14-28-07.123.log");
  CHECK(audit_backup_name("audit", t) == "audit-2024-12-04T14-28-07.123");
  const auto day = hours(24);
  std::vector<std::pair<std::string, system_clock::time_point>> backups{
      {"b1", t - day * 1}, {"b3", t - day * 3}, {"b2", t - day * 2}, {"b10", t - day * 10}};
  CHECK(audit_backups_to_remove(backups, t, {0, 2, 0}) == std::vector<std::string>{"b3", "b10"});
  CHECK(audit_backups_to_remove(backups, t, {0, 0, 5}) == std::vector<std::string>{"b10"});
  CHECK(audit_backups_to_remove(backups, t, {0, 3, 2}) == std::vector<std::string>{"b3", "b10"});
  CHECK(audit_backups_to_remove(backups, t, {0, 0, 0}).empty());
}

TEST_CASE("the audit log rotates before a write would pass the size and keeps maxbackup files", "[unit][audit]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("fedmetrics-audit-test-" + new_audit_id());
  fs::create_directories(dir);
  const auto path = (dir / "audit.log").string();
  {
    auto log = AuditLog::open(path, default_audit_policy(), AuditLogRotation{2000, 2, 0});
    REQUIRE(log.has_value());
    AuditEvent e;
    e.audit_id = "x";
    e.stage = "ResponseComplete";
    e.request = non_resource("/metrics");
    e.code = 200;
    for (int i = 0; i < 40; ++i) {
      (*log)->write(e);  // ~300 bytes each: several rotations
    }
  }
  std::size_t backups = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (name == "audit.log") continue;
    CHECK(name.rfind("audit-", 0) == 0);
    CHECK(fs::file_size(entry.path()) <= 2000);
    ++backups;
  }
  CHECK(backups <= 2);  // maxbackup (two rotations within one millisecond share a name)
  CHECK(backups >= 1);
  CHECK(fs::file_size(path) <= 2000);
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) CHECK(nlohmann::json::parse(line).at("kind") == "Event");
  fs::remove_all(dir);
}

}  // namespace fedmetrics::api
