#include "server/app/options.hpp"

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

#include "clients/base/log.hpp"

using fedmetrics::app::Invocation;
using fedmetrics::app::parse_command_line;

namespace {

/// parse_command_line over `args` (argv[0] added).
Invocation parse(std::initializer_list<std::string> args) {
  std::vector<std::string> storage{"fedmetrics-adapter"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& a : storage) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

fedmetrics::app::Config serve(std::initializer_list<std::string> args) {
  auto inv = parse(args);
  INFO("exit code " << inv.exit_code);
  REQUIRE(inv.kind == Invocation::Kind::Serve);
  return inv.config;
}

bool rejected(std::initializer_list<std::string> args) {
  const auto inv = parse(args);
  return inv.kind == Invocation::Kind::Exit && inv.exit_code == 2;
}

}  // namespace

TEST_CASE("defaults are the reference's where the reference has the flag", "[unit][app][options]") {
  const auto c = serve({});
  CHECK(c.secure_port == 443);
  CHECK(c.bind_address == "0.0.0.0");
  CHECK(c.kube_api_qps == 40);
  CHECK(c.kube_api_burst == 60);
  CHECK(c.cluster_api_qps == 40);
  CHECK(c.cluster_api_burst == 60);
  REQUIRE(c.metrics_listener);
  CHECK(c.metrics_listener->host == "0.0.0.0");
  CHECK(c.metrics_listener->port == 8080);
  CHECK_FALSE(c.metrics_listener->required);  // the implicit default is best-effort
  CHECK(c.no_effect_flags.empty());
}

TEST_CASE("booleans take the bare form or =true or =false and the last one wins", "[unit][app][options]") {
  CHECK(serve({"--leader-elect"}).leader_elect);
  CHECK_FALSE(serve({"--leader-elect=false"}).leader_elect);
  CHECK(serve({"--leader-elect=true"}).leader_elect);
  CHECK_FALSE(serve({"--leader-elect", "--leader-elect=false"}).leader_elect);
  CHECK_FALSE(serve({"--anonymous-auth=false"}).auth.anonymous);
  CHECK(serve({"--anonymous-auth"}).auth.anonymous);
  CHECK(serve({"--authentication-skip-lookup"}).authentication_skip_lookup);
  CHECK(serve({"--authentication-tolerate-lookup-failure"}).authentication_tolerate_lookup_failure);
  CHECK(serve({"--permit-port-sharing"}).permit_port_sharing);
  CHECK_FALSE(serve({"--permit-port-sharing=false"}).permit_port_sharing);
  SECTION("as in pflag, a separate value is not the flag's value") { CHECK(rejected({"--leader-elect", "false"})); }
  SECTION("a value that is not a boolean is refused") { CHECK(rejected({"--leader-elect=maybe"})); }
}

TEST_CASE("flags are read the way pflag reads them", "[unit][app][options]") {
  SECTION("the last value of a repeated flag wins") { CHECK(serve({"--secure-port=1", "--secure-port=2"}).secure_port == 2); }
  SECTION("lists split on commas and repeat; the first use replaces the default") {
    const auto c = serve({"--requestheader-allowed-names=a,b", "--requestheader-allowed-names", "c"});
    CHECK(c.auth.request_header.allowed_names == std::vector<std::string>{"a", "b", "c"});
    CHECK(serve({"--authorization-always-allow-paths=/x"}).auth.always_allow_paths == std::vector<std::string>{"/x"});
  }
  SECTION("an empty value empties a list") {
    CHECK(serve({"--requestheader-allowed-names="}).auth.request_header.allowed_names.empty());
    CHECK(serve({"--authorization-always-allow-paths="}).auth.always_allow_paths.empty());
  }
  SECTION("_ and - are the same in flag names") {
    CHECK(serve({"--kube_api_qps=5"}).kube_api_qps == 5);
    CHECK(serve({"--log_dir=/tmp/x"}).no_effect_flags == std::vector<std::string>{"--log-dir"});
  }
  SECTION("-v=3, -v 3 and --v=3") {
    CHECK(serve({"-v=3"}).verbosity == 3);
    CHECK(serve({"-v", "4"}).verbosity == 4);
    CHECK(serve({"--v=5"}).verbosity == 5);
  }
}

TEST_CASE("the metrics bind address takes host:port or :port or 0", "[unit][app][options]") {
  auto listener = [](const std::string& value) { return serve({"--metrics-bind-address=" + value}).metrics_listener; };
  auto a = listener(":9090");
  REQUIRE(a);
  CHECK(a->host == "0.0.0.0");
  CHECK(a->port == 9090);
  CHECK(a->required);  // given explicitly: failing to bind is fatal, as in the reference
  CHECK(listener("127.0.0.1:0")->host == "127.0.0.1");
  CHECK(listener("[::1]:8080")->host == "::1");
  CHECK(listener("localhost:8080")->host == "127.0.0.1");
  CHECK_FALSE(listener("0"));
  CHECK(rejected({"--metrics-bind-address=8080"}));
  CHECK(rejected({"--metrics-bind-address=example.com:8080"}));
  CHECK(rejected({"--metrics-bind-address=:70000"}));
}

TEST_CASE("rate limits need a burst of at least 1 when qps is above 0 and are off at 0 or less", "[unit][app][options]") {
  const auto c = serve({"--kube-api-qps=2.5", "--kube-api-burst=3", "--cluster-api-qps=0", "--cluster-api-burst=0"});
  CHECK(c.kube_api_qps == 2.5);
  CHECK(c.kube_api_burst == 3);
  CHECK(c.cluster_api_qps == 0);
  CHECK(rejected({"--cluster-api-qps=5", "--cluster-api-burst=0"}));
  CHECK(rejected({"--kube-api-qps=fast"}));
}

TEST_CASE("reference flags without effect here are accepted with their values checked and are reported",
          "[unit][app][options]") {
  const auto c = serve({"--audit-log-compress=false", "--audit-log-version=audit.k8s.io/v1", "--profiling=false",
                        "--tls-sni-cert-key=a.crt,a.key:*.example.com", "--log-flush-frequency=5s",
                        "--audit-webhook-batch-throttle-qps=10"});
  // In --help order.
  CHECK(c.no_effect_flags == std::vector<std::string>{"--tls-sni-cert-key", "--audit-log-compress",
                                                      "--audit-log-version", "--audit-webhook-batch-throttle-qps",
                                                      "--profiling", "--log-flush-frequency"});
  CHECK(rejected({"--audit-log-maxage=soon"}));
  CHECK(rejected({"--log-flush-frequency=often"}));
  CHECK(rejected({"--audit-log-batch-throttle-qps=x"}));
}

TEST_CASE("audit flags: the policy file is read and checked, rotation limits validated", "[unit][app][options]") {
  const auto c = serve({"--audit-log-path=-", "--audit-log-maxage=3", "--audit-log-maxbackup=4", "--audit-log-maxsize=2"});
  CHECK(c.audit_rotation.max_age_days == 3);
  CHECK(c.audit_rotation.max_backups == 4);
  CHECK(c.audit_rotation.max_size_bytes == 2u << 20);
  CHECK(c.audit_policy.rules.size() == 1);  // no policy file: everything at Metadata
  CHECK(c.audit_policy.rules[0].level == fedmetrics::api::AuditLevel::Metadata);
  CHECK(rejected({"--audit-log-maxbackup=-1"}));
  CHECK(rejected({"--audit-log-maxsize=-5"}));
  CHECK(rejected({"--audit-policy-file=/nonexistent/policy.yaml"}));
}

TEST_CASE("version and help are commands too", "[unit][app][options]") {
  CHECK(parse({"version"}).kind == Invocation::Kind::Exit);
  CHECK(parse({"version"}).exit_code == 0);
  CHECK(parse({"help"}).exit_code == 0);
  CHECK(parse({"--help"}).exit_code == 0);
}

namespace {

/// parse_command_line with argv[0] = `program`; info lines back on afterwards (explain turns them off).
Invocation parse_as(const std::string& program, std::initializer_list<std::string> args) {
  std::vector<std::string> storage{program};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& a : storage) argv.push_back(a.c_str());
  auto inv = parse_command_line(static_cast<int>(argv.size()), argv.data());
  fedmetrics::log::set_info_lines(true);
  return inv;
}

}  // namespace

