#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "server/api/status_mapping.hpp"

namespace fedmetrics::api {

TEST_CASE("every Errc maps to one HTTP code and its Kubernetes reason", "[unit][status_mapping]") {
  const auto [errc, code, reason] = GENERATE(table<Errc, int, std::string>({
      {Errc::InvalidArgument, 400, "BadRequest"},
      {Errc::Unauthorized, 401, "Unauthorized"},
      {Errc::Forbidden, 403, "Forbidden"},
      {Errc::NotFound, 404, "NotFound"},
      {Errc::Conflict, 409, "Conflict"},
      {Errc::Gone, 410, "Gone"},
      {Errc::TooLarge, 413, "RequestEntityTooLarge"},
      {Errc::Timeout, 503, "ServiceUnavailable"},
      {Errc::Unavailable, 503, "ServiceUnavailable"},
      {Errc::ProtocolError, 503, "ServiceUnavailable"},
      {Errc::Cancelled, 503, "ServiceUnavailable"},
      {Errc::Throttled, 429, "TooManyRequests"},
      {Errc::Internal, 500, "InternalError"},
  }));
  CAPTURE(to_string(errc));
  const auto status = status_for(make_error(errc, "what happened"));
  CHECK(status.code == code);
  CHECK(status.reason == reason);
  CHECK(status.message == "what happened");
  // only "try again" answers carry retryAfterSeconds
  CHECK(status.details.has_value() == (code == 503 || code == 429));
  if (status.details) CHECK(status.details->retry_after_seconds == 1);
}

TEST_CASE("a Status response carries the code, a Status body and Retry-After when asked", "[unit][status_mapping]") {
  const auto r = status_response(status_for(make_error(Errc::Unavailable, "every member failed")));
  CHECK(r.status == 503);
  CHECK(r.content_type == "application/json");
  CHECK(r.headers.get("Retry-After") == std::optional<std::string_view>("1"));
  const auto j = nlohmann::json::parse(r.body);
  CHECK(j["kind"] == "Status");
  CHECK(j["status"] == "Failure");
  CHECK(j["code"] == 503);
  CHECK(j["reason"] == "ServiceUnavailable");
  CHECK(j["message"] == "every member failed");
  CHECK(j["details"]["retryAfterSeconds"] == 1);
}

TEST_CASE("status_response(code, message) uses the reason of the code and no Retry-After", "[unit][status_mapping]") {
  const auto [code, reason] = GENERATE(table<int, std::string>({
      {400, "BadRequest"},
      {404, "NotFound"},
      {405, "MethodNotAllowed"},
      {406, "NotAcceptable"},
      {500, "InternalError"},
      {503, "ServiceUnavailable"},
  }));
  const auto r = status_response(code, "message text");
  CHECK(r.status == code);
  CHECK(r.content_type == "application/json");
  CHECK(r.headers.entries().empty());
  const auto j = nlohmann::json::parse(r.body);
  CHECK(j["code"] == code);
  CHECK(j["reason"] == reason);
  CHECK(j["message"] == "message text");
  CHECK_FALSE(j.contains("details"));
}

TEST_CASE("a code without a Kubernetes reason omits the reason", "[unit][status_mapping]") {
  const auto r = status_response(418, "teapot");
  const auto j = nlohmann::json::parse(r.body);
  CHECK(j["code"] == 418);
  CHECK_FALSE(j.contains("reason"));
}

TEST_CASE("json_response is a 200 application/json answer with the body as given", "[unit][status_mapping]") {
  const auto r = json_response(R"({"a":1})");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"a":1})");
  CHECK(r.headers.entries().empty());
}

}  // namespace fedmetrics::api
