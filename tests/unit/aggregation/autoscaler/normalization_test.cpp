#include <catch2/catch.hpp>

#include "aggregation/autoscaler/normalization.hpp"

namespace fedmetrics::autoscaler {
namespace {

constexpr Millis kNow = 1'000'000'000;

ScalingRules min_rules() {
  ScalingRules r;
  r.select_policy = SelectPolicy::Min;
  r.policies = std::vector<ScalingPolicy>{{PolicyType::Pods, 2, 60}, {PolicyType::Percent, 50, 60}};
  return r;
}

TEST_CASE("selectPolicy Min picks the most restrictive limit (C49, C50)", "[unit][autoscaler][normalization]") {
  CHECK(scale_up_limit(1, {}, {}, min_rules(), kNow) == 2);
  CHECK(scale_down_limit(5, {}, {}, min_rules(), kNow) == 3);
}

TEST_CASE("an event exactly one period old is outside that period", "[unit][autoscaler][normalization]") {
  ScalingRules r;
  r.policies = std::vector<ScalingPolicy>{{PolicyType::Pods, 10, 60}};
  const std::vector<ScaleEvent> up{{5, kNow - 60'000, false}, {3, kNow - 59'999, false}};
  CHECK(scale_up_limit(20, up, {}, r, kNow) == 20 - 3 + 10);
}

TEST_CASE("storeScaleEvent is a no-op without behavior (C61)", "[unit][autoscaler][normalization]") {
  History h;
  h.scale_up_events = {{7, kNow - 61'000, false}};
  store_scale_event(h, std::nullopt, 10, 15, kNow);
  CHECK(h.scale_up_events.size() == 1);
  CHECK(h.scale_up_events[0].change == 7);
}

TEST_CASE("scale-down events are stored as positive counts", "[unit][autoscaler][normalization]") {
  History h;
  store_scale_event(h, default_behavior(Behavior{}), 15, 10, kNow);
  REQUIRE(h.scale_down_events.size() == 1);
  CHECK(h.scale_down_events[0] == ScaleEvent{5, kNow, false});
  CHECK(h.scale_up_events.empty());
}

TEST_CASE("legacy stabilization counts an entry exactly at the cutoff", "[unit][autoscaler][normalization]") {
  std::vector<Recommendation> h{{9, kNow - 300'000}, {8, kNow - 300'001}};
  CHECK(stabilize_legacy(h, 3, 300'000, kNow) == 9);
  CHECK(h == std::vector<Recommendation>{{9, kNow - 300'000}, {3, kNow}});
}

TEST_CASE("the legacy cap is trunc(max(factor * cur, minimum))", "[unit][autoscaler][normalization]") {
  CHECK(limit_legacy(1, 100, 1, 1000, 2.0, 4.0).replicas == 4);
  CHECK(limit_legacy(3, 100, 1, 1000, 2.0, 4.0).replicas == 6);
  CHECK(limit_legacy(3, 100, 1, 1000, 2.5, 4.0).replicas == 7);
  CHECK(limit_legacy(3, 100, 1, 1000, 2.5, 4.0).reason == "ScaleUpLimit");
}

}  // namespace
}  // namespace fedmetrics::autoscaler
