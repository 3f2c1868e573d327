#include "clients/members/karmada_cluster_directory.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <list>
#include <map>

#include "clients/kube/encoding.hpp"

using namespace fedmetrics;
using nlohmann::json;
using members::ClusterProblemKind;
using members::compute_members;

namespace {

const char* kCa = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

std::string b64(const std::string& s) { return kube::base64_encode(s); }

json cluster_json(const std::string& name, const std::string& ready, json spec_extra = json::object()) {
  json spec = {{"apiEndpoint", "https://10.0.0.1:6443"},
               {"secretRef", {{"namespace", "karmada-cluster"}, {"name", name}}},
               {"syncMode", "Push"}};
  for (auto& [k, v] : spec_extra.items()) {
    if (v.is_null()) {
      spec.erase(k);
    } else {
      spec[k] = v;
    }
  }
  json j = {{"apiVersion", "cluster.karmada.io/v1alpha1"},
            {"kind", "Cluster"},
            {"metadata", {{"name", name}}},
            {"spec", spec}};
  if (!ready.empty()) j["status"] = {{"conditions", json::array({{{"type", "Ready"}, {"status", ready}}})}};
  return j;
}

json secret_json(const std::string& name, std::map<std::string, std::string> data) {
  json d = json::object();
  for (const auto& [k, v] : data) d[k] = b64(v);
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", "karmada-cluster"}}},
          {"data", d}};
}

kube::Cluster cluster(const json& j) { return *kube::decode<kube::Cluster>(j); }
kube::Secret secret(const json& j) { return *kube::decode<kube::Secret>(j); }

}  // namespace

TEST_CASE("compute_members keeps Ready clusters with valid credentials and says why others are left out",
          "[unit][members][karmada]") {
  struct Row {
    const char* what;
    json cluster;
    std::optional<json> secret;
    bool member;
    std::optional<ClusterProblemKind> problem;
  };
  const std::map<std::string, std::string> good = {{"token", "s3cr3t"}, {"caBundle", kCa}};
  const auto row = GENERATE_COPY(values<Row>({
      {"ready with token and caBundle", cluster_json("m", "True"), secret_json("m", good), true, {}},
      {"not ready", cluster_json("m", "False"), secret_json("m", good), false, {}},
      {"ready unknown", cluster_json("m", "Unknown"), secret_json("m", good), false, {}},
      {"no status", cluster_json("m", ""), secret_json("m", good), false, {}},
      {"missing secret", cluster_json("m", "True"), std::nullopt, false, ClusterProblemKind::MissingSecret},
      {"secret of another name", cluster_json("m", "True"), secret_json("other", good), false,
       ClusterProblemKind::MissingSecret},
      {"missing token", cluster_json("m", "True"), secret_json("m", {{"caBundle", kCa}}), false,
       ClusterProblemKind::MissingToken},
      {"empty token", cluster_json("m", "True"), secret_json("m", {{"token", ""}, {"caBundle", kCa}}), false,
       ClusterProblemKind::MissingToken},
      {"missing caBundle", cluster_json("m", "True"), secret_json("m", {{"token", "tok"}}), false,
       ClusterProblemKind::MissingCaBundle},
      {"caBundle not PEM", cluster_json("m", "True"), secret_json("m", {{"token", "s3cr3t"}, {"caBundle", "junk"}}),
       false, ClusterProblemKind::InvalidCaBundle},
      {"insecure needs no caBundle", cluster_json("m", "True", {{"insecureSkipTLSVerification", true}}),
       secret_json("m", {{"token", "tok"}}), true, {}},
      {"missing endpoint", cluster_json("m", "True", {{"apiEndpoint", nullptr}}), secret_json("m", good), false,
       ClusterProblemKind::MissingEndpoint},
      {"invalid endpoint", cluster_json("m", "True", {{"apiEndpoint", "ftp://x"}}), secret_json("m", good), false,
       ClusterProblemKind::InvalidEndpoint},
      {"missing secretRef", cluster_json("m", "True", {{"secretRef", nullptr}}), secret_json("m", good), false,
       ClusterProblemKind::MissingSecretRef},
      {"http proxy with header", cluster_json("m", "True", {{"proxyURL", "http://proxy:3128"},
                                                            {"proxyHeader", {{"Proxy-Authorization", "Basic x"}}}}),
       secret_json("m", good), true, {}},
      {"socks proxy", cluster_json("m", "True", {{"proxyURL", "socks5://proxy:1080"}}), secret_json("m", good),
       false, ClusterProblemKind::InvalidProxy},
  }));
  CAPTURE(row.what);
  std::vector<kube::Secret> secrets;
  if (row.secret) secrets.push_back(secret(*row.secret));
  const auto out = compute_members({cluster(row.cluster)}, secrets);
  CHECK(out.members.size() == (row.member ? 1u : 0u));
  if (row.problem) {
    REQUIRE(out.problems.size() == 1);
    CHECK(out.problems[0].kind == *row.problem);
    CHECK(out.problems[0].cluster == "m");
    CHECK(out.problems[0].message.find("s3cr3t") == std::string::npos);  // never the token
  } else {
    CHECK(out.problems.empty());
  }
  if (!row.member && !row.problem) CHECK(out.not_ready == std::vector<std::string>{"m"});
}

