#include "server/auth/authorizer.hpp"

#include <algorithm>

namespace fedmetrics::auth {

AlwaysAllowAuthorizer::AlwaysAllowAuthorizer(std::vector<std::string> paths, std::vector<std::string> groups)
    : paths_(std::move(paths)), groups_(std::move(groups)) {}

AuthzOutcome AlwaysAllowAuthorizer::evaluate(const RequestAttributes& a) const {
  for (const auto& g : a.user.groups) {
    if (std::find(groups_.begin(), groups_.end(), g) != groups_.end()) return {Decision::Allow, "", ""};
  }
  if (!a.resource_request) {
    for (const auto& p : paths_) {
      const bool prefix = !p.empty() && p.back() == '*';
      if (prefix ? a.path.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0 : a.path == p) {
        return {Decision::Allow, "", ""};
      }
    }
  }
  return {};
}

net::awaitable<AuthzOutcome> AlwaysAllowAuthorizer::authorize(RequestAttributes attributes) {
  co_return evaluate(attributes);
}

}  // namespace fedmetrics::auth
