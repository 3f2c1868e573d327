#include <catch2/catch.hpp>

#include "tests/support/catch_result.hpp"

#include "server/auth/gate.hpp"
#include "tests/support/run_coro.hpp"

namespace fedmetrics::auth {
namespace {

GateConfig config() {
  GateConfig c;
  c.request_header_enabled = true;
  c.request_header.allowed_names = {"front-proxy-client"};
  c.x509_enabled = true;
  return c;
}

std::shared_ptr<http::PeerCertificate> cert(std::string cn, std::vector<std::string> orgs, bool client_ca,
                                            bool proxy_ca) {
  auto p = std::make_shared<http::PeerCertificate>();
  p->common_name = std::move(cn);
  p->organizations = std::move(orgs);
  p->verified_by_client_ca = client_ca;
  p->verified_by_requestheader_ca = proxy_ca;
  if (!client_ca && !proxy_ca) p->verify_error = "certificate has expired";
  return p;
}

GateOutcome check(Gate& gate, const std::string& target, AuthnRequest request, const std::string& method = "GET") {
  auto t = http::parse_target(target);
  REQUIRE(t);
  return test::run_coro(gate.check(method, *t, std::move(request)));
}

/// A scripted delegated authorizer that records what it was asked.
class RecordingAuthorizer final : public Authorizer {
 public:
  explicit RecordingAuthorizer(Decision d) : decision_(d) {}
  net::awaitable<AuthzOutcome> authorize(RequestAttributes attributes) override {
    seen.push_back(attributes);
    co_return AuthzOutcome{decision_, decision_ == Decision::Deny ? "RBAC: no rule" : "", ""};
  }
  std::vector<RequestAttributes> seen;

 private:
  Decision decision_;
};

const std::string kMetric = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests";

}  // namespace

TEST_CASE("system:masters client certificates pass without a delegated check", "[unit][auth]") {
  RecordingAuthorizer sar(Decision::Deny);
  Gate gate(config(), nullptr, &sar);
  const auto out = check(gate, kMetric, AuthnRequest{{}, cert("admin", {"system:masters"}, true, false)});
  CHECK_FALSE(out.rejection);
  CHECK(out.attributes.user.name == "admin");
  CHECK(out.attributes.user.groups == std::vector<std::string>{"system:masters", "system:authenticated"});
  CHECK(sar.seen.empty());
}

TEST_CASE("other users are asked about with the upstream attributes", "[unit][auth]") {
  RecordingAuthorizer sar(Decision::Deny);
  Gate gate(config(), nullptr, &sar);
  const auto out = check(gate, kMetric, AuthnRequest{{}, cert("alice", {"dev"}, true, false)});
  REQUIRE(out.rejection);
  CHECK(out.rejection->code == 403);
  CHECK(out.rejection->message ==
        "pods.custom.metrics.k8s.io \"*\" is forbidden: User \"alice\" cannot get resource \"pods/http_requests\" in "
        "API group \"custom.metrics.k8s.io\" in the namespace \"default\": RBAC: no rule");
  REQUIRE(sar.seen.size() == 1);
  CHECK(sar.seen[0].resource == "pods");
  CHECK(sar.seen[0].subresource == "http_requests");
  CHECK(sar.seen[0].name == "*");
}

TEST_CASE("without a delegated authorizer, non-masters are forbidden except on health paths", "[unit][auth]") {
  Gate gate(config());
  const auto denied = check(gate, "/apis/custom.metrics.k8s.io/v1beta2", AuthnRequest{{}, cert("alice", {}, true, false)});
  REQUIRE(denied.rejection);
  CHECK(denied.rejection->code == 403);
  CHECK(denied.rejection->message ==
        "forbidden: User \"alice\" cannot get path \"/apis/custom.metrics.k8s.io/v1beta2\"");
  const auto health = check(gate, "/readyz", AuthnRequest{{}, nullptr});
  CHECK_FALSE(health.rejection);
  CHECK(health.attributes.user.name == "system:anonymous");
}

TEST_CASE("spoofed X-Remote-User without a certificate stays anonymous", "[unit][auth]") {
  Gate gate(config());
  AuthnRequest request;
  request.headers.add("X-Remote-User", "system:admin");
  request.headers.add("X-Remote-Group", "system:masters");
  const auto out = check(gate, kMetric, request);
  REQUIRE(out.rejection);
  CHECK(out.rejection->code == 403);
  CHECK(out.attributes.user.name == "system:anonymous");
}

TEST_CASE("invalid credentials are a 401, never anonymous", "[unit][auth]") {
  Gate gate(config());
  SECTION("expired or foreign client certificate") {
    const auto out = check(gate, "/healthz", AuthnRequest{{}, cert("admin", {"system:masters"}, false, false)});
    REQUIRE(out.rejection);
    CHECK(out.rejection->code == 401);
    CHECK(out.rejection->message == "Unauthorized");
  }
  SECTION("front-proxy certificate with a CN not allowed, even with a user header") {
    AuthnRequest request{{}, cert("intruder", {}, false, true)};
    request.headers.add("X-Remote-User", "system:admin");
    const auto out = check(gate, kMetric, request);
    REQUIRE(out.rejection);
    CHECK(out.rejection->code == 401);
  }
}

TEST_CASE("the aggregator's discovery fallback gains system:authenticated", "[unit][auth]") {
  RecordingAuthorizer sar(Decision::Allow);
  Gate gate(config(), nullptr, &sar);
  AuthnRequest request{{}, cert("front-proxy-client", {}, false, true)};
  request.headers.add("X-Remote-User", "system:kube-aggregator");
  const auto out = check(gate, "/apis/custom.metrics.k8s.io/v1beta2", request);
  CHECK_FALSE(out.rejection);
  REQUIRE(sar.seen.size() == 1);
  CHECK(sar.seen[0].user.groups == std::vector<std::string>{"system:authenticated"});
  CHECK_FALSE(sar.seen[0].resource_request);
}

TEST_CASE("anonymous requests are refused with 401 when anonymous auth is off", "[unit][auth]") {
  auto c = config();
  c.anonymous = false;
  Gate gate(c);
  const auto out = check(gate, "/healthz", AuthnRequest{});
  REQUIRE(out.rejection);
  CHECK(out.rejection->code == 401);
}

}  // namespace fedmetrics::auth
