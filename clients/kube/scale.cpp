#include "clients/kube/scale.hpp"

namespace fedmetrics::kube {

net::awaitable<Result<Scale>> get_scale(RestClient& client, ResourceRef ref, std::string name) {
  std::string sub = "scale";
  auto got = co_await client.get(std::move(ref), std::move(name), std::move(sub));
  if (!got) co_return got.error();
  co_return decode<Scale>(*got);
}

net::awaitable<Result<Scale>> set_scale_replicas(RestClient& client, ResourceRef ref, std::string name,
                                                 std::int32_t replicas, int max_attempts) {
  std::string sub = "scale";
  Mutator mutate = [replicas](nlohmann::json& scale) -> Result<bool> {
    if (!scale.is_object()) return make_error(Errc::ProtocolError, "scale: not an object");
    auto& spec = scale["spec"];
    if (spec.is_object() && spec.contains("replicas") && spec["replicas"] == replicas) return false;
    spec["replicas"] = replicas;
    return true;
  };
  auto stored = co_await update_with_retry(client, std::move(ref), std::move(name), std::move(sub), std::move(mutate),
                                           max_attempts);
  if (!stored) co_return stored.error();
  co_return decode<Scale>(*stored);
}

}  // namespace fedmetrics::kube
