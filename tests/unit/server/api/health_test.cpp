#include <catch2/catch.hpp>

#include "server/api/health.hpp"
#include "tests/support/catch_result.hpp"

namespace fedmetrics::api {
namespace {

http::Target target(const std::string& text) {
  auto t = http::parse_target(text);
  REQUIRE(t);
  return *t;
}

}  // namespace

TEST_CASE("informational lines show in verbose output and never fail the endpoint", "[unit][health]") {
  HealthChecks health;
  health.add(HealthEndpoint::Readyz, "ping", [] { return ok(); });
  health.add_informational(HealthEndpoint::Readyz, [] {
    return std::vector<std::pair<std::string, bool>>{{"member:a", true}, {"member:b", false}};
  });
  const auto plain = health.serve(HealthEndpoint::Readyz, target("/readyz"), std::nullopt);
  CHECK(plain.status == 200);
  CHECK(plain.body == "ok");
  const auto verbose = health.serve(HealthEndpoint::Readyz, target("/readyz?verbose"), std::nullopt);
  CHECK(verbose.status == 200);
  CHECK(verbose.body ==
        "[+]ping ok\n[+]member:a ok\n[~]member:b unhealthy (informational)\nreadyz check passed\n");
  // Other endpoints do not show them.
  const auto livez = health.serve(HealthEndpoint::Livez, target("/livez?verbose"), std::nullopt);
  CHECK(livez.body.find("member:") == std::string::npos);
}

TEST_CASE("a failing check lists the informational lines too", "[unit][health]") {
  HealthChecks health;
  health.add(HealthEndpoint::Readyz, "members", [] { return Result<void>(make_error(Errc::Unavailable, "x")); });
  health.add_informational(HealthEndpoint::Readyz,
                           [] { return std::vector<std::pair<std::string, bool>>{{"member:a", false}}; });
  const auto r = health.serve(HealthEndpoint::Readyz, target("/readyz"), std::nullopt);
  CHECK(r.status == 500);
  CHECK(r.body == "[-]members failed: reason withheld\n[~]member:a unhealthy (informational)\nreadyz check failed\n");
}

}  // namespace fedmetrics::api
