#include "aggregation/fhpa/explain.hpp"

namespace fedmetrics::fhpa {

net::awaitable<Result<Explanation>> explain(std::string namespace_name, std::string name, autoscaler::Options options,
                                            Millis now, ObserveDeps deps) {
  const kube::ResourceRef ref = federated_hpas().in(namespace_name);
  const std::string no_subresource;
  auto object = co_await deps.control_plane->get(ref, name, no_subresource);
  if (!object) co_return object.error();
  auto decoded = decode_federated_hpa(*object);
  if (!decoded) co_return decoded.error();
  Explanation out;
  out.hpa = std::move(*decoded);
  if (!out.hpa.spec_errors.empty()) co_return out;
  const autoscaler::History history = out.hpa.history.value_or(autoscaler::History{});
  // Named arguments only (g++ 12, see observe.cpp).
  out.evaluation = co_await evaluate(out.hpa, options, history, now, deps);
  co_return out;
}

}  // namespace fedmetrics::fhpa