TEST_CASE("explain takes NAMESPACE/NAME, -n with a bare NAME, -o json and the server's flags", "[unit][app][options]") {
  auto inv = parse_as("fedmetrics-adapter", {"explain", "prod/web", "-o", "json", "--kubeconfig=/dev/null",
                                             "--horizontal-pod-autoscaler-tolerance=0.2"});
  REQUIRE(inv.kind == Invocation::Kind::Explain);
  CHECK(inv.explain.namespace_name == "prod");
  CHECK(inv.explain.name == "web");
  CHECK(inv.explain.json);
  CHECK(inv.explain.program == "fedmetrics-adapter");
  CHECK(inv.config.federatedhpa.decision.tolerance == 0.2);
  CHECK(inv.config.members_source == fedmetrics::app::Config::MembersSource::Karmada);

  inv = parse_as("fedmetrics-adapter", {"explain", "web", "-n", "prod", "--kubeconfig=/dev/null"});
  REQUIRE(inv.kind == Invocation::Kind::Explain);
  CHECK(inv.explain.namespace_name == "prod");
  CHECK_FALSE(inv.explain.json);
  inv = parse_as("fedmetrics-adapter", {"explain", "web", "--kubeconfig=/dev/null"});
  CHECK(inv.explain.namespace_name == "default");
}