TEST_CASE("compute_members maps Cluster and Secret fields onto MemberCluster", "[unit][members][karmada]") {
  const auto c = cluster(cluster_json("m1", "True", {{"apiEndpoint", "https://member1:6443"},
                                                     {"proxyURL", "http://proxy:3128"},
                                                     {"proxyHeader", {{"Proxy-Authorization", "Basic x"}}}}));
  const auto s = secret(secret_json("m1", {{"token", "tok"}, {"caBundle", kCa}}));
  const auto out = compute_members({c}, {s});
  REQUIRE(out.members.size() == 1);
  const auto& m = out.members[0];
  CHECK(m.name == "m1");
  CHECK(m.endpoint == "https://member1:6443");
  CHECK(m.mode == members::MemberMode::ApiServer);
  CHECK(m.token == "tok");
  CHECK(m.ca_data == kCa);
  CHECK_FALSE(m.insecure_skip_tls_verify);
  CHECK(m.proxy_url == "http://proxy:3128");
  CHECK(m.proxy_headers == std::map<std::string, std::string>{{"Proxy-Authorization", "Basic x"}});

  SECTION("insecure ignores caBundle, as Karmada does") {
    const auto ci = cluster(cluster_json("m1", "True", {{"insecureSkipTLSVerification", true}}));
    const auto o = compute_members({ci}, {s});
    REQUIRE(o.members.size() == 1);
    CHECK(o.members[0].insecure_skip_tls_verify);
    CHECK(o.members[0].ca_data.empty());
  }
  SECTION("a rotated token or a new endpoint is a different MemberCluster value") {
    const auto rotated = compute_members({c}, {secret(secret_json("m1", {{"token", "new"}, {"caBundle", kCa}}))});
    CHECK(rotated.members != out.members);
    const auto moved = compute_members({cluster(cluster_json("m1", "True", {{"apiEndpoint", "https://other:6443"},
                                                                            {"proxyURL", "http://proxy:3128"},
                                                                            {"proxyHeader", {{"Proxy-Authorization",
                                                                                              "Basic x"}}}}))},
                                       {s});
    CHECK(moved.members != out.members);
    CHECK(compute_members({c}, {s}).members == out.members);
  }
}

