#include "clients/kube/api_codec.hpp"

#include <catch2/catch.hpp>

#include "tests/support/catch_result.hpp"

namespace fedmetrics::kube {
namespace {

TEST_CASE("resource paths for core, grouped, namespaced and cluster-scoped resources", "[unit][kube][codec]") {
  CHECK(collection_path(resources::pods().in("default")) == "/api/v1/namespaces/default/pods");
  CHECK(collection_path(resources::pods()) == "/api/v1/pods");
  CHECK(collection_path(resources::clusters()) == "/apis/cluster.karmada.io/v1alpha1/clusters");
  CHECK(object_path(resources::deployments().in("web"), "api", "scale") ==
        "/apis/apps/v1/namespaces/web/deployments/api/scale");
  CHECK(object_path(resources::leases().in("karmada-system"), "fedmetrics", "") ==
        "/apis/coordination.k8s.io/v1/namespaces/karmada-system/leases/fedmetrics");
  CHECK(object_path(resources::pods().in("a b"), "x/y", "") == "/api/v1/namespaces/a%20b/pods/x%2Fy");
}

TEST_CASE("list and watch targets carry the query parameters", "[unit][kube][codec]") {
  ListOptions lo;
  lo.label_selector = "app=web,tier in (a,b)";
  lo.page_size = 500;
  CHECK(list_target(resources::pods().in("ns"), lo, "") ==
        "/api/v1/namespaces/ns/pods?labelSelector=app%3Dweb%2Ctier+in+%28a%2Cb%29&limit=500");
  CHECK(list_target(resources::secrets(), ListOptions{"", "type=x", 0}, "tok=") ==
        "/api/v1/secrets?fieldSelector=type%3Dx&continue=tok%3D");

  WatchOptions wo;
  wo.resource_version = "1234";
  wo.timeout = std::chrono::seconds(10);
  CHECK(watch_target(resources::clusters(), wo) ==
        "/apis/cluster.karmada.io/v1alpha1/clusters?watch=1&resourceVersion=1234&allowWatchBookmarks=true&"
        "timeoutSeconds=10");
  wo.allow_bookmarks = false;
  wo.resource_version.clear();
  wo.label_selector = "a=b";
  CHECK(watch_target(resources::pods(), wo) == "/api/v1/pods?watch=1&timeoutSeconds=10&labelSelector=a%3Db");
}

TEST_CASE("HTTP statuses map onto Errc", "[unit][kube][codec]") {
  auto [status, code] = GENERATE(table<int, Errc>({
      {400, Errc::InvalidArgument}, {401, Errc::Unauthorized}, {403, Errc::Forbidden}, {404, Errc::NotFound},
      {409, Errc::Conflict}, {410, Errc::Gone}, {413, Errc::TooLarge}, {422, Errc::InvalidArgument},
      {429, Errc::Unavailable}, {500, Errc::Unavailable}, {503, Errc::Unavailable}, {504, Errc::Timeout},
      {302, Errc::ProtocolError},
  }));
  CAPTURE(status);
  CHECK(errc_for_http_status(status) == code);
}

TEST_CASE("Status bodies become error messages", "[unit][kube][codec]") {
  const std::string body =
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404})";
  auto e = error_from_response(404, body, "GET /api/v1/namespaces/a/pods/x");
  CHECK(e.code == Errc::NotFound);
  CHECK(e.message == "GET /api/v1/namespaces/a/pods/x: 404 NotFound: pods \"x\" not found");

  auto plain = error_from_response(502, "Bad Gateway", "GET /x");
  CHECK(plain.code == Errc::Unavailable);
  CHECK(plain.message == "GET /x: 502: \"Bad Gateway\"");

  auto empty = error_from_response(503, "", "GET /x");
  CHECK(empty.message == "GET /x: 503 ServiceUnavailable: empty body");
}

