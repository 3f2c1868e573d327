#include "clients/kube/objects.hpp"

#include <catch2/catch.hpp>

#include <vector>

#include "clients/base/clock.hpp"
#include "clients/kube/encoding.hpp"
#include "tests/support/catch_result.hpp"

namespace fedmetrics::kube {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

Time at(const char* text) { return parse_rfc3339(text).value(); }

TEST_CASE("base64 decodes standard padded text and rejects the rest", "[unit][kube][encoding]") {
  CHECK(base64_decode("aGVsbG8=").value() == "hello");
  CHECK(base64_decode("aGVsbG8h").value() == "hello!");
  CHECK(base64_decode("aGVs\nbG8=").value() == "hello");
  CHECK(base64_decode("").value().empty());
  CHECK_FALSE(base64_decode("aGVsbG8"));    // missing padding
  CHECK_FALSE(base64_decode("aGV=bG8="));   // padding inside
  CHECK_FALSE(base64_decode("aGVs bG8="));  // space
  CHECK_FALSE(base64_decode("aGVsbG8-"));   // URL alphabet
  CHECK(base64_decode("***").error().message == "not base64");
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    CHECK(base64_decode(base64_encode(s)).value() == s);
  }
}

TEST_CASE("RFC 3339 times parse with fractions and offsets", "[unit][kube][encoding]") {
  const auto base = at("2026-08-21T03:12:09Z");
  CHECK(format_rfc3339(base) == "2026-08-21T03:12:09Z");
  CHECK(at("2026-08-21T03:12:09.250000Z") - base == std::chrono::milliseconds(250));
  CHECK(at("2026-08-21T05:12:09+02:00") == base);
  CHECK(at("2026-08-21T01:12:09-02:00") == base);
  CHECK(format_rfc3339_micro(at("2026-08-21T03:12:09.123456789Z")) == "2026-08-21T03:12:09.123456Z");
  CHECK(format_rfc3339_micro(base) == "2026-08-21T03:12:09.000000Z");
  for (const char* bad : {"", "2026-08-21", "2026-08-21T03:12:09", "2026-13-01T00:00:00Z", "2026-08-21T03:12:09.Z",
                          "2026-08-21T03:12:09Zjunk"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("Cluster view reads endpoint, secret ref, proxy and readiness", "[unit][kube][objects]") {
  const json j = json::parse(R"({
    "apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster",
    "metadata": {"name": "member1", "resourceVersion": "42", "labels": {"region": "eu"}},
    "spec": {"apiEndpoint": "https://172.18.0.3:6443", "syncMode": "Push",
             "secretRef": {"namespace": "karmada-cluster", "name": "member1"},
             "insecureSkipTLSVerification": true, "proxyURL": "http://proxy:3128",
             "proxyHeader": {"Proxy-Authorization": "Basic eA=="}},
    "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ClusterReady",
                               "lastTransitionTime": "2026-08-21T03:12:09Z"}]}})");
  auto c = decode<Cluster>(j);
  REQUIRE(c);
  CHECK(c->metadata.name == "member1");
  CHECK(c->metadata.resource_version == "42");
  CHECK(c->metadata.labels.at("region") == "eu");
  CHECK(c->api_endpoint == "https://172.18.0.3:6443");
  REQUIRE(c->secret_ref);
  CHECK(*c->secret_ref == Cluster::SecretRef{"karmada-cluster", "member1"});
  CHECK(c->insecure_skip_tls_verification);
  CHECK(c->proxy_url == "http://proxy:3128");
  CHECK(c->proxy_header.at("Proxy-Authorization") == "Basic eA==");
  CHECK(c->is_ready());
  CHECK(c->conditions.at(0).last_transition_time == at("2026-08-21T03:12:09Z"));

  json not_ready = j;
  not_ready["status"]["conditions"][0]["status"] = "False";
  CHECK_FALSE(decode<Cluster>(not_ready)->is_ready());
  json no_status = j;
  no_status.erase("status");
  CHECK_FALSE(decode<Cluster>(no_status)->is_ready());
}

TEST_CASE("decoding a malformed object is a ProtocolError naming it", "[unit][kube][objects]") {
  const json j = json::parse(R"({"kind":"Cluster","metadata":{"name":"m"},"spec":{"apiEndpoint":7}})");
  auto c = decode<Cluster>(j);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == Errc::ProtocolError);
  CHECK(c.error().message == "decoding Cluster m: apiEndpoint: expected a string");
}

TEST_CASE("Secret view decodes base64 data", "[unit][kube][objects]") {
  const json j = {{"kind", "Secret"},
                  {"metadata", {{"name", "member1"}, {"namespace", "karmada-cluster"}}},
                  {"data", {{"token", base64_encode("tok")}, {"caBundle", base64_encode("-----BEGIN")}}}};
  auto s = decode<Secret>(j);
  REQUIRE(s);
  CHECK(s->value("token") == "tok");
  CHECK(s->value("caBundle") == "-----BEGIN");
  CHECK_FALSE(s->value("missing"));
  json bad = j;
  bad["data"]["token"] = "%%%";
  CHECK(decode<Secret>(bad).error().message == "decoding Secret member1: data.token: not base64");
}

