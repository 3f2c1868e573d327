#include <catch2/catch.hpp>

#include "clients/base/clock.hpp"

namespace fedmetrics {

TEST_CASE("rfc3339 formatting uses UTC and whole seconds", "[unit][base]") {
  using namespace std::chrono;
  const auto t = system_clock::time_point(seconds(1755745929)) + milliseconds(750);
  CHECK(format_rfc3339(t) == "2025-08-21T03:12:09Z");
  CHECK(format_rfc3339(system_clock::time_point{}) == "1970-01-01T00:00:00Z");
}
}  // namespace fedmetrics
