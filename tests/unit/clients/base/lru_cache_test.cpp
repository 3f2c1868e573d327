#include "clients/base/lru_cache.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "tests/fakes/manual_clock.hpp"

namespace fedmetrics {
namespace {

using namespace std::chrono_literals;

}  // namespace

TEST_CASE("a full LRU cache evicts only the least recently used entry, never everything (issue #12 item 2)",
          "[unit][base][cache]") {
  test::ManualClock clock;
  LruCache<std::string, int> cache(clock, 3);
  cache.put("a", 1, 10s);
  cache.put("b", 2, 10s);
  cache.put("c", 3, 10s);
  REQUIRE(cache.get("a") == 1);  // "a" is now the most recently used; "b" the least
  cache.put("d", 4, 10s);
  CHECK(cache.get("b") == std::nullopt);
  CHECK(cache.get("a") == 1);
  CHECK(cache.get("c") == 3);
  CHECK(cache.get("d") == 4);
}

TEST_CASE("a flood of new keys never evicts an entry that keeps being used", "[unit][base][cache]") {
  test::ManualClock clock;
  LruCache<std::string, std::string> cache(clock, 100);
  cache.put("legit", "alice", 10s);
  // 10,000 random-token decisions (a flood, as the decision caches of server/auth see it), the legitimate
  // client asking again every 50 of them (the old decision cache was cleared whole each time it filled, so
  // "legit" was lost every 100 inserts).
  for (int i = 0; i < 10'000; ++i) {
    cache.put("flood-" + std::to_string(i), "nobody", 10s);
    if (i % 50 == 0) REQUIRE(cache.get("legit") == std::optional<std::string>("alice"));
  }
  CHECK(cache.get("legit") == std::optional<std::string>("alice"));
  CHECK(cache.size() == 100);
  CHECK(cache.get("flood-9999") == std::optional<std::string>("nobody"));
  // "legit" and the 99 newest flood entries.
  CHECK(cache.get("flood-9901") == std::optional<std::string>("nobody"));
  CHECK(cache.get("flood-9900") == std::nullopt);
}

TEST_CASE("an LRU cache entry expires after its TTL and a new put renews it", "[unit][base][cache]") {
  test::ManualClock clock;
  LruCache<std::string, int> cache(clock, 10);
  cache.put("a", 1, 10s);
  cache.put("zero", 2, 0s);  // not stored
  CHECK(cache.get("zero") == std::nullopt);
  clock.advance(9s);
  CHECK(cache.get("a") == 1);  // a hit does not extend the TTL
  clock.advance(1s);
  CHECK(cache.get("a") == std::nullopt);
  CHECK(cache.size() == 0);  // the expired entry was dropped on the lookup
  cache.put("a", 3, 5s);
  cache.put("a", 4, 5s);  // the same key is replaced, not duplicated
  CHECK(cache.size() == 1);
  clock.advance(4s);
  CHECK(cache.get("a") == 4);
}

}  // namespace fedmetrics
