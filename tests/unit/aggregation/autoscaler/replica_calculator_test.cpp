#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "aggregation/autoscaler/replica_calculator.hpp"

namespace fedmetrics::autoscaler {
namespace {

TEST_CASE("bounds and abs tolerance forms differ at 110% in floating point", "[unit][autoscaler][tolerance]") {
  const double ratio = 110.0 / 100.0;
  CHECK(Tolerances{0.1, 0.1, ToleranceForm::Bounds}.within(ratio));
  CHECK_FALSE(Tolerances{0.1, 0.1, ToleranceForm::Abs}.within(ratio));
  CHECK(Tolerances{0.1, 0.1, ToleranceForm::Bounds}.within(0.9));
}

TEST_CASE("per-direction tolerances bound each side separately", "[unit][autoscaler][tolerance]") {
  const Tolerances t{0.05, 0.01, ToleranceForm::Bounds};  // the API doc example: down 5%, up 1%
  CHECK(t.within(0.95));
  CHECK_FALSE(t.within(0.94));
  CHECK(t.within(1.01));
  CHECK_FALSE(t.within(1.0101));
}

TEST_CASE("within(NaN) is false in both forms", "[unit][autoscaler][tolerance]") {
  const double nan = std::nan("");
  CHECK_FALSE(Tolerances{0.1, 0.1, ToleranceForm::Bounds}.within(nan));
  CHECK_FALSE(Tolerances{0.1, 0.1, ToleranceForm::Abs}.within(nan));
}

TEST_CASE("replica counts from doubles saturate at int32", "[unit][autoscaler]") {
  CHECK(saturate_int32(1e30) == std::numeric_limits<std::int32_t>::max());
  CHECK(saturate_int32(-1e30) == std::numeric_limits<std::int32_t>::min());
  CHECK(saturate_int32(std::nan("")) == 0);
  CHECK(saturate_int32(4.0) == 4);
  CHECK(saturating_add(std::numeric_limits<std::int64_t>::max(), 1) == std::numeric_limits<std::int64_t>::max());
  CHECK(saturating_add(std::numeric_limits<std::int64_t>::min(), -1) == std::numeric_limits<std::int64_t>::min());
  CHECK(saturating_add(2, 3) == 5);
}

TEST_CASE("the Object double-calibration switch leaves External AverageValue calibrated once (issue #12 item 9)",
          "[unit][autoscaler][calibration]") {
  Options options = profile_defaults(Profile::Fedmetrics);
  options.object_average_value_double_calibration = true;
  CalcContext ctx;
  ctx.options = &options;
  ctx.current_replicas = 2;
  ctx.status_replicas = 4;
  ctx.calibration = 2.0;  // members run 4 replicas for a template of 2
  MetricSpec external;
  external.type = MetricSourceType::External;
  external.type_name = "External";
  external.metric_name = "queue";
  external.target.type = TargetType::AverageValue;
  external.target.average_value = 10'000;
  MetricData data;
  data.values = {120'000};
  // 120 / 10 = 12 template-unit replicas, divided once by calibration 2: 6 (double division gave 3).
  auto r = compute_metric(0, external, &data, ctx);
  REQUIRE(r.valid);
  CHECK(r.replicas == 6);
  // The same numbers as an Object metric keep Karmada's quirk: ceil(ceil(12 / 2) / 2) = 3.
  MetricSpec object = external;
  object.type = MetricSourceType::Object;
  object.type_name = "Object";
  object.described_object = {"v1", "Service", "svc"};
  r = compute_metric(0, object, &data, ctx);
  REQUIRE(r.valid);
  CHECK(r.replicas == 3);
}

TEST_CASE("a per-member External answer counts only target clusters and fails on a failed target",
          "[unit][autoscaler]") {
  Options options = profile_defaults(Profile::Fedmetrics);
  const std::vector<std::string> targets{"m1", "m2"};
  CalcContext ctx;
  ctx.options = &options;
  ctx.current_replicas = 4;
  ctx.status_replicas = 4;
  ctx.included_clusters = &targets;
  MetricSpec m;
  m.type = MetricSourceType::External;
  m.type_name = "External";
  m.metric_name = "queue";
  m.target.type = TargetType::AverageValue;
  m.target.average_value = 1'000;
  MetricData data;
  data.by_cluster = std::vector<ClusterValues>{{"m1", {2'000}, std::nullopt}, {"m2", {2'000}, std::nullopt},
                                               {"m3", {90'000}, std::nullopt}};
  auto r = compute_metric(0, m, &data, ctx);
  REQUIRE(r.valid);
  CHECK(r.replicas == 4);  // 4000 / 1000, m3 is not a target
  (*data.by_cluster)[1].error = "HTTP 503";
  r = compute_metric(0, m, &data, ctx);
  CHECK_FALSE(r.valid);
  CHECK(r.reason == "FailedGetExternalMetric");
  CHECK(r.error.find("member m2 failed: HTTP 503") != std::string::npos);
  data.by_cluster->erase(data.by_cluster->begin() + 1);
  r = compute_metric(0, m, &data, ctx);
  CHECK_FALSE(r.valid);
  CHECK(r.error.find("member m2 did not answer") != std::string::npos);
}

}  // namespace
}  // namespace fedmetrics::autoscaler
