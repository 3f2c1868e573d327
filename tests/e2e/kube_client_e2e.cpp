// fedmetrics' Kubernetes client against a REAL kube-apiserver (the KUBECONFIG environment variable, set by
// tests/e2e/test_kube_client.py after scripts/control-plane-up). Not a unit test: it needs the server.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <cstdlib>

#include "clients/kube/api_codec.hpp"
#include "clients/kube/https_rest_client.hpp"
#include "clients/kube/informer.hpp"
#include "clients/kube/kubeconfig.hpp"
#include "clients/kube/scale.hpp"
#include "tests/support/catch_result.hpp"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <future>

namespace fedmetrics::kube {
namespace {

using nlohmann::json;

/// Runs one call on the test's io_context until it completes. The client pools connections on this
/// io_context, so every call of a test shares it; it is not run "until idle" (pooled connections may
/// keep it busy).
template <class T>
T run(net::io_context& ioc, net::awaitable<T> call) {
  auto future = net::co_spawn(ioc, std::move(call), net::use_future);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    ioc.restart();
    ioc.run_one_for(std::chrono::milliseconds(50));
  }
  return future.get();
}

std::unique_ptr<HttpsRestClient> client(const Clock& clock) {
  const char* path = std::getenv("KUBECONFIG");
  REQUIRE(path != nullptr);
  auto config = load_kubeconfig(path);
  REQUIRE(config);
  return HttpsRestClient::from_config(*config, clock);
}

json deployment(const std::string& name) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", 1},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "registry.invalid/none"}}})}}}}}}}};
}

}  // namespace

TEST_CASE("LIST follows continue tokens to the end", "[e2e][kube]") {
  SteadyClock clock;
  net::io_context ioc;
  auto api = client(clock);
  ListOptions options;
  options.page_size = 1;
  const auto list = run(ioc, api->list(ResourceRef{"", "v1", "namespaces", ""}, options));
  REQUIRE(list);
  CHECK(list->items.size() >= 4);  // default, kube-system, kube-public, kube-node-lease
  CHECK_FALSE(list->resource_version.empty());
}

TEST_CASE("a stale scale write conflicts, and set_scale_replicas retries it", "[e2e][kube]") {
  SteadyClock clock;
  net::io_context ioc;
  auto api = client(clock);
  const auto deployments = resources::deployments().in("default");
  const std::string name = "scale-conflict";
  REQUIRE(run(ioc, api->create(deployments, deployment(name))));

  // Read the scale, then change the Deployment behind its back: the scale's resourceVersion is now stale.
  auto stale = run(ioc, api->get(deployments, name, "scale"));
  REQUIRE(stale);
  REQUIRE(run(ioc, api->patch(deployments, name, "", PatchType::Merge,
                                    R"({"metadata":{"annotations":{"touched":"yes"}}})")));
  (*stale)["spec"]["replicas"] = 2;
  auto conflicted = run(ioc, api->update(deployments, name, "scale", *stale));
  REQUIRE_FALSE(conflicted);
  CHECK(conflicted.error().code == Errc::Conflict);

  // The retrying writer re-reads and wins.
  auto written = run(ioc, set_scale_replicas(*api, deployments, name, 3));
  REQUIRE(written);
  CHECK(written->spec_replicas == 3);
  auto read_back = run(ioc, get_scale(*api, deployments, name));
  REQUIRE(read_back);
  CHECK(read_back->spec_replicas == 3);
  CHECK(run(ioc, api->remove(deployments, name)));
}

TEST_CASE("GET of a missing object is NotFound with the server's message", "[e2e][kube]") {
  SteadyClock clock;
  net::io_context ioc;
  auto api = client(clock);
  auto missing = run(ioc, api->get(resources::pods().in("default"), "does-not-exist", ""));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::NotFound);
  CHECK(missing.error().message.find("does-not-exist") != std::string::npos);
}

}  // namespace fedmetrics::kube
