#include <catch2/catch.hpp>

#include "server/http/message.hpp"

namespace fedmetrics::http {

TEST_CASE("headers are found whatever the case of the name", "[unit][headers]") {
  Headers h;
  h.add("Content-Type", "application/json");
  const auto [name] = GENERATE(table<std::string>({"content-type", "Content-Type", "CONTENT-TYPE", "cOnTeNt-TyPe"}));
  CAPTURE(name);
  REQUIRE(h.get(name).has_value());
  CHECK(*h.get(name) == "application/json");
}

TEST_CASE("headers store names lower-cased and values as given", "[unit][headers]") {
  Headers h;
  h.add("X-Remote-User", "Alice");
  REQUIRE(h.entries().size() == 1);
  CHECK(h.entries()[0].first == "x-remote-user");
  CHECK(h.entries()[0].second == "Alice");
}

TEST_CASE("a missing header is nullopt and has no values", "[unit][headers]") {
  Headers h;
  h.add("Accept", "*/*");
  CHECK_FALSE(h.get("accept-encoding").has_value());
  CHECK(h.get_all("warning").empty());
}

TEST_CASE("get returns the first of repeated headers", "[unit][headers]") {
  Headers h;
  h.add("Warning", "299 - \"first\"");
  h.add("warning", "299 - \"second\"");
  CHECK(*h.get("WARNING") == "299 - \"first\"");
}

TEST_CASE("get_all returns every value of a name in arrival order, across spellings", "[unit][headers]") {
  Headers h;
  h.add("X-Remote-Group", "system:masters");
  h.add("Accept", "application/json");
  h.add("x-remote-group", "team-a");
  h.add("Content-Length", "0");
  h.add("X-REMOTE-GROUP", "team-b");
  const auto groups = h.get_all("X-Remote-Group");
  REQUIRE(groups.size() == 3);
  CHECK(groups[0] == "system:masters");
  CHECK(groups[1] == "team-a");
  CHECK(groups[2] == "team-b");
  CHECK(h.get_all("accept").size() == 1);
}

TEST_CASE("empty header values are kept", "[unit][headers]") {
  Headers h;
  h.add("X-Empty", "");
  REQUIRE(h.get("x-empty").has_value());
  CHECK(h.get("x-empty")->empty());
}

TEST_CASE("remove drops every value of a name, case-insensitively, and keeps the rest in order", "[unit][headers]") {
  Headers h;
  h.add("Warning", "a");
  h.add("Retry-After", "1");
  h.add("WARNING", "b");
  h.add("Allow", "GET");
  h.remove("warning");
  CHECK_FALSE(h.get("Warning").has_value());
  REQUIRE(h.entries().size() == 2);
  CHECK(h.entries()[0].first == "retry-after");
  CHECK(h.entries()[1].first == "allow");
  h.remove("not-there");  // no-op
  CHECK(h.entries().size() == 2);
}

TEST_CASE("a default response is a 200 JSON answer without extra headers", "[unit][headers]") {
  Response r;
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(r.headers.entries().empty());
  CHECK(r.body.empty());
}

}  // namespace fedmetrics::http

namespace fedmetrics::http {

TEST_CASE("a GET or HEAD with a body is rejected before its body is read", "[unit][framing]") {
  // Issue #12 item 6: bodies of up to 1 MiB were read for every method, before authentication.
  const auto method = GENERATE(as<std::string>{}, "GET", "HEAD");
  CAPTURE(method);
  for (const auto& [length, chunked] : std::vector<std::pair<std::optional<std::uint64_t>, bool>>{
           {std::uint64_t{1}, false}, {std::uint64_t{1} << 20, false}, {std::nullopt, true}}) {
    const auto f = request_framing(method, length, chunked, 1024);
    CHECK(f.reject_status == 400);
    CHECK(f.message == "a " + method + " request must not have a body");
    CHECK(f.close_after);
  }
  const auto empty = request_framing(method, std::uint64_t{0}, false, 1024);
  CHECK(empty.reject_status == 0);
  CHECK_FALSE(empty.close_after);
  CHECK(request_framing(method, std::nullopt, false, 1024).reject_status == 0);
}

TEST_CASE("other methods are dispatched without their body, which is never read", "[unit][framing]") {
  const auto post = request_framing("POST", std::uint64_t{10}, false, 1024);
  CHECK(post.reject_status == 0);
  CHECK(post.close_after);  // the body stays unread: the connection ends after the answer
  const auto chunked = request_framing("PUT", std::nullopt, true, 1024);
  CHECK(chunked.reject_status == 0);
  CHECK(chunked.close_after);
  const auto big = request_framing("POST", std::uint64_t{1025}, false, 1024);
  CHECK(big.reject_status == 413);
  CHECK(big.message == "request entity too large (limit 1024 bytes)");
  const auto none = request_framing("DELETE", std::nullopt, false, 1024);
  CHECK(none.reject_status == 0);
  CHECK_FALSE(none.close_after);
}

}  // namespace fedmetrics::http
