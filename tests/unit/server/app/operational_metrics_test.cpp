#include "server/app/operational_metrics.hpp"

#include <prometheus/metric_family.h>

#include <catch2/catch.hpp>
#include <map>

namespace fedmetrics::app {
namespace {

aggregation::MemberHealth member(std::string name, int failures, Errc code = Errc::Internal) {
  aggregation::MemberHealth h;
  h.cluster = std::move(name);
  h.consecutive_failures = failures;
  h.last_error_code = code;
  return h;
}

std::map<std::string, double> by_label(const prometheus::MetricFamily& f, const std::string& label) {
  std::map<std::string, double> out;
  for (const auto& m : f.metric) {
    std::string key;
    for (const auto& l : m.label) key += l.name == label ? l.value : "";
    out[key] = m.gauge.value;
  }
  return out;
}

}  // namespace

TEST_CASE("members are ready, unreachable with the error code, invalid with the problem, or not ready",
          "[unit][app][metrics]") {
  members::KarmadaClusterDirectory::LeftOut left_out;
  left_out.problems.push_back({"member4", members::ClusterProblemKind::MissingSecret, "no secret", std::nullopt});
  left_out.not_ready = {"member5"};
  const auto states = member_states({member("member1", 0), member("member2", 3, Errc::Timeout)}, left_out);
  CHECK(states == std::vector<MemberState>{{"member1", "ready", ""},
                                           {"member2", "unreachable", "Timeout"},
                                           {"member4", "invalid", "MissingSecret"},
                                           {"member5", "not_ready", ""}});
}

TEST_CASE("the collector counts every state and drops members that are gone", "[unit][app][metrics]") {
  std::vector<MemberState> now{{"a", "ready", ""}, {"b", "unreachable", "Unavailable"}, {"c", "unreachable", "Timeout"}};
  OperationalMetrics metrics([&now] { return now; }, {});
  auto families = metrics.Collect();
  REQUIRE(families.size() == 2);
  CHECK(families[0].name == "fedmetrics_members");
  CHECK(by_label(families[0], "state") ==
        std::map<std::string, double>{{"ready", 1}, {"unreachable", 2}, {"invalid", 0}, {"not_ready", 0}});
  CHECK(families[1].name == "fedmetrics_member_state");
  CHECK(by_label(families[1], "cluster") == std::map<std::string, double>{{"a", 1}, {"b", 1}, {"c", 1}});

  now = {{"a", "ready", ""}};  // b and c left the directory: their series go with them
  families = metrics.Collect();
  CHECK(by_label(families[1], "cluster") == std::map<std::string, double>{{"a", 1}});
  CHECK(by_label(families[0], "state").at("unreachable") == 0);
}

TEST_CASE("certificate expiry is read from the files, a missing file has no series", "[unit][app][metrics]") {
  const OperationalMetrics metrics(nullptr, {{"serving", "/nonexistent/serving.crt"}});
  CHECK(metrics.Collect().empty());
}

}  // namespace fedmetrics::app