TEST_CASE("watch stream decoding yields typed events in order", "[unit][kube][watch]") {
  const std::string body =
      R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","namespace":"n","resourceVersion":"10"}}})"
      "\n"
      R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","namespace":"n","resourceVersion":"11"}}})"
      "\n\n"
      R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"15"}}})"
      "\r\n"
      R"({"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a","namespace":"n","resourceVersion":"16"}}})"
      "\n";
  auto events = decode_watch_stream(body);
  REQUIRE(events);
  REQUIRE(events->size() == 4);
  CHECK((*events)[0].type == WatchEventType::Added);
  CHECK((*events)[1].type == WatchEventType::Modified);
  CHECK((*events)[2].type == WatchEventType::Bookmark);
  CHECK((*events)[3].type == WatchEventType::Deleted);
  CHECK(resource_version_of((*events)[2].object) == "15");
  CHECK(to_string(WatchEventType::Bookmark) == "BOOKMARK");
}

TEST_CASE("an empty watch window decodes to no events", "[unit][kube][watch]") {
  auto events = decode_watch_stream("");
  REQUIRE(events);
  CHECK(events->empty());
}

TEST_CASE("malformed watch events are protocol errors naming the event", "[unit][kube][watch]") {
  auto [body, message] = GENERATE(table<std::string, std::string>({
      {R"({"type":"ADDED","object":{}})" "\n" R"({"type":"ADDED","obj)", "watch stream event 2: watch event: invalid JSON"},
      {R"({"type":"RESYNC","object":{}})", "watch stream event 1: watch event: unknown type \"RESYNC\""},
      {R"({"object":{}})", "watch stream event 1: watch event: missing type"},
      {R"({"type":"ADDED"})", "watch stream event 1: watch event ADDED: missing object"},
  }));
  auto events = decode_watch_stream(body);
  REQUIRE_FALSE(events);
  CHECK(events.error().code == Errc::ProtocolError);
  CHECK(events.error().message == message);
}

TEST_CASE("watch ERROR events carry Gone for an expired resourceVersion", "[unit][kube][watch]") {
  auto e = decode_watch_event(
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (120)","reason":"Expired","code":410}})j");
  REQUIRE(e);
  CHECK(e->type == WatchEventType::Error);
  auto err = error_from_status_object(e->object, "WATCH /api/v1/pods");
  CHECK(err.code == Errc::Gone);
  CHECK(err.message == "WATCH /api/v1/pods: watch ERROR 410 Expired: too old resource version: 5 (120)");

  auto other = error_from_status_object(nlohmann::json{{"code", 500}, {"message", "boom"}}, "W");
  CHECK(other.code == Errc::Unavailable);
  auto expired_without_code = error_from_status_object(nlohmann::json{{"reason", "Expired"}}, "W");
  CHECK(expired_without_code.code == Errc::Gone);
}

TEST_CASE("list pages decode items, resourceVersion and continue", "[unit][kube][codec]") {
  auto page = decode_list_page(
      R"({"kind":"PodList","metadata":{"resourceVersion":"77","continue":"abc"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})");
  REQUIRE(page);
  CHECK(page->items.size() == 2);
  CHECK(page->resource_version == "77");
  CHECK(page->continue_token == "abc");
  auto null_items = decode_list_page(R"({"metadata":{"resourceVersion":"1"},"items":null})");
  REQUIRE(null_items);
  CHECK(null_items->items.empty());
  CHECK_FALSE(decode_list_page("[1,2]"));
  CHECK_FALSE(decode_list_page(R"({"items":{}})"));
}

TEST_CASE("patch content types", "[unit][kube][codec]") {
  CHECK(content_type(PatchType::Merge) == "application/merge-patch+json");
  CHECK(content_type(PatchType::Json) == "application/json-patch+json");
  CHECK(content_type(PatchType::Strategic) == "application/strategic-merge-patch+json");
}

}  // namespace
}  // namespace fedmetrics::kube
