#include "aggregation/fhpa/member_kube_clients.hpp"

#include <set>

#include "clients/kube/https_rest_client.hpp"
#include "clients/transport/https_client.hpp"

namespace fedmetrics::fhpa {

MemberRestFactory https_member_rest_factory(const Clock& clock, members::MemberRateLimits* limits) {
  return [&clock, limits](const members::MemberCluster& member) -> Result<std::shared_ptr<kube::RestClient>> {
    if (member.mode != members::MemberMode::ApiServer) {
      return make_error(Errc::Unavailable, "member " + member.name +
                                               " is configured with mode adapter: no kube API to read its scale and pods");
    }
    auto options = members::to_client_options(member);
    if (!options) return options.error();
    try {
      auto http = std::make_shared<transport::HttpsClient>(std::move(*options));
      kube::RestClientOptions rest_options;
      rest_options.qps = 0;  // no limit unless the member has one
      if (limits != nullptr) rest_options.limiter = limits->for_member(member.name);
      std::shared_ptr<kube::RestClient> rest = std::make_shared<kube::HttpsRestClient>(
          std::make_unique<kube::HttpsRoundTripper>(std::move(http)), clock, std::move(rest_options));
      return rest;
    } catch (const std::exception& e) {
      return make_error(Errc::InvalidArgument, "member " + member.name + ": " + e.what());
    }
  };
}

Result<std::shared_ptr<kube::RestClient>> MemberKubeClients::client_for(const members::MemberCluster& member) {
  std::lock_guard lock(mu_);
  if (auto it = clients_.find(member.name); it != clients_.end() && it->second.first == member) return it->second.second;
  auto built = factory_(member);
  if (!built) return built.error();
  clients_[member.name] = {member, *built};
  return *built;
}

void MemberKubeClients::retain(const members::MemberList& current) {
  std::set<std::string> names;
  for (const auto& m : current) names.insert(m.name);
  std::lock_guard lock(mu_);
  std::erase_if(clients_, [&](const auto& entry) { return !names.contains(entry.first); });
}

}  // namespace fedmetrics::fhpa
