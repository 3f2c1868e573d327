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

}  // namespace
}  // namespace fedmetrics::autoscaler