TEST_CASE("explain refuses a malformed target or output with exit code 2", "[unit][app][options]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"explain"}, {"explain", "a/b/c"}, {"explain", "/web"}, {"explain", "prod/"},
           {"explain", "prod/web", "-o", "yaml"}, {"explain", "prod/web", "-n", "other"}}) {
    std::vector<const char*> argv{"fedmetrics-adapter"};
    for (const auto& a : args) argv.push_back(a.c_str());
    const auto inv = parse_command_line(static_cast<int>(argv.size()), argv.data());
    fedmetrics::log::set_info_lines(true);
    INFO((args.size() > 1 ? args[1] : std::string()));
    CHECK(inv.kind == Invocation::Kind::Exit);
    CHECK(inv.exit_code == 2);
  }
}

TEST_CASE("as kubectl-fedmetrics the binary is a kubectl plugin and never starts a server", "[unit][app][options]") {
  CHECK(fedmetrics::app::is_kubectl_plugin("/usr/local/bin/kubectl-fedmetrics"));
  CHECK(fedmetrics::app::is_kubectl_plugin("kubectl-fedmetrics"));
  CHECK_FALSE(fedmetrics::app::is_kubectl_plugin("/usr/bin/fedmetrics-adapter"));
  const auto bare = parse_as("/usr/local/bin/kubectl-fedmetrics", {});
  CHECK(bare.kind == Invocation::Kind::Exit);
  CHECK(bare.exit_code == 2);
  const auto inv = parse_as("/usr/local/bin/kubectl-fedmetrics", {"explain", "prod/web", "--kubeconfig=/dev/null"});
  REQUIRE(inv.kind == Invocation::Kind::Explain);
  CHECK(inv.explain.program == "kubectl fedmetrics");
}

TEST_CASE("explain finds the kubeconfig as kubectl does", "[unit][app][options]") {
  using fedmetrics::app::default_kubeconfig;
  CHECK(default_kubeconfig("/nonexistent/a:/dev/null", nullptr) == "/dev/null");
  CHECK(default_kubeconfig("", "/nonexistent-home").empty());
  CHECK(default_kubeconfig(nullptr, nullptr).empty());
}
