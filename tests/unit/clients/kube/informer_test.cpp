#include "clients/kube/informer.hpp"

#include <catch2/catch.hpp>

#include "tests/fakes/fake_rest_client.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/run_coro.hpp"

namespace fedmetrics::kube {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

json obj(const std::string& ns, const std::string& name, const std::string& rv, int value = 0) {
  json j = {{"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"resourceVersion", rv}}}, {"data", {{"v", value}}}};
  if (!ns.empty()) j["metadata"]["namespace"] = ns;
  return j;
}

WatchEvent ev(WatchEventType type, json object) { return WatchEvent{type, std::move(object)}; }

json bookmark(const std::string& rv) { return {{"kind", "ConfigMap"}, {"metadata", {{"resourceVersion", rv}}}}; }

TEST_CASE("object keys are namespace/name or name", "[unit][kube][informer]") {
  CHECK(object_key(obj("a", "x", "1")) == "a/x");
  CHECK(object_key(obj("", "x", "1")) == "x");
}

TEST_CASE("store applies watch events", "[unit][kube][informer]") {
  ObjectStore store;
  auto d = store.apply(ev(WatchEventType::Added, obj("a", "x", "1")));
  REQUIRE(d);
  CHECK(d->type == DeltaType::Added);
  CHECK(store.resource_version() == "1");

  d = store.apply(ev(WatchEventType::Modified, obj("a", "x", "2", 7)));
  REQUIRE(d);
  CHECK(d->type == DeltaType::Updated);
  CHECK((*d->old)["metadata"]["resourceVersion"] == "1");
  CHECK((*store.get("a", "x"))["data"]["v"] == 7);

  SECTION("ADDED of a known key is an update; MODIFIED of an unknown key an add") {
    CHECK(store.apply(ev(WatchEventType::Added, obj("a", "x", "3")))->type == DeltaType::Updated);
    CHECK(store.apply(ev(WatchEventType::Modified, obj("a", "y", "4")))->type == DeltaType::Added);
    CHECK(store.size() == 2);
  }
  SECTION("BOOKMARK moves only the resourceVersion") {
    CHECK_FALSE(store.apply(ev(WatchEventType::Bookmark, bookmark("50"))));
    CHECK(store.resource_version() == "50");
    CHECK(store.size() == 1);
  }
  SECTION("DELETED removes and reports the last state; unknown deletes are ignored") {
    d = store.apply(ev(WatchEventType::Deleted, obj("a", "x", "5")));
    REQUIRE(d);
    CHECK(d->type == DeltaType::Deleted);
    CHECK((*d->old)["metadata"]["resourceVersion"] == "2");
    CHECK(store.get("a", "x") == nullptr);
    CHECK_FALSE(store.apply(ev(WatchEventType::Deleted, obj("a", "zz", "6"))));
    CHECK(store.resource_version() == "6");
  }
}

TEST_CASE("store replace reports adds, changes and missed deletions", "[unit][kube][informer]") {
  ObjectStore store;
  (void)store.replace({obj("a", "keep", "1"), obj("a", "change", "1"), obj("b", "gone", "1")}, "10");
  auto deltas = store.replace({obj("a", "keep", "1"), obj("a", "change", "2"), obj("a", "new", "3")}, "20");
  std::map<std::string, DeltaType> by_key;
  for (const auto& d : deltas) by_key[object_key(*d.object)] = d.type;
  CHECK(by_key == std::map<std::string, DeltaType>{
                      {"a/change", DeltaType::Updated}, {"a/new", DeltaType::Added}, {"b/gone", DeltaType::Deleted}});
  CHECK(store.resource_version() == "20");
  CHECK(store.list().size() == 3);
  CHECK(store.list("a").size() == 3);
  CHECK(store.list("b").empty());
}

TEST_CASE("store lists by namespace in key order", "[unit][kube][informer]") {
  ObjectStore store;
  (void)store.replace({obj("ns2", "b", "1"), obj("ns1", "z", "1"), obj("ns1", "a", "1"), obj("ns10", "q", "1")}, "1");
  auto ns1 = store.list("ns1");
  REQUIRE(ns1.size() == 2);
  CHECK((*ns1[0])["metadata"]["name"] == "a");
  CHECK((*ns1[1])["metadata"]["name"] == "z");
  CHECK(store.list("ns10").size() == 1);
}

InformerCore core_without_jitter() { return InformerCore(BackoffPolicy{800ms, 30s, 2.0, 0.0}, [] { return 0.0; }); }

ObjectList listed(std::vector<json> items, std::string rv) { return ObjectList{std::move(rv), std::move(items)}; }

TEST_CASE("informer core: list, watch, relist on 410 Gone", "[unit][kube][informer]") {
  InformerCore core = core_without_jitter();
  CHECK(core.start() == NextAction{NextAction::List, 0ms});
  CHECK_FALSE(core.synced());

  std::vector<Delta> deltas;
  auto next = core.on_list(listed({obj("a", "x", "5"), obj("a", "y", "6")}, "10"), deltas);
  CHECK(next == NextAction{NextAction::Watch, 0ms});
  CHECK(core.synced());
  CHECK(deltas.size() == 2);
  CHECK(core.store().resource_version() == "10");

  (void)core.on_event(ev(WatchEventType::Deleted, obj("a", "y", "11")));
  (void)core.on_event(ev(WatchEventType::Bookmark, bookmark("15")));
  CHECK(core.store().resource_version() == "15");
  CHECK(core.on_watch_end(ok()) == NextAction{NextAction::Watch, 0ms});

  // The watch's resourceVersion was compacted away: relist immediately.
  CHECK(core.on_watch_end(make_error(Errc::Gone, "too old")) == NextAction{NextAction::List, 0ms});
  deltas.clear();
  next = core.on_list(listed({obj("a", "z", "30")}, "30"), deltas);
  CHECK(next.kind == NextAction::Watch);
  REQUIRE(deltas.size() == 2);  // x deleted while we were not watching, z added
  CHECK(core.lists() == 2);
  CHECK(core.store().get("a", "x") == nullptr);
  CHECK(core.store().get("a", "z") != nullptr);
  CHECK(core.synced());
}

TEST_CASE("informer core: failures back off and Gone after Gone does not spin", "[unit][kube][informer]") {
  InformerCore core = core_without_jitter();
  std::vector<Delta> deltas;
  CHECK(core.on_list(make_error(Errc::Unavailable, "down"), deltas) == NextAction{NextAction::List, 800ms});
  CHECK(core.on_list(make_error(Errc::Timeout, "slow"), deltas) == NextAction{NextAction::List, 1600ms});
  CHECK_FALSE(core.synced());
  CHECK(core.on_list(listed({}, "1"), deltas).kind == NextAction::Watch);
  CHECK(core.backoff_attempts() == 0);

  CHECK(core.on_watch_end(make_error(Errc::Unavailable, "reset")) == NextAction{NextAction::Watch, 800ms});
  CHECK(core.on_watch_end(make_error(Errc::Timeout, "slow")) == NextAction{NextAction::Watch, 1600ms});
  CHECK(core.on_watch_end(make_error(Errc::Forbidden, "rbac")) == NextAction{NextAction::List, 3200ms});
  CHECK(core.on_watch_end(ok()) == NextAction{NextAction::Watch, 0ms});

  CHECK(core.on_watch_end(make_error(Errc::Gone, "old")) == NextAction{NextAction::List, 0ms});
  CHECK(core.on_list(listed({}, "2"), deltas).kind == NextAction::Watch);
  CHECK(core.on_watch_end(make_error(Errc::Gone, "old again")) == NextAction{NextAction::List, 800ms});
  CHECK(core.on_watch_end(make_error(Errc::Cancelled, "stop")).kind == NextAction::Stop);
  CHECK(core.on_list(make_error(Errc::Cancelled, "stop"), deltas).kind == NextAction::Stop);
}

TEST_CASE("informer runs list+watch against a RestClient and relists on 410", "[unit][kube][informer]") {
  test::FakeRestClient api;
  const ResourceRef ref{"", "v1", "configmaps", "a"};
  api.put_object(ref, obj("a", "x", ""));
  api.put_object(ref, obj("a", "y", ""));
  api.script_watch({ev(WatchEventType::Modified, obj("a", "x", "200", 1)),
                    ev(WatchEventType::Bookmark, bookmark("201"))});
  api.script_watch({ev(WatchEventType::Deleted, obj("a", "y", "202"))}, make_error(Errc::Gone, "too old"));
  // Relist (stored objects: x and y, y was not deleted in the fake's store) then the watch script runs out
  // and the fake answers Cancelled, which ends run().
  InformerOptions options;
  options.backoff = BackoffPolicy{0ms, 0ms, 2.0, 0.0};
  Informer informer(api, ref, options);
  std::vector<std::pair<DeltaType, std::string>> seen;
  informer.add_handler([&](const Delta& d) { seen.emplace_back(d.type, (*d.object)["metadata"]["name"]); });

  test::run_coro(informer.run());

  CHECK(informer.synced());
  CHECK(informer.lists() == 2);
  CHECK(api.count("list") == 2);
  CHECK(api.count("watch") == 3);
  const auto calls = api.calls();
  CHECK(calls[1].body["resourceVersion"] == "102");  // watch from the list's version
  CHECK(calls[2].body["resourceVersion"] == "201");  // resumed after the bookmark
  using P = std::pair<DeltaType, std::string>;
  CHECK(seen == std::vector<P>{{DeltaType::Added, "x"}, {DeltaType::Added, "y"}, {DeltaType::Updated, "x"},
                               {DeltaType::Deleted, "y"}, {DeltaType::Updated, "x"}, {DeltaType::Added, "y"}});
  REQUIRE(informer.get("a", "x"));
  CHECK(informer.list("a").size() == 2);
  CHECK(informer.resource_version() == "102");
}

TEST_CASE("informer keeps retrying a failing list until it syncs", "[unit][kube][informer]") {
  test::FakeRestClient api;
  const ResourceRef ref = resources::clusters();
  api.put_object(ref, json{{"kind", "Cluster"},
                           {"metadata", {{"name", "member1"}}},
                           {"spec", {{"apiEndpoint", "https://m1:6443"}}}});
  api.fail_next("list", make_error(Errc::Unavailable, "connection refused"));
  api.fail_next("list", make_error(Errc::Timeout, "deadline"));
  InformerOptions options;
  options.backoff = BackoffPolicy{0ms, 0ms, 2.0, 0.0};
  Informer informer(api, ref, options);
  test::run_coro(informer.run());
  CHECK(api.count("list") == 3);
  CHECK(informer.synced());
  auto clusters = informer.list_as<Cluster>();
  REQUIRE(clusters.size() == 1);
  CHECK(clusters[0].api_endpoint == "https://m1:6443");
}

}  // namespace
}  // namespace fedmetrics::kube
