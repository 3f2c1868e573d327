#pragma once
// Delegated authentication and authorization against the control plane, as k8s.io/apiserver's webhook
// authenticator and authorizer do it (aggregated-api.md §3.3-3.4): bearer tokens via TokenReview,
// decisions via SubjectAccessReview, both cached (allowed and denied TTLs separately; least recently used out
// when full).
#include <chrono>
#include <string>
#include <vector>

#include "clients/base/clock.hpp"
#include "clients/base/lru_cache.hpp"
#include "clients/kube/rest_client.hpp"
#include "server/auth/authenticator.hpp"
#include "server/auth/authorizer.hpp"

namespace fedmetrics::auth {

struct TokenReviewOptions {
  std::chrono::milliseconds cache_ttl{10'000};  ///< --authentication-token-webhook-cache-ttl (both outcomes)
  std::vector<std::string> audiences;           ///< sent as spec.audiences when non-empty
  std::size_t max_entries = 10'000;
};

/// `Authorization: Bearer <token>` (scheme case-insensitive) → POST authentication.k8s.io/v1 TokenReview.
/// NoCredentials without a bearer token; Failed ("invalid bearer token") when the review says no, or when the
/// review itself fails (never anonymous); Throttled when the client refused to queue the review (Throttled
/// from the RestClient: its rate-limit slot was too far away). Tokens are cached by their SHA-256, never stored or logged.
class TokenReviewAuthenticator final : public Authenticator {
 public:
  /// `client` (the control plane) and `clock` must outlive this.
  TokenReviewAuthenticator(kube::RestClient& client, const Clock& clock, TokenReviewOptions options = {});
  // Authenticator
  net::awaitable<AuthnOutcome> authenticate(AuthnRequest request) override;

 private:
  kube::RestClient& client_;
  TokenReviewOptions options_;
  LruCache<std::string, AuthnOutcome> cache_;  // by the token's SHA-256
};

struct SubjectAccessReviewOptions {
  std::chrono::milliseconds allowed_ttl{10'000};  ///< --authorization-webhook-cache-authorized-ttl
  std::chrono::milliseconds denied_ttl{10'000};   ///< --authorization-webhook-cache-unauthorized-ttl
  std::size_t max_entries = 10'000;
};

/// POST authorization.k8s.io/v1 SubjectAccessReview with the request's attributes. Allow on
/// status.allowed, Deny on status.denied, NoOpinion otherwise (which the gate turns into 403); a failed
/// call is an error (500; 429 when the client refused to queue it) and is not cached.
class SubjectAccessReviewAuthorizer final : public Authorizer {
 public:
  SubjectAccessReviewAuthorizer(kube::RestClient& client, const Clock& clock, SubjectAccessReviewOptions options = {});
  // Authorizer
  net::awaitable<AuthzOutcome> authorize(RequestAttributes attributes) override;

  /// The SubjectAccessReview body for `attributes` (exposed for tests).
  static nlohmann::json review_for(const RequestAttributes& attributes);

 private:
  kube::RestClient& client_;
  SubjectAccessReviewOptions options_;
  LruCache<std::string, AuthzOutcome> cache_;  // by the review's spec
};

/// The bearer token of an Authorization header value, or "" (another scheme, or no token).
std::string bearer_token(std::string_view authorization);

}  // namespace fedmetrics::auth
