#pragma once
// The authentication and authorization filter every request passes before routing, in upstream order:
// authenticate (request header, client certificate, then the configured token authenticator, then
// anonymous if enabled), add system:authenticated, then authorize with the first authorizer that has an
// opinion. X-Remote-* headers are read only by the request-header authenticator, and only after the
// front-proxy certificate verified; nothing after the gate reads them (requests are never forwarded:
// members are called with our own credentials), so an unvouched header has no effect.
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "clients/kubeapi/status.hpp"
#include "server/auth/authenticator.hpp"
#include "server/auth/authorizer.hpp"
#include "server/auth/certificate_authenticators.hpp"

namespace fedmetrics::auth {

/// The message of every 429 (k8s.io/apiserver's max-in-flight filter says the same).
inline constexpr std::string_view kTooManyRequestsMessage = "Too many requests, please try again later.";

struct GateConfig {
  bool request_header_enabled = false;  ///< --requestheader-client-ca-file given
  RequestHeaderConfig request_header;
  bool x509_enabled = false;            ///< --client-ca-file given
  bool anonymous = true;                ///< --anonymous-auth
  std::vector<std::string> always_allow_paths{"/healthz", "/readyz", "/livez"};
};

struct GateOutcome {
  /// 401/403/500 when set; 429 with retryAfterSeconds 1 when a review could not start in time.
  std::optional<kubeapi::Status> rejection;
  RequestAttributes attributes;              ///< with the authenticated user
  std::string method;                        ///< how the user authenticated
};

class Gate {
 public:
  /// `token` and `authorizer` are optional extra strategies (TokenReview, SubjectAccessReview); when given
  /// they must outlive the gate.
  Gate(GateConfig config, Authenticator* token = nullptr, Authorizer* authorizer = nullptr);

  /// Authenticates and authorizes one request. Thread-safe.
  net::awaitable<GateOutcome> check(std::string method, http::Target target, AuthnRequest request);

  /// The 403 message, in the words of k8s.io/apiserver's forbidden responder.
  static std::string forbidden_message(const RequestAttributes& a, const std::string& reason);

 private:
  GateConfig config_;
  RequestHeaderAuthenticator request_header_;
  X509Authenticator x509_;
  Authenticator* token_;
  AlwaysAllowAuthorizer always_allow_;
  Authorizer* authorizer_;
};

}  // namespace fedmetrics::auth
