#include <catch2/catch.hpp>

#include "server/http/router.hpp"

namespace fedmetrics::http {
namespace {

std::string joined(const std::vector<std::string>& segments) {
  std::string out;
  for (const auto& s : segments) out += "[" + s + "]";
  return out;
}

}  // namespace

// ---- parse_target ----------------------------------------------------------------------------

TEST_CASE("parse_target splits the path into percent-decoded segments", "[unit][router]") {
  const auto [target, segments, trailing] = GENERATE(table<std::string, std::string, bool>({
      {"/", "", false},
      {"/apis", "[apis]", false},
      {"/apis/", "[apis]", true},
      {"/apis/custom.metrics.k8s.io/v1beta2", "[apis][custom.metrics.k8s.io][v1beta2]", false},
      {"/apis/custom.metrics.k8s.io/v1beta2/", "[apis][custom.metrics.k8s.io][v1beta2]", true},
      // Go's net/url escapes '*' in paths: the server must see "*" either way.
      {"/apis/g/v1beta2/namespaces/default/pods/%2A/http_requests",
       "[apis][g][v1beta2][namespaces][default][pods][*][http_requests]", false},
      {"/apis/g/v1beta2/namespaces/default/pods/%2a/m", "[apis][g][v1beta2][namespaces][default][pods][*][m]", false},
      {"/apis/g/v1beta2/nodes/*/m", "[apis][g][v1beta2][nodes][*][m]", false},
      // '+' is a literal in a path; only query values use it for a space.
      {"/a/b+c", "[a][b+c]", false},
      {"/a/b%20c", "[a][b c]", false},
      {"/a/%41%42", "[a][AB]", false},
      {"/healthz?verbose", "[healthz]", false},
      {"/apis/?x=1", "[apis]", true},
  }));
  CAPTURE(target);
  const auto parsed = parse_target(target);
  REQUIRE(parsed.has_value());
  CHECK(joined(parsed->segments) == segments);
  CHECK(parsed->trailing_slash == trailing);
}

TEST_CASE("parse_target keeps the encoded path as received", "[unit][router]") {
  const auto parsed = parse_target("/apis/g/v/pods/%2A/m?labelSelector=a%3Db");
  REQUIRE(parsed.has_value());
  CHECK(parsed->path == "/apis/g/v/pods/%2A/m");
}

TEST_CASE("parse_target decodes query values as form values", "[unit][router]") {
  const auto [target, name, value] = GENERATE(table<std::string, std::string, std::string>({
      {"/x?labelSelector=app%3Dweb", "labelSelector", "app=web"},
      {"/x?labelSelector=app=web", "labelSelector", "app=web"},
      {"/x?labelSelector=tier+in+%28a%2Cb%29", "labelSelector", "tier in (a,b)"},
      {"/x?labelSelector=tier%20notin%20(a,b)", "labelSelector", "tier notin (a,b)"},
      {"/x?labelSelector=a%21%3Db", "labelSelector", "a!=b"},
      {"/x?labelSelector=", "labelSelector", ""},
      {"/x?verbose", "verbose", ""},
      {"/x?timeout=32s&labelSelector=a", "timeout", "32s"},
      {"/x?timeout=32s&labelSelector=a", "labelSelector", "a"},
      {"/x?a+b=c+d", "a b", "c d"},
      {"/x?k=%2B", "k", "+"},
  }));
  CAPTURE(target, name);
  const auto parsed = parse_target(target);
  REQUIRE(parsed.has_value());
  CHECK(parsed->has_param(name));
  REQUIRE(parsed->param(name).has_value());
  CHECK(*parsed->param(name) == value);
}

TEST_CASE("a parameter without a value is present with an empty value", "[unit][router]") {
  const auto parsed = parse_target("/readyz?verbose&exclude=etcd&exclude=members");
  REQUIRE(parsed.has_value());
  CHECK(parsed->has_param("verbose"));
  CHECK(parsed->param("verbose") == std::optional<std::string>(""));
  CHECK(parsed->query.count("exclude") == 2);
  CHECK_FALSE(parsed->has_param("exclude=etcd"));
  CHECK_FALSE(parsed->has_param("missing"));
  CHECK_FALSE(parsed->param("missing").has_value());
}

TEST_CASE("param returns the first of repeated values", "[unit][router]") {
  const auto parsed = parse_target("/x?labelSelector=a%3D1&labelSelector=b%3D2");
  REQUIRE(parsed.has_value());
  CHECK(parsed->param("labelSelector") == std::optional<std::string>("a=1"));
  const auto [first, last] = parsed->query.equal_range("labelSelector");
  REQUIRE(std::distance(first, last) == 2);
  CHECK(first->second == "a=1");
  CHECK(std::next(first)->second == "b=2");
}

TEST_CASE("a target without a query has no parameters", "[unit][router]") {
  const auto parsed = parse_target("/apis/custom.metrics.k8s.io");
  REQUIRE(parsed.has_value());
  CHECK(parsed->query.empty());
}

TEST_CASE("parse_target rejects anything but a clean origin-form target", "[unit][router]") {
  const auto [target, why] = GENERATE(table<std::string, std::string>({
      {"", "empty"},
      {"*", "asterisk-form"},
      {"apis/x", "relative"},
      {"http://127.0.0.1/apis", "absolute-form"},
      {"127.0.0.1:443", "authority-form"},
      {"//apis", "leading empty segment"},
      {"/apis//custom.metrics.k8s.io", "empty inner segment"},
      {"/apis/custom.metrics.k8s.io//", "two trailing slashes"},
      {"/apis/g/v/namespaces/a%2Fb/pods/x/m", "encoded slash inside a segment"},
      {"/apis/g/v/pods/a%2fb/m", "lower-case encoded slash"},
      {"/apis/g/v/pods/a%00b/m", "encoded NUL"},
      {"/apis/%zz", "invalid percent-encoding"},
      {"/apis/%2", "truncated percent-encoding"},
      {"/apis/x y", "raw space"},
      {"/apis#frag", "fragment"},
      {"/a/../b", "dot-dot segment (rejected, never normalised)"},
      {"/a/./b", "dot segment"},
      {"/a/%2e%2E/b", "percent-encoded dot-dot segment"},
  }));
  CAPTURE(target, why);
  const auto parsed = parse_target(target);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().code == Errc::InvalidArgument);
  CHECK_FALSE(parsed.error().message.empty());
}

