#include "clients/members/static_cluster_directory.hpp"

#include <catch2/catch.hpp>
#include "tests/support/catch_result.hpp"

#include <filesystem>
#include <fstream>

using namespace fedmetrics;
using members::MemberMode;
using members::parse_members_yaml;

namespace {

const char* kValid = R"(
members:
  - name: member2
    endpoint: https://10.0.0.2:6443/k8s/clusters/m2
    mode: adapter
    caFile: certs/m2-ca.crt
    tokenFile: /var/run/m2-token
    tlsServerName: prometheus-adapter.monitoring.svc
    proxyURL: http://proxy.local:3128
    proxyHeader:
      Proxy-Authorization: Basic dXNlcjpwYXNz
  - name: member1
    endpoint: https://10.0.0.1:6443
    insecureSkipTLSVerify: true
    token: abc
)";

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("fedmetrics-members-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".yaml");
    write(text);
  }
  void write(const std::string& text) const { std::ofstream(path, std::ios::trunc) << text; }
  ~TempFile() { std::filesystem::remove(path); }
};

std::string errors_of(std::string_view yaml) {
  auto r = parse_members_yaml(yaml, "members.yaml");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::InvalidArgument);
  return r.error().message;
}

}  // namespace

TEST_CASE("a valid members file parses into members sorted by name", "[unit][members]") {
  auto r = parse_members_yaml(kValid, "members.yaml", "/etc/fedmetrics");
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  const auto& m1 = (*r)[0];
  const auto& m2 = (*r)[1];
  CHECK(m1.name == "member1");
  CHECK(m1.mode == MemberMode::ApiServer);
  CHECK(m1.insecure_skip_tls_verify);
  CHECK(m1.token == "abc");
  CHECK(m2.name == "member2");
  CHECK(m2.mode == MemberMode::Adapter);
  CHECK(m2.ca_file == "/etc/fedmetrics/certs/m2-ca.crt");  // relative to the config file's directory
  CHECK(m2.token_file == "/var/run/m2-token");
  CHECK(m2.tls_server_name == "prometheus-adapter.monitoring.svc");
  CHECK(m2.proxy_url == "http://proxy.local:3128");
  CHECK(m2.proxy_headers.at("Proxy-Authorization") == "Basic dXNlcjpwYXNz");

  auto options = members::to_client_options(m2);
  REQUIRE(options);
  CHECK(options->host == "10.0.0.2");
  CHECK(options->port == 6443);
  CHECK(options->base_path == "/k8s/clusters/m2");
  CHECK(options->bearer_token_file == "/var/run/m2-token");
  REQUIRE(options->proxy_headers.size() == 1);
}

TEST_CASE("caData accepts PEM text and base64 of PEM", "[unit][members]") {
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  // base64 of the PEM above
  const std::string b64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";
  auto r = parse_members_yaml("members:\n  - name: a\n    endpoint: https://a\n    caData: " + b64 + "\n", "m");
  REQUIRE(r);
  CHECK((*r)[0].ca_data == pem);
  CHECK_THAT(errors_of("members:\n  - name: a\n    endpoint: https://a\n    caData: '%%%'\n"),
             Catch::Contains("members[0] (a).caData: must be PEM text or base64-encoded PEM"));
}

TEST_CASE("an empty member list is valid", "[unit][members]") {
  auto r = parse_members_yaml("members: []\n", "m");
  REQUIRE(r);
  CHECK(r->empty());
}

