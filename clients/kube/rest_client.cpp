#include "clients/kube/rest_client.hpp"

#include <algorithm>

namespace fedmetrics::kube {

net::awaitable<Result<nlohmann::json>> update_with_retry(RestClient& client, ResourceRef ref, std::string name,
                                                         std::string subresource, Mutator mutate,
                                                         int max_attempts) {
  Put put = [&client](ResourceRef r, std::string n, std::string sub, nlohmann::json object) {
    return client.update(std::move(r), std::move(n), std::move(sub), std::move(object));
  };
  co_return co_await update_with_retry(client, std::move(ref), std::move(name), std::move(subresource),
                                       std::move(mutate), max_attempts, std::move(put));
}

net::awaitable<Result<nlohmann::json>> update_with_retry(RestClient& client, ResourceRef ref, std::string name,
                                                         std::string subresource, Mutator mutate, int max_attempts,
                                                         Put put) {
  Error last = make_error(Errc::Conflict, "update " + name + ": no attempt made");
  for (int attempt = 0; attempt < std::max(max_attempts, 1); ++attempt) {
    ResourceRef get_ref = ref;
    std::string get_name = name;
    std::string get_sub = subresource;
    auto current = co_await client.get(std::move(get_ref), std::move(get_name), std::move(get_sub));
    if (!current) co_return current.error();
    nlohmann::json object = std::move(*current);
    auto changed = mutate(object);
    if (!changed) co_return changed.error();
    if (!*changed) co_return json_value(std::move(object));
    // The GET's metadata.resourceVersion stays in the body: the PUT is conditional on it.
    ResourceRef put_ref = ref;
    std::string put_name = name;
    std::string put_sub = subresource;
    auto stored = co_await put(std::move(put_ref), std::move(put_name), std::move(put_sub), std::move(object));
    if (stored) co_return stored;
    if (stored.error().code != Errc::Conflict) co_return stored.error();
    last = stored.error();
  }
  co_return last;
}

}  // namespace fedmetrics::kube
