#include "clients/kube/kubeconfig.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "tests/support/catch_result.hpp"

namespace fedmetrics::kube {
namespace {

const std::string kDir = std::string(FEDMETRICS_SOURCE_DIR) + "/tests/data/kubeconfig";

TEST_CASE("kubeconfig with a token and inline CA selects current-context", "[unit][kubeconfig]") {
  auto c = load_kubeconfig(kDir + "/token.yaml");
  REQUIRE(c);
  CHECK(c->server == "https://karmada.example:5443");
  CHECK(c->ca.data.find("-----BEGIN CERTIFICATE-----") == 0);
  CHECK(c->ca.file.empty());
  CHECK(c->tls_server_name == "karmada-apiserver.karmada-system.svc");
  CHECK(c->bearer_token == "s3cr3t");
  CHECK(c->namespace_name == "karmada-system");
  CHECK_FALSE(c->insecure_skip_tls_verify);
  CHECK(c->source == "kubeconfig " + kDir + "/token.yaml context karmada");

  auto o = to_https_client_options(*c);
  REQUIRE(o);
  CHECK(o->host == "karmada.example");
  CHECK(o->port == 5443);
  CHECK(o->bearer_token == "s3cr3t");
  CHECK(o->tls_server_name == "karmada-apiserver.karmada-system.svc");
}

TEST_CASE("kubeconfig client certificate data is decoded to PEM", "[unit][kubeconfig]") {
  auto c = load_kubeconfig(kDir + "/client-cert-data.yaml");
  REQUIRE(c);
  CHECK(c->client_cert.data.find("-----BEGIN CERTIFICATE-----") == 0);
  CHECK(c->client_key.data.find("-----BEGIN PRIVATE KEY-----") == 0);
  CHECK(c->bearer_token.empty());
  CHECK(c->namespace_name == "default");
}

TEST_CASE("kubeconfig relative paths resolve against the kubeconfig's directory", "[unit][kubeconfig]") {
  auto c = load_kubeconfig(kDir + "/relative-files.yaml");
  REQUIRE(c);
  CHECK(c->ca.file == kDir + "/ca.crt");
  CHECK(c->client_cert.file == kDir + "/certs/client.crt");
  CHECK(c->client_key.file == kDir + "/certs/client.key");
  CHECK(c->bearer_token_file == kDir + "/token");
  CHECK(c->proxy_url == "http://proxy.example:3128");
  auto o = to_https_client_options(*c);
  REQUIRE(o);
  CHECK(o->host == "fd00::1");
  CHECK(o->base_path == "/prefix");
  CHECK(o->proxy_url == "http://proxy.example:3128");
}

TEST_CASE("kubeconfig --context overrides current-context", "[unit][kubeconfig]") {
  SECTION("current-context") {
    auto c = load_kubeconfig(kDir + "/multi-context.yaml");
    REQUIRE(c);
    CHECK(c->server == "https://one.example");
    CHECK(c->insecure_skip_tls_verify);
    CHECK(c->bearer_token == "t1");
  }
  SECTION("--context second: no user means anonymous") {
    auto c = load_kubeconfig(kDir + "/multi-context.yaml", "second");
    REQUIRE(c);
    CHECK(c->server == "http://127.0.0.1:8080");
    CHECK(c->bearer_token.empty());
    auto o = to_https_client_options(*c);
    REQUIRE(o);
    CHECK(o->plain_http);
  }
  SECTION("--context unknown") {
    auto c = load_kubeconfig(kDir + "/multi-context.yaml", "third");
    REQUIRE_FALSE(c);
    CHECK(c.error().message == "kubeconfig " + kDir +
                                   "/multi-context.yaml: --context: context \"third\" not found (contexts: first, "
                                   "second)");
  }
}

TEST_CASE("malformed kubeconfigs fail with the file and field path", "[unit][kubeconfig]") {
  // file, expected message after "kubeconfig <path>: "
  auto [file, expected] = GENERATE(table<std::string, std::string>({
      {"bad-yaml.yaml", "invalid YAML at line"},
      {"top-not-map.yaml", "expected a mapping at the top level"},
      {"clusters-not-list.yaml", "clusters: expected a list"},
      {"cluster-no-name.yaml", "clusters[0].name: missing"},
      {"no-current-context.yaml", "current-context: not set and no --context given"},
      {"unknown-context.yaml", "current-context: context \"nope\" not found (contexts: ctx)"},
      {"unknown-cluster.yaml", "contexts[0].context.cluster: cluster \"missing\" not found (clusters: c)"},
      {"unknown-user.yaml", "contexts[0].context.user: user \"ghost\" not found (users: u)"},
      {"no-server.yaml", "clusters[0].cluster.server: missing"},
      {"bad-server.yaml", "clusters[0].cluster.server: endpoint \"ftp://x.example\" must start with https://"},
      {"ca-data-not-base64.yaml", "clusters[0].cluster.certificate-authority-data: not base64"},
      {"ca-data-not-pem.yaml", "clusters[0].cluster.certificate-authority-data: does not contain PEM data"},
      {"ca-file-missing.yaml", "clusters[0].cluster.certificate-authority: "},
      {"ca-both.yaml",
       "clusters[0].cluster: certificate-authority and certificate-authority-data are both set; set only one"},
      {"insecure-with-ca.yaml",
       "clusters[0].cluster: certificate-authority with insecure-skip-tls-verify is not allowed"},
      {"insecure-not-bool.yaml", "clusters[0].cluster.insecure-skip-tls-verify: expected true or false"},
      {"socks-proxy.yaml", "clusters[0].cluster.proxy-url: \"socks5://p:1080\": only http:// proxies are supported"},
      {"cert-data-not-base64.yaml", "users[0].user.client-certificate-data: not base64"},
      {"cert-without-key.yaml", "users[0].user: client-certificate given without client-key"},
      {"token-file-missing.yaml", "users[0].user.tokenFile: /nonexistent/token: no such file"},
      {"exec-plugin.yaml", "users[0].user.exec: credential plugins are not supported"},
      {"basic-auth.yaml", "users[0].user.username: basic authentication is not supported"},
      {"token-not-string.yaml", "users[0].user.token: expected a string"},
      {"user-not-map.yaml", "users[0].user: expected a mapping"},
  }));
  const std::string path = kDir + "/malformed/" + file;
  CAPTURE(file);
  auto c = load_kubeconfig(path);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == Errc::InvalidArgument);
  const std::string prefix = "kubeconfig " + path + ": ";
  REQUIRE(c.error().message.rfind(prefix, 0) == 0);
  CHECK_THAT(c.error().message.substr(prefix.size()), Catch::StartsWith(expected));
}

TEST_CASE("an unreadable kubeconfig names the file", "[unit][kubeconfig]") {
  auto c = load_kubeconfig("/nonexistent/kubeconfig");
  REQUIRE_FALSE(c);
  CHECK(c.error().message == "kubeconfig /nonexistent/kubeconfig: cannot read file");
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("fedmetrics-kube-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

TEST_CASE("in-cluster config uses the service environment and account files", "[unit][kubeconfig]") {
  TempDir dir;
  InClusterSource s;
  s.service_host = "10.96.0.1";
  s.service_port = "443";
  s.token_file = dir.write("token", "sa-token\n");
  s.ca_file = dir.write("ca.crt", "-----BEGIN CERTIFICATE-----\n");
  s.namespace_file = dir.write("namespace", "karmada-system\n");

  SECTION("complete") {
    auto c = load_in_cluster_config(s);
    REQUIRE(c);
    CHECK(c->server == "https://10.96.0.1:443");
    CHECK(c->bearer_token_file == s.token_file);
    CHECK(c->ca.file == s.ca_file);
    CHECK(c->namespace_name == "karmada-system");
    CHECK(c->source == "in-cluster");
  }
  SECTION("IPv6 service host is bracketed") {
    s.service_host = "fd00::1";
    auto c = load_in_cluster_config(s);
    REQUIRE(c);
    CHECK(c->server == "https://[fd00::1]:443");
  }
  SECTION("no namespace file means default") {
    s.namespace_file = (dir.path / "absent").string();
    auto c = load_in_cluster_config(s);
    REQUIRE(c);
    CHECK(c->namespace_name == "default");
  }
  SECTION("not in a pod") {
    s.service_host.reset();
    auto c = load_in_cluster_config(s);
    REQUIRE_FALSE(c);
    CHECK_THAT(c.error().message, Catch::StartsWith("in-cluster config: KUBERNETES_SERVICE_HOST and "
                                                    "KUBERNETES_SERVICE_PORT must be set"));
  }
  SECTION("empty token") {
    s.token_file = dir.write("empty-token", "\n");
    auto c = load_in_cluster_config(s);
    REQUIRE_FALSE(c);
    CHECK(c.error().message == "in-cluster config: token file " + s.token_file + " is missing or empty");
  }
  SECTION("missing CA") {
    s.ca_file = (dir.path / "absent.crt").string();
    auto c = load_in_cluster_config(s);
    REQUIRE_FALSE(c);
    CHECK(c.error().message == "in-cluster config: CA file " + s.ca_file + " is missing");
  }
  SECTION("load_rest_config falls back to in-cluster without a kubeconfig") {
    auto c = load_rest_config("", "", s);
    REQUIRE(c);
    CHECK(c->source == "in-cluster");
    auto with_context = load_rest_config("", "x", s);
    REQUIRE_FALSE(with_context);
    CHECK(with_context.error().message == "--context \"x\" needs --kubeconfig");
  }
}

}  // namespace
}  // namespace fedmetrics::kube
