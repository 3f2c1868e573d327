#include "clients/transport/https_client.hpp"

#include <catch2/catch.hpp>
#include "tests/support/catch_result.hpp"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/run_coro.hpp"
#include "tests/unit/clients/transport/fake_member_process.hpp"

using namespace fedmetrics;
using namespace std::chrono_literals;
using fedmetrics::test::FakeMemberProcess;
using fedmetrics::test::run_coro;
using transport::HttpsClient;
using transport::HttpsClientOptions;

namespace {

const char* kFixtures = R"({"routes": {
  "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests":
    {"status": 200, "body": {"kind": "MetricValueList", "items": []}},
  "/big": {"status": 200, "body": "0123456789012345678901234567890123456789"}
}})";

HttpsClientOptions options_for(const FakeMemberProcess& fake) {
  HttpsClientOptions o;
  REQUIRE(transport::parse_endpoint_url(fake.url(), o));
  o.ca.file = fake.cert_file();
  return o;
}

// One io_context per test process: pooled sockets belong to it, so it must outlive every client.
net::io_context& ioc() {
  static net::io_context context;
  return context;
}

Result<transport::HttpResponse> get(HttpsClient& client, std::string target, std::chrono::milliseconds deadline = 5s) {
  return run_coro(ioc(), client.get(std::move(target), {}, deadline));
}

}  // namespace

TEST_CASE("path segments and query values are escaped like Go's net/url", "[unit][transport]") {
  CHECK(transport::escape_path_segment("*") == "%2A");
  CHECK(transport::escape_path_segment("deployments.apps") == "deployments.apps");
  CHECK(transport::escape_path_segment("a b/c") == "a%20b%2Fc");
  CHECK(transport::escape_query_value("app=web,tier in (a,b)") == "app%3Dweb%2Ctier+in+%28a%2Cb%29");
  CHECK(transport::escape_query_value("x!=y") == "x%21%3Dy");
}

TEST_CASE("endpoint URLs are split into host, port and base path", "[unit][transport]") {
  HttpsClientOptions o;
  SECTION("with port and prefix") {
    REQUIRE(transport::parse_endpoint_url("https://10.0.0.1:6443/k8s/clusters/m1/", o));
    CHECK(o.host == "10.0.0.1");
    CHECK(o.port == 6443);
    CHECK(o.base_path == "/k8s/clusters/m1");
    CHECK_FALSE(o.plain_http);
  }
  SECTION("default port, IPv6 literal") {
    REQUIRE(transport::parse_endpoint_url("https://[::1]", o));
    CHECK(o.host == "::1");
    CHECK(o.port == 443);
  }
  SECTION("bad inputs name the problem") {
    auto r = transport::parse_endpoint_url("ftp://x", o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::InvalidArgument);
    CHECK_FALSE(transport::parse_endpoint_url("https://:443", o));
    CHECK_FALSE(transport::parse_endpoint_url("https://h:99999", o));
    CHECK_FALSE(transport::parse_endpoint_url("https://h:12ab", o));
  }
}

TEST_CASE("unreadable TLS material fails construction with the reason", "[unit][transport]") {
  HttpsClientOptions o;
  o.host = "127.0.0.1";
  o.ca.file = "/nonexistent/ca.crt";
  CHECK_THROWS_WITH(HttpsClient(o), Catch::Contains("CA bundle") && Catch::Contains("/nonexistent/ca.crt"));
  o.ca = {};
  o.ca.data = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  CHECK_THROWS(HttpsClient(o));
}

TEST_CASE("loopback: verified TLS GET with keep-alive reuse and bearer token", "[unit][transport][loopback]") {
  FakeMemberProcess fake({"--token", "s3cret"}, kFixtures);
  auto o = options_for(fake);
  o.bearer_token = "s3cret";
  HttpsClient client(o);
  auto r1 = get(client, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests");
  REQUIRE(r1);
  CHECK(r1->status == 200);
  CHECK(r1->body.find("MetricValueList") != std::string::npos);
  CHECK(r1->header("content-type") == std::optional<std::string>("application/json"));
  auto r2 = get(client, "/nope");
  REQUIRE(r2);
  CHECK(r2->status == 404);  // a status is a response, not a transport error
  CHECK(client.connections_opened() == 1);
  CHECK(client.idle_connections() == 1);
}

TEST_CASE("loopback: a wrong token is a 401 response", "[unit][transport][loopback]") {
  FakeMemberProcess fake({"--token", "s3cret"}, kFixtures);
  auto o = options_for(fake);
  o.bearer_token = "wrong";
  HttpsClient client(o);
  auto r = get(client, "/big");
  REQUIRE(r);
  CHECK(r->status == 401);
}

TEST_CASE("loopback: TLS verification failures are Unavailable with the OpenSSL reason", "[unit][transport][loopback]") {
  FakeMemberProcess fake({}, kFixtures);
  SECTION("untrusted certificate") {
    auto o = options_for(fake);
    o.ca = {};  // system roots do not know the self-signed cert
    HttpsClient client(o);
    auto r = get(client, "/big");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Unavailable);
    CHECK_THAT(r.error().message, Catch::Contains("certificate verify failed"));
  }
  SECTION("server name mismatch") {
    auto o = options_for(fake);
    o.tls_server_name = "other.example";
    HttpsClient client(o);
    auto r = get(client, "/big");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Unavailable);
    CHECK_THAT(r.error().message, Catch::Contains("hostname mismatch"));
  }
  SECTION("matching tls-server-name override") {
    auto o = options_for(fake);
    o.tls_server_name = "localhost";
    HttpsClient client(o);
    auto r = get(client, "/big");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  SECTION("insecure skip verify") {
    auto o = options_for(fake);
    o.ca = {};
    o.insecure_skip_verify = true;
    HttpsClient client(o);
    auto r = get(client, "/big");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

TEST_CASE("loopback: faults map to Errc", "[unit][transport][loopback]") {
  SECTION("hang → Timeout within the deadline") {
    FakeMemberProcess fake({"--hang"}, kFixtures);
    HttpsClient client(options_for(fake));
    const auto start = std::chrono::steady_clock::now();
    auto r = get(client, "/big", 300ms);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Timeout);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
  SECTION("truncated body → ProtocolError") {
    FakeMemberProcess fake({"--truncate"}, kFixtures);
    HttpsClient client(options_for(fake));
    auto r = get(client, "/big");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::ProtocolError);
  }
  SECTION("garbage instead of HTTP → ProtocolError") {
    FakeMemberProcess fake({"--garbage-http"}, kFixtures);
    HttpsClient client(options_for(fake));
    auto r = get(client, "/big");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::ProtocolError);
  }
  SECTION("plain text instead of TLS → Unavailable") {
    FakeMemberProcess fake({"--tls-garbage"}, kFixtures);
    auto o = options_for(fake);
    o.ca = {};
    o.insecure_skip_verify = true;
    HttpsClient client(o);
    auto r = get(client, "/big");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Unavailable);
    CHECK_THAT(r.error().message, Catch::Contains("TLS"));
  }
  SECTION("body above the limit → TooLarge") {
    FakeMemberProcess fake({}, kFixtures);
    auto o = options_for(fake);
    o.body_limit = 10;
    HttpsClient client(o);
    auto r = get(client, "/big");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::TooLarge);
  }
  SECTION("nobody listening → Unavailable") {
    HttpsClientOptions o;
    o.host = "127.0.0.1";
    o.port = 1;
    o.insecure_skip_verify = true;
    HttpsClient client(o);
    auto r = get(client, "/big");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Unavailable);
    CHECK_THAT(r.error().message, Catch::Contains("connect"));
  }
}

