#pragma once
// Authentication strategies and their outcome (aggregated-api.md §3.3).
#include <memory>
#include <string>

#include "clients/base/net.hpp"
#include "server/auth/user_info.hpp"
#include "server/http/message.hpp"

namespace fedmetrics::auth {

/// What an authenticator sees: the headers (still including X-Remote-*) and the verified client certificate.
struct AuthnRequest {
  http::Headers headers;
  std::shared_ptr<const http::PeerCertificate> peer;
};

struct AuthnOutcome {
  enum class Kind {
    NoCredentials,  ///< this strategy does not apply (no cert, no header, no token): try the next
    Authenticated,  ///< `user` is set
    Failed,         ///< credentials were presented and are invalid: `error` says why (never the secret)
    Throttled,      ///< no decision now: the review could not start within its wait bound; the gate
                    ///< answers 429 with Retry-After (not cached)
  };
  Kind kind = Kind::NoCredentials;
  UserInfo user;
  std::string error;
  std::string method;  ///< "requestheader", "x509", "token", "anonymous" (for audit and metrics)
};

/// One way of turning a request into a user. Thread-safe; may complete on any thread.
class Authenticator {
 public:
  Authenticator() = default;
  virtual ~Authenticator() = default;
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  virtual net::awaitable<AuthnOutcome> authenticate(AuthnRequest request) = 0;
};

}  // namespace fedmetrics::auth
