#pragma once
// Authorization strategies (aggregated-api.md §3.4): the first decision that is not NoOpinion wins.
#include <memory>
#include <string>
#include <vector>

#include "clients/base/net.hpp"
#include "server/auth/request_attributes.hpp"

namespace fedmetrics::auth {

enum class Decision { Allow, Deny, NoOpinion };

struct AuthzOutcome {
  Decision decision = Decision::NoOpinion;
  std::string reason;  ///< appended to the 403 message when non-empty
  std::string error;   ///< the check itself failed (e.g. SubjectAccessReview unreachable): 500
  bool throttled = false;  ///< with `error`: the check could not start within its wait bound: 429, retry later
};

/// Thread-safe; may complete on any thread.
class Authorizer {
 public:
  Authorizer() = default;
  virtual ~Authorizer() = default;
  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  virtual net::awaitable<AuthzOutcome> authorize(RequestAttributes attributes) = 0;
};

/// Allows members of system:masters and the exact non-resource paths given (a trailing '*' makes a prefix),
/// for everyone including anonymous. NoOpinion otherwise.
class AlwaysAllowAuthorizer final : public Authorizer {
 public:
  explicit AlwaysAllowAuthorizer(std::vector<std::string> paths,
                                 std::vector<std::string> groups = {"system:masters"});
  // Authorizer
  net::awaitable<AuthzOutcome> authorize(RequestAttributes attributes) override;
  AuthzOutcome evaluate(const RequestAttributes& attributes) const;

 private:
  std::vector<std::string> paths_;
  std::vector<std::string> groups_;
};

}  // namespace fedmetrics::auth