TEST_CASE("malformed members files are rejected with every problem located", "[unit][members]") {
  SECTION("invalid YAML names line and column") {
    CHECK_THAT(errors_of("members:\n  - name: [unclosed\n"), Catch::Contains("members.yaml: invalid YAML at line"));
  }
  SECTION("no members key") {
    CHECK_THAT(errors_of("clusters: []\n"), Catch::Contains("expected a mapping with a \"members\" list"));
  }
  SECTION("members is not a list") {
    CHECK_THAT(errors_of("members: {a: 1}\n"), Catch::Contains("members: must be a list"));
  }
  SECTION("several problems at once") {
    const std::string msg = errors_of(R"(
members:
  - name: Bad_Name
    endpoint: ftp://x
  - endpoint: https://b
    mode: sideways
    colour: blue
  - name: c
    endpoint: https://c:99999
    insecureSkipTLSVerify: maybe
  - name: d
    endpoint: https://d
    caFile: a.crt
    caData: "-----BEGIN CERTIFICATE-----"
    token: t
    tokenFile: f
    clientCertFile: c.crt
  - name: d
    endpoint: https://d2
    insecureSkipTLSVerify: true
    caFile: ca.crt
    proxyURL: socks5://p:1080
)");
    CHECK_THAT(msg, Catch::Contains("members.yaml: members[0].name: \"Bad_Name\" must be lowercase"));
    CHECK_THAT(msg, Catch::Contains("members[0] (Bad_Name).endpoint: endpoint \"ftp://x\" must start with https://"));
    CHECK_THAT(msg, Catch::Contains("members[1].name: required"));
    CHECK_THAT(msg, Catch::Contains("members[1].mode: must be \"apiserver\" or \"adapter\", got \"sideways\""));
    CHECK_THAT(msg, Catch::Contains("members[1].colour: unknown field"));
    CHECK_THAT(msg, Catch::Contains("members[2] (c).endpoint: endpoint \"https://c:99999\" has a bad port"));
    CHECK_THAT(msg, Catch::Contains("members[2] (c).insecureSkipTLSVerify: must be true or false"));
    CHECK_THAT(msg, Catch::Contains("members[3] (d): caFile and caData are exclusive"));
    CHECK_THAT(msg, Catch::Contains("members[3] (d): token and tokenFile are exclusive"));
    CHECK_THAT(msg, Catch::Contains("members[3] (d): a client certificate needs a client key"));
    CHECK_THAT(msg, Catch::Contains("members[4].name: duplicate name \"d\""));
    CHECK_THAT(msg, Catch::Contains("members[4] (d): insecureSkipTLSVerify cannot be combined with caFile/caData"));
    CHECK_THAT(msg, Catch::Contains("members[4] (d).proxyURL: must be http://host:port"));
  }
}

TEST_CASE("the file directory reloads on change and keeps the old set on a bad file", "[unit][members]") {
  TempFile file("members:\n  - name: a\n    endpoint: https://a\n");
  members::StaticClusterDirectory dir(file.path);
  REQUIRE(dir.snapshot()->size() == 1);
  const auto gen1 = dir.generation();
  const auto first = dir.snapshot();

  SECTION("unchanged content is not a change") {
    auto r = dir.reload();
    REQUIRE(r);
    CHECK_FALSE(*r);
    CHECK(dir.generation() == gen1);
  }
  SECTION("a valid change swaps the snapshot; old snapshots stay valid") {
    file.write("members:\n  - name: a\n    endpoint: https://a\n  - name: b\n    endpoint: https://b\n");
    auto r = dir.reload();
    REQUIRE(r);
    CHECK(*r);
    CHECK(dir.generation() == gen1 + 1);
    CHECK(dir.snapshot()->size() == 2);
    CHECK(first->size() == 1);
  }
  SECTION("an invalid file keeps the previous set") {
    file.write("members:\n  - name: a\n    endpoint: nope\n");
    auto r = dir.reload();
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("members[0] (a).endpoint"));
    CHECK(dir.generation() == gen1);
    CHECK(dir.snapshot()->at(0).endpoint == "https://a");
  }
  SECTION("a missing file keeps the previous set") {
    std::filesystem::remove(file.path);
    CHECK_FALSE(dir.reload());
    CHECK(dir.snapshot()->size() == 1);
  }
}

TEST_CASE("a broken members file at startup throws with the problems", "[unit][members]") {
  TempFile file("members:\n  - name: a\n");
  CHECK_THROWS_WITH(members::StaticClusterDirectory(file.path), Catch::Contains("members[0] (a).endpoint: required"));
}