TEST_CASE("loopback: a token file is re-read when it changes", "[unit][transport][loopback]") {
  FakeMemberProcess fake({"--token", "second"}, kFixtures);
  const auto token_path = std::filesystem::temp_directory_path() / ("fedmetrics-token-" + std::to_string(::getpid()));
  std::ofstream(token_path) << "first";
  auto o = options_for(fake);
  o.bearer_token_file = token_path.string();
  HttpsClient client(o);
  auto r1 = get(client, "/big");
  REQUIRE(r1);
  CHECK(r1->status == 401);
  // A different size, so the change is seen even if the mtime did not tick.
  std::ofstream(token_path, std::ios::trunc) << "second\n";
  auto r2 = get(client, "/big");
  REQUIRE(r2);
  CHECK(r2->status == 200);
  std::filesystem::remove(token_path);
}

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Replaces `path` with `content` the way a Secret volume or cert-manager does: a new file renamed over it.
void replace_file(const std::filesystem::path& path, const std::string& content) {
  const auto tmp = path.string() + ".new";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << content;
  std::filesystem::rename(tmp, path);
}

/// A scratch directory removed at the end of the test.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("loopback: a rotated CA file is re-read without rebuilding the client", "[unit][transport][loopback]") {
  // Issue #12 item 8: member CA files were loaded once per client, so a rotated CA needed a restart.
  FakeMemberProcess member({}, kFixtures);
  std::string unrelated_ca;
  {
    FakeMemberProcess other({}, kFixtures);
    unrelated_ca = read_all(other.cert_file());
  }
  ScratchDir dir("fedmetrics-ca-rotation");
  const auto ca_path = dir.path / "ca.crt";
  replace_file(ca_path, unrelated_ca);
  auto o = options_for(member);
  o.ca.file = ca_path.string();
  HttpsClient client(o);
  auto before = get(client, "/big");
  REQUIRE_FALSE(before);
  CHECK(before.error().code == Errc::Unavailable);

  replace_file(ca_path, read_all(member.cert_file()));
  auto after = get(client, "/big");
  REQUIRE(after);
  CHECK(after->status == 200);

  // A broken file (half written) keeps the loaded CA: requests go on.
  replace_file(ca_path, "-----BEGIN CERTIFICATE-----\nnot base64\n");
  auto broken = get(client, "/big");
  REQUIRE(broken);
  CHECK(broken->status == 200);
}

TEST_CASE("loopback: rotated client certificate and key files are re-read", "[unit][transport][loopback]") {
  ScratchDir dir("fedmetrics-client-cert-rotation");
  const auto certs = dir.path / "certs";
  REQUIRE(std::system((std::string(FEDMETRICS_SOURCE_DIR) + "/scripts/gen-test-certs.sh " + certs.string() +
                       " >/dev/null")
                          .c_str()) == 0);
  // The member accepts only client certificates of the test client CA.
  FakeMemberProcess member({"--client-ca", (certs / "client-ca.crt").string()}, kFixtures);
  const auto cert_path = dir.path / "client.crt";
  const auto key_path = dir.path / "client.key";
  replace_file(cert_path, read_all((certs / "rogue.crt").string()));
  replace_file(key_path, read_all((certs / "rogue.key").string()));
  auto o = options_for(member);
  o.client_cert.file = cert_path.string();
  o.client_key.file = key_path.string();
  HttpsClient client(o);
  auto before = get(client, "/big");
  REQUIRE_FALSE(before);
  CHECK(before.error().code == Errc::Unavailable);

  // Certificate first, then key: in between the pair does not match, and that state must not stick.
  replace_file(cert_path, read_all((certs / "admin.crt").string()));
  (void)get(client, "/big");
  replace_file(key_path, read_all((certs / "admin.key").string()));
  auto after = get(client, "/big");
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(client.connections_opened() >= 2);
}