TEST_CASE("Lease round-trips with MicroTime", "[unit][kube][objects]") {
  Lease lease;
  lease.metadata.name = "fedmetrics";
  lease.metadata.namespace_name = "karmada-system";
  lease.metadata.resource_version = "9";
  lease.spec = {"replica-a", 15, at("2026-08-21T03:12:09.5Z"), at("2026-08-21T03:12:11.25Z"), 3};
  const json j = lease;
  CHECK(j["spec"]["acquireTime"] == "2026-08-21T03:12:09.500000Z");
  CHECK(j["spec"]["renewTime"] == "2026-08-21T03:12:11.250000Z");
  CHECK(j["metadata"]["resourceVersion"] == "9");
  CHECK(j["apiVersion"] == "coordination.k8s.io/v1");
  auto back = decode<Lease>(j);
  REQUIRE(back);
  CHECK(*back == lease);
}

TEST_CASE("Scale view and body", "[unit][kube][objects]") {
  auto s = decode<Scale>(json::parse(
      R"({"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"d","resourceVersion":"5"},
          "spec":{"replicas":3},"status":{"replicas":2,"selector":"app=web"}})"));
  REQUIRE(s);
  CHECK(s->spec_replicas == 3);
  CHECK(s->status_replicas == 2);
  CHECK(s->status_selector == "app=web");
  s->spec_replicas = 5;
  const json out = *s;
  CHECK(out["spec"]["replicas"] == 5);
  CHECK(out["metadata"]["resourceVersion"] == "5");
  CHECK(out["kind"] == "Scale");
}

TEST_CASE("Pod view keeps phase, readiness, times and requests", "[unit][kube][objects]") {
  auto p = decode<Pod>(json::parse(R"({
    "metadata": {"name": "web-1", "namespace": "d", "labels": {"app": "web"},
                 "deletionTimestamp": "2026-08-21T03:20:00Z"},
    "spec": {"containers": [{"name": "app", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                            {"name": "sidecar"}]},
    "status": {"phase": "Running", "startTime": "2026-08-21T03:00:00Z",
               "conditions": [{"type": "PodScheduled", "status": "True"},
                              {"type": "Ready", "status": "True", "lastTransitionTime": "2026-08-21T03:00:30Z"}]}})"));
  REQUIRE(p);
  CHECK(p->metadata.labels.at("app") == "web");
  CHECK(p->phase == "Running");
  CHECK(p->start_time == at("2026-08-21T03:00:00Z"));
  CHECK(p->metadata.deletion_timestamp == at("2026-08-21T03:20:00Z"));
  REQUIRE(p->ready_condition());
  CHECK(p->ready_condition()->status == "True");
  CHECK(p->ready_condition()->last_transition_time == at("2026-08-21T03:00:30Z"));
  REQUIRE(p->containers.size() == 2);
  CHECK(p->containers[0].requests.at("cpu").milli_value() == 250);
  CHECK(p->containers[1].requests.empty());

  auto bad = decode<Pod>(json::parse(
      R"({"metadata":{"name":"x"},"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":"lots"}}}]}})"));
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::StartsWith("decoding object x: resources.requests.cpu: "));
}

TEST_CASE("Event body follows the core/v1 recorder shape", "[unit][kube][objects]") {
  EventSpec spec;
  spec.involved = {"autoscaling.karmada.io/v1alpha1", "FederatedHPA", "default", "web-hpa", "uid-1", ""};
  spec.type = "Normal";
  spec.reason = "SuccessfulRescale";
  spec.message = "New size: 4; reason: cpu resource utilization (percentage of request) above target";
  spec.reporting_instance = "fedmetrics-0";
  spec.time = at("2026-08-21T03:12:09Z") + std::chrono::nanoseconds(255);
  const json e = make_event(spec);
  CHECK(e["kind"] == "Event");
  CHECK(e["metadata"]["namespace"] == "default");
  CHECK(e["metadata"]["name"].get<std::string>().rfind("web-hpa.", 0) == 0);
  CHECK(e["involvedObject"]["kind"] == "FederatedHPA");
  CHECK(e["involvedObject"]["uid"] == "uid-1");
  CHECK(e["reason"] == "SuccessfulRescale");
  CHECK(e["type"] == "Normal");
  CHECK(e["count"] == 1);
  CHECK(e["firstTimestamp"] == "2026-08-21T03:12:09Z");
  CHECK(e["lastTimestamp"] == "2026-08-21T03:12:09Z");
  CHECK(e["source"]["component"] == "fedmetrics");
  CHECK(e["reportingInstance"] == "fedmetrics-0");
}

}  // namespace
}  // namespace fedmetrics::kube
