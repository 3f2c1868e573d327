#include <catch2/catch.hpp>

#include "clients/base/result.hpp"

namespace fedmetrics {
namespace {
Result<int> parse_positive(int v) {
  if (v <= 0) return make_error(Errc::InvalidArgument, "not positive");
  return v;
}
}  // namespace

TEST_CASE("result carries a value or an error", "[unit][base]") {
  auto good = parse_positive(3);
  REQUIRE(good);
  CHECK(*good == 3);
  auto bad = parse_positive(-1);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::InvalidArgument);
  CHECK(bad.error().message == "not positive");
}

TEST_CASE("value() on an error throws the project exception", "[unit][base]") {
  auto bad = parse_positive(0);
  CHECK_THROWS_AS(bad.value(), ErrorException);
}

TEST_CASE("every error code has a name", "[unit][base]") {
  CHECK(to_string(Errc::Timeout) == "Timeout");
  CHECK(to_string(Errc::NotFound) == "NotFound");
}
}  // namespace fedmetrics
