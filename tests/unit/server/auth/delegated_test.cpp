#include "server/auth/delegated.hpp"

#include <catch2/catch.hpp>

#include "tests/support/catch_result.hpp"

#include "server/auth/gate.hpp"
#include "tests/fakes/fake_rest_client.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/run_coro.hpp"

namespace fedmetrics::auth {
namespace {

const std::string kMetric = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/%2A/http_requests";

GateOutcome check(Gate& gate, AuthnRequest request) {
  auto t = http::parse_target(kMetric);
  REQUIRE(t);
  return test::run_coro(gate.check("GET", *t, std::move(request)));
}

AuthnRequest with_token(const std::string& token) {
  AuthnRequest r;
  r.headers.add("Authorization", "Bearer " + token);
  return r;
}

void check_too_many_requests(const GateOutcome& out) {
  REQUIRE(out.rejection);
  CHECK(out.rejection->code == 429);
  CHECK(out.rejection->reason == "TooManyRequests");
  CHECK(out.rejection->message == "Too many requests, please try again later.");
  REQUIRE(out.rejection->details);
  CHECK(out.rejection->details->retry_after_seconds == 1);
}

}  // namespace

TEST_CASE("a TokenReview the client refused to queue is a 429 with Retry-After, not cached (issue #12 item 2)",
          "[unit][auth]") {
  test::ManualClock clock;
  test::FakeRestClient control_plane;
  TokenReviewAuthenticator tokens(control_plane, clock);
  Gate gate(GateConfig{}, &tokens, nullptr);

  control_plane.fail_next("create", make_error(Errc::Throttled, "client rate limit: slot too far away"));
  check_too_many_requests(check(gate, with_token("random-1")));
  // Not cached: the same token is reviewed on its next request (the fake's answer has no status: invalid).
  const auto again = check(gate, with_token("random-1"));
  REQUIRE(again.rejection);
  CHECK(again.rejection->code == 401);
  CHECK(control_plane.count("create") == 2);
  // A review that failed otherwise stays a 401 (never 429, never anonymous).
  control_plane.fail_next("create", make_error(Errc::Unavailable, "connection refused"));
  const auto failed = check(gate, with_token("random-2"));
  REQUIRE(failed.rejection);
  CHECK(failed.rejection->code == 401);
}

TEST_CASE("a SubjectAccessReview the client refused to queue is a 429 with Retry-After, not a 500 (issue #12 item 2)",
          "[unit][auth]") {
  test::ManualClock clock;
  test::FakeRestClient control_plane;
  SubjectAccessReviewAuthorizer reviews(control_plane, clock);
  Gate gate(GateConfig{}, nullptr, &reviews);

  control_plane.fail_next("create", make_error(Errc::Throttled, "client rate limit: slot too far away"));
  check_too_many_requests(check(gate, AuthnRequest{}));  // anonymous
  control_plane.fail_next("create", make_error(Errc::Unavailable, "connection refused"));
  const auto failed = check(gate, AuthnRequest{});
  REQUIRE(failed.rejection);
  CHECK(failed.rejection->code == 500);
  CHECK(control_plane.count("create") == 2);
}

}  // namespace fedmetrics::auth