// ---- Router ----------------------------------------------------------------------------------

TEST_CASE("router matches literals exactly and binds {x} to one decoded segment", "[unit][router]") {
  Router r;
  r.add("/apis", 1);
  r.add("/apis/{group}", 2);
  r.add("/apis/{group}/{version}", 3);
  r.add("/apis/custom.metrics.k8s.io/{version}/{resource}/{name}/{metric}", 4);

  const auto target = parse_target("/apis/custom.metrics.k8s.io/v1beta2/nodes/%2A/cpu");
  REQUIRE(target.has_value());
  const auto m = r.match(target->segments);
  REQUIRE(m.has_value());
  CHECK(m->id == 4);
  CHECK(m->pattern == "/apis/custom.metrics.k8s.io/{version}/{resource}/{name}/{metric}");
  CHECK(m->params == std::map<std::string, std::string>{
                         {"version", "v1beta2"}, {"resource", "nodes"}, {"name", "*"}, {"metric", "cpu"}});

  const auto g = r.match({"apis", "external.metrics.k8s.io"});
  REQUIRE(g.has_value());
  CHECK(g->id == 2);
  CHECK(g->params.at("group") == "external.metrics.k8s.io");

  const auto none = r.match({"apis", "external.metrics.k8s.io", "v1beta1", "x", "y", "z"});
  CHECK_FALSE(none.has_value());  // literal custom.metrics.k8s.io does not match
}

TEST_CASE("router requires the segment count of the template", "[unit][router]") {
  Router r;
  r.add("/healthz", 1);
  r.add("/healthz/{check}", 2);
  const auto [path, id] = GENERATE(table<std::string, int>({
      {"/healthz", 1},
      {"/healthz/ping", 2},
      {"/healthz/ping/extra", 0},
      {"/", 0},
      {"/livez", 0},
      {"/HEALTHZ", 0},  // literals are case-sensitive
  }));
  CAPTURE(path);
  const auto target = parse_target(path);
  REQUIRE(target.has_value());
  const auto& segments = target->segments;
  const auto m = r.match(segments);
  if (id == 0) {
    CHECK_FALSE(m.has_value());
  } else {
    REQUIRE(m.has_value());
    CHECK(m->id == id);
  }
}

TEST_CASE("router answers with the first added route that matches", "[unit][router]") {
  Router r;
  r.add("/apis/external.metrics.k8s.io/{version}/namespaces/{namespace}/{metric}", 1);
  r.add("/apis/{group}/{version}/{a}/{b}/{c}", 2);
  r.add("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/literal", 3);

  auto m = r.match({"apis", "external.metrics.k8s.io", "v1beta1", "namespaces", "default", "literal"});
  REQUIRE(m.has_value());
  CHECK(m->id == 1);  // the earlier, more general route wins over the later literal one
  CHECK(m->params.at("metric") == "literal");

  m = r.match({"apis", "custom.metrics.k8s.io", "v1beta1", "namespaces", "default", "literal"});
  REQUIRE(m.has_value());
  CHECK(m->id == 2);
  CHECK(m->params.size() == 5);
}

TEST_CASE("router root template matches the empty path only", "[unit][router]") {
  Router r;
  r.add("/", 7);
  const auto root = parse_target("/");
  REQUIRE(root.has_value());
  const auto m = r.match(root->segments);
  REQUIRE(m.has_value());
  CHECK(m->id == 7);
  CHECK(m->params.empty());
  CHECK_FALSE(r.match({"apis"}).has_value());
}

TEST_CASE("router treats a trailing slash like the path without it", "[unit][router]") {
  Router r;
  r.add("/apis/{group}/{version}", 3);
  const auto t = parse_target("/apis/custom.metrics.k8s.io/v1beta1/");
  REQUIRE(t.has_value());
  const auto m = r.match(t->segments);
  REQUIRE(m.has_value());
  CHECK(m->params.at("version") == "v1beta1");
}

TEST_CASE("an empty router matches nothing", "[unit][router]") {
  Router r;
  CHECK_FALSE(r.match({}).has_value());
  CHECK_FALSE(r.match({"apis"}).has_value());
}

}  // namespace fedmetrics::http
