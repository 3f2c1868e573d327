#include "clients/members/member_client_cache.hpp"

#include <set>

#include "clients/base/log.hpp"

namespace fedmetrics::members {

MemberClientCache::MemberClientCache(MemberClientFactory factory) : factory_(std::move(factory)) {}

std::vector<MemberHandle> MemberClientCache::clients_for(const MemberList& members) {
  std::vector<MemberHandle> out;
  out.reserve(members.size());
  std::set<std::string> present;
  std::lock_guard lock(mu_);
  for (const auto& m : members) {
    present.insert(m.name);
    auto it = clients_.find(m.name);
    if (it != clients_.end() && it->second.first == m) {
      out.push_back({m, it->second.second, std::nullopt});
      continue;
    }
    try {
      auto client = factory_(m);
      ++builds_;
      clients_[m.name] = {m, client};
      out.push_back({m, std::move(client), std::nullopt});
    } catch (const std::exception& e) {
      // Keep no stale client for a member whose new configuration is broken: answering with the old
      // credentials would hide the operator's mistake.
      clients_.erase(m.name);
      std::string msg = e.what();
      if (msg.rfind("member " + m.name + ":", 0) != 0) msg = "member " + m.name + ": " + msg;
      log::warning("cannot build member client", {{"cluster", m.name}, {"error", msg}});
      out.push_back({m, nullptr, make_error(Errc::Unavailable, msg)});
    }
  }
  std::erase_if(clients_, [&](const auto& kv) { return !present.contains(kv.first); });
  return out;
}

std::size_t MemberClientCache::builds() const {
  std::lock_guard lock(mu_);
  return builds_;
}

}  // namespace fedmetrics::members
