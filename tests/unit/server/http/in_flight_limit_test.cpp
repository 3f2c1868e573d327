#include "server/http/in_flight_limit.hpp"

#include <catch2/catch.hpp>

#include <vector>

namespace fedmetrics::http {

TEST_CASE("the in-flight limit grants slots up to the limit and refuses the next at once (issue #12 item 2)",
          "[unit][http][inflight]") {
  InFlightLimit limit(3);
  std::vector<InFlightLimit::Slot> held;
  for (int i = 0; i < 3; ++i) {
    auto slot = limit.try_acquire();
    REQUIRE(slot);
    held.push_back(std::move(*slot));
  }
  CHECK(limit.in_flight() == 3);
  CHECK_FALSE(limit.try_acquire());
  CHECK(limit.in_flight() == 3);  // a refusal holds nothing
  held.pop_back();                // a request finished: its slot is free again
  CHECK(limit.in_flight() == 2);
  {
    auto again = limit.try_acquire();
    CHECK(again);
    CHECK(limit.in_flight() == 3);
  }
  CHECK(limit.in_flight() == 2);
  held.clear();
  CHECK(limit.in_flight() == 0);
}

TEST_CASE("an in-flight limit of 0 never refuses", "[unit][http][inflight]") {
  InFlightLimit limit(0);
  std::vector<InFlightLimit::Slot> held;
  for (int i = 0; i < 10'000; ++i) {
    auto slot = limit.try_acquire();
    REQUIRE(slot);
    held.push_back(std::move(*slot));
  }
  CHECK(limit.in_flight() == 10'000);
}

}  // namespace fedmetrics::http