TEST_CASE("compute_members sorts members by name and deleting clusters are left out", "[unit][members][karmada]") {
  auto deleting = cluster_json("a", "True");
  deleting["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  const std::map<std::string, std::string> good = {{"token", "tok"}, {"caBundle", kCa}};
  const auto out = compute_members({cluster(cluster_json("c", "True")), cluster(deleting), cluster(cluster_json("b", "True"))},
                                   {secret(secret_json("a", good)), secret(secret_json("b", good)),
                                    secret(secret_json("c", good))});
  REQUIRE(out.members.size() == 2);
  CHECK(out.members[0].name == "b");
  CHECK(out.members[1].name == "c");
  CHECK(out.not_ready == std::vector<std::string>{"a"});
}

TEST_CASE("referenced_secrets lists each referenced Secret once, Ready or not", "[unit][members][karmada]") {
  auto shared = cluster_json("b", "False");
  shared["spec"]["secretRef"]["name"] = "a";
  const auto refs = members::referenced_secrets(
      {cluster(cluster_json("a", "True")), cluster(shared), cluster(cluster_json("c", "True", {{"secretRef", nullptr}}))});
  CHECK(refs == std::vector<members::SecretKey>{{"karmada-cluster", "a"}});
}

namespace {

/// An in-memory control plane for the directory: list honours namespace and a metadata.name field
/// selector; a watch waits (no wall clock: a never-expiring timer) until an object it selects changes, then
/// delivers the events and ends its window, or ends with Cancelled when its coroutine is cancelled.
class FakeControlPlane final : public kube::RestClient {
 public:
  explicit FakeControlPlane(net::any_io_executor executor) : executor_(std::move(executor)) {}

  void put(const kube::ResourceRef& ref, json object) {
    object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    const std::string name = object["metadata"]["name"];
    const std::string k = key(ref, name);
    const bool existed = objects_.contains(k);
    objects_[k] = object;
    notify(ref, name, {existed ? kube::WatchEventType::Modified : kube::WatchEventType::Added, object});
  }
  void erase(const kube::ResourceRef& ref, const std::string& name) {
    const auto it = objects_.find(key(ref, name));
    if (it == objects_.end()) return;
    json object = it->second;
    objects_.erase(it);
    object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    notify(ref, name, {kube::WatchEventType::Deleted, object});
  }
  /// Watches in flight on `resource`, with their field selectors.
  std::vector<std::string> watches(const std::string& resource) const {
    std::vector<std::string> out;
    for (const auto& w : watchers_) {
      if (w->ref.resource == resource) out.push_back(w->ref.namespace_name + ":" + w->field_selector);
    }
    return out;
  }

  // kube::RestClient
  net::awaitable<Result<json>> get(kube::ResourceRef, std::string, std::string) override {
    co_return make_error(Errc::NotFound, "unused");
  }
  net::awaitable<Result<kube::ObjectList>> list(kube::ResourceRef ref, kube::ListOptions options) override {
    kube::ObjectList out;
    out.resource_version = std::to_string(rv_);
    for (const auto& [k, o] : objects_) {
      if (selects(ref, options.field_selector, k, o)) out.items.push_back(o);
    }
    co_return out;
  }
  net::awaitable<Result<void>> watch(kube::ResourceRef ref, kube::WatchOptions options,
                                     kube::WatchHandler handler) override {
    auto w = std::make_shared<Watcher>(executor_);
    w->ref = ref;
    w->field_selector = options.field_selector;
    w->timer.expires_at(net::steady_timer::time_point::max());
    watchers_.push_back(w);
    (void)co_await w->timer.async_wait(net::as_tuple(net::use_awaitable));  // woken or cancelled
    watchers_.remove(w);
    if (w->events.empty()) co_return make_error(Errc::Cancelled, "watch cancelled");
    for (auto& e : w->events) handler(std::move(e));
    co_return ok();
  }
  net::awaitable<Result<json>> create(kube::ResourceRef, json) override { co_return make_error(Errc::NotFound, "x"); }
  net::awaitable<Result<json>> update(kube::ResourceRef, std::string, std::string, json) override {
    co_return make_error(Errc::NotFound, "unused");
  }
  net::awaitable<Result<json>> patch(kube::ResourceRef, std::string, std::string, kube::PatchType,
                                     std::string) override {
    co_return make_error(Errc::NotFound, "unused");
  }
  net::awaitable<Result<void>> remove(kube::ResourceRef, std::string) override {
    co_return make_error(Errc::NotFound, "unused");
  }

 private:
  struct Watcher {
    explicit Watcher(net::any_io_executor ex) : timer(ex) {}
    kube::ResourceRef ref;
    std::string field_selector;
    net::steady_timer timer;
    std::vector<kube::WatchEvent> events;
  };

  static std::string key(const kube::ResourceRef& ref, const std::string& name) {
    return ref.resource + "/" + ref.namespace_name + "/" + name;
  }
  static bool selects(const kube::ResourceRef& ref, const std::string& selector, const std::string& k,
                      const json& o) {
    const std::string prefix = ref.resource + "/";
    if (k.rfind(prefix, 0) != 0) return false;
    if (!ref.namespace_name.empty() && k.rfind(prefix + ref.namespace_name + "/", 0) != 0) return false;
    if (!selector.empty() && selector != "metadata.name=" + o["metadata"]["name"].get<std::string>()) return false;
    return true;
  }
  void notify(const kube::ResourceRef& ref, const std::string& name, kube::WatchEvent event) {
    for (auto& w : watchers_) {
      if (selects(w->ref, w->field_selector, key(ref, name), event.object)) {
        w->events.push_back(event);
        w->timer.cancel();
      }
    }
  }

  net::any_io_executor executor_;
  std::map<std::string, json> objects_;
  std::list<std::shared_ptr<Watcher>> watchers_;
  int rv_ = 1;
};

void drain(net::io_context& ioc) {
  ioc.restart();
  while (ioc.poll() > 0) {
  }
}

}  // namespace

TEST_CASE("KarmadaClusterDirectory follows Clusters and only the Secrets they reference",
          "[unit][members][karmada]") {
  net::io_context ioc;
  FakeControlPlane api(ioc.get_executor());
  const auto clusters = kube::resources::clusters();
  const auto secrets = kube::resources::secrets().in("karmada-cluster");
  api.put(clusters, cluster_json("m1", "True"));
  api.put(secrets, secret_json("m1", {{"token", "one"}, {"caBundle", kCa}}));
  api.put(secrets, secret_json("unrelated", {{"token", "x"}}));

  members::KarmadaClusterDirectory directory(api);
  CHECK_FALSE(directory.synced());
  CHECK(directory.snapshot()->empty());
  directory.start(ioc.get_executor());
  drain(ioc);

  REQUIRE(directory.synced());
  REQUIRE(directory.snapshot()->size() == 1);
  CHECK(directory.snapshot()->at(0).token == "one");
  CHECK(api.watches("secrets") == std::vector<std::string>{"karmada-cluster:metadata.name=m1"});
  const auto first = directory.generation();

  SECTION("token rotation produces a new MemberCluster") {
    api.put(secrets, secret_json("m1", {{"token", "two"}, {"caBundle", kCa}}));
    drain(ioc);
    REQUIRE(directory.snapshot()->size() == 1);
    CHECK(directory.snapshot()->at(0).token == "two");
    CHECK(directory.generation() == first + 1);
  }
  SECTION("NotReady leaves the snapshot and Ready brings it back") {
    const auto held = directory.snapshot();
    api.put(clusters, cluster_json("m1", "False"));
    drain(ioc);
    CHECK(directory.snapshot()->empty());
    CHECK(held->size() == 1);  // an earlier snapshot is immutable
    api.put(clusters, cluster_json("m1", "True"));
    drain(ioc);
    CHECK(directory.snapshot()->size() == 1);
    CHECK(directory.generation() == first + 2);
  }
  SECTION("a new cluster whose Secret appears later joins when the Secret does") {
    api.put(clusters, cluster_json("m2", "True"));
    drain(ioc);
    CHECK(directory.snapshot()->size() == 1);
    CHECK(api.watches("secrets").size() == 2);
    api.put(secrets, secret_json("m2", {{"token", "t2"}, {"caBundle", kCa}}));
    drain(ioc);
    REQUIRE(directory.snapshot()->size() == 2);
    CHECK(directory.snapshot()->at(1).name == "m2");
  }
  SECTION("a deleted cluster leaves and its Secret is no longer watched") {
    api.erase(clusters, "m1");
    drain(ioc);
    CHECK(directory.snapshot()->empty());
    CHECK(api.watches("secrets").empty());
  }
  SECTION("stop cancels every watch") {
    directory.stop();
    drain(ioc);
    CHECK(api.watches("clusters").empty());
    CHECK(api.watches("secrets").empty());
    CHECK(directory.snapshot()->size() == 1);  // the last snapshot stays readable
  }
  directory.stop();
  drain(ioc);
  CHECK(api.watches("clusters").empty());
  CHECK(api.watches("secrets").empty());
}
