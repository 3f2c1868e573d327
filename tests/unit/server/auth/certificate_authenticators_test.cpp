#include <catch2/catch.hpp>

#include "server/auth/certificate_authenticators.hpp"

namespace fedmetrics::auth {
namespace {

std::shared_ptr<http::PeerCertificate> cert(std::string cn, bool client_ca, bool proxy_ca) {
  auto p = std::make_shared<http::PeerCertificate>();
  p->common_name = std::move(cn);
  p->organizations = {"system:masters", "dev"};
  p->sha256_hex = "abcd";
  p->verified_by_client_ca = client_ca;
  p->verified_by_requestheader_ca = proxy_ca;
  if (!client_ca && !proxy_ca) p->verify_error = "unable to get local issuer certificate";
  return p;
}

AuthnRequest with_headers(std::shared_ptr<http::PeerCertificate> peer,
                          std::vector<std::pair<std::string, std::string>> headers) {
  AuthnRequest r;
  r.peer = std::move(peer);
  for (auto& [k, v] : headers) r.headers.add(k, v);
  return r;
}

RequestHeaderConfig proxy_config() {
  RequestHeaderConfig c;
  c.allowed_names = {"front-proxy-client"};
  return c;
}

}  // namespace

TEST_CASE("a front-proxy certificate vouches for the X-Remote headers", "[unit][auth]") {
  RequestHeaderAuthenticator authn(proxy_config());
  const auto out = authn.evaluate(with_headers(cert("front-proxy-client", false, true),
                                               {{"X-Remote-User", "alice"},
                                                {"X-Remote-Group", "dev"},
                                                {"x-remote-group", "system:authenticated"},
                                                {"X-Remote-Extra-Scopes", "a"},
                                                {"X-Remote-Extra-Acme.com%2Fproject", "p1"},
                                                {"X-Remote-Extra-Bad%zz", "v"}}));
  REQUIRE(out.kind == AuthnOutcome::Kind::Authenticated);
  CHECK(out.user.name == "alice");
  CHECK(out.user.groups == std::vector<std::string>{"dev", "system:authenticated"});
  CHECK(out.user.extra.at("scopes") == std::vector<std::string>{"a"});
  CHECK(out.user.extra.at("acme.com/project") == std::vector<std::string>{"p1"});
  CHECK(out.user.extra.at("bad%zz") == std::vector<std::string>{"v"});  // malformed escape kept verbatim
}

TEST_CASE("X-Remote headers without a front-proxy certificate are not an identity", "[unit][auth]") {
  RequestHeaderAuthenticator authn(proxy_config());
  SECTION("no certificate at all") {
    const auto out = authn.evaluate(with_headers(nullptr, {{"X-Remote-User", "system:admin"}}));
    CHECK(out.kind == AuthnOutcome::Kind::NoCredentials);
    CHECK(out.user.name.empty());
  }
  SECTION("a certificate from another CA") {
    const auto out = authn.evaluate(with_headers(cert("front-proxy-client", true, false), {{"X-Remote-User", "x"}}));
    CHECK(out.kind == AuthnOutcome::Kind::Failed);
    CHECK(out.user.name.empty());
  }
  SECTION("a proxy certificate whose CN is not allowed") {
    const auto out = authn.evaluate(with_headers(cert("intruder", false, true), {{"X-Remote-User", "x"}}));
    CHECK(out.kind == AuthnOutcome::Kind::Failed);
    CHECK(out.error == "x509: subject with cn=intruder is not in the allowed list");
  }
  SECTION("a proxy certificate without a user header") {
    const auto out = authn.evaluate(with_headers(cert("front-proxy-client", false, true), {}));
    CHECK(out.kind == AuthnOutcome::Kind::NoCredentials);
  }
}

TEST_CASE("an empty allowed-names list accepts any certificate of the requestheader CA", "[unit][auth]") {
  RequestHeaderAuthenticator authn(RequestHeaderConfig{});
  const auto out = authn.evaluate(with_headers(cert("anyone", false, true), {{"X-Remote-User", "bob"}}));
  CHECK(out.kind == AuthnOutcome::Kind::Authenticated);
  CHECK(authn.is_identity_header("x-remote-user"));
  CHECK(authn.is_identity_header("x-remote-extra-foo"));
  CHECK_FALSE(authn.is_identity_header("accept"));
}

TEST_CASE("client certificates authenticate as CN with O groups", "[unit][auth]") {
  X509Authenticator authn;
  const auto out = authn.evaluate(with_headers(cert("fedmetrics-test-admin", true, false), {}));
  REQUIRE(out.kind == AuthnOutcome::Kind::Authenticated);
  CHECK(out.user.name == "fedmetrics-test-admin");
  CHECK(out.user.groups == std::vector<std::string>{"system:masters", "dev"});
  CHECK(out.user.extra.at("authentication.kubernetes.io/credential-id") ==
        std::vector<std::string>{"X509SHA256=abcd"});
  const auto rogue = authn.evaluate(with_headers(cert("fedmetrics-test-admin", false, false), {}));
  CHECK(rogue.kind == AuthnOutcome::Kind::Failed);
  CHECK(rogue.error.find("unable to get local issuer certificate") != std::string::npos);
  CHECK(authn.evaluate(with_headers(nullptr, {})).kind == AuthnOutcome::Kind::NoCredentials);
}

}  // namespace fedmetrics::auth
