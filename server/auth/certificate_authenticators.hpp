#pragma once
// The two certificate-based authenticators: the front proxy (request header) and plain client
// certificates. Both rely on the per-connection verification done by http::TlsServerContext.
#include <string>
#include <vector>

#include "server/auth/authenticator.hpp"

namespace fedmetrics::auth {

struct RequestHeaderConfig {
  std::vector<std::string> allowed_names;  ///< empty = any certificate from the requestheader CA
  std::vector<std::string> username_headers{"X-Remote-User"};
  std::vector<std::string> uid_headers;
  std::vector<std::string> group_headers{"X-Remote-Group"};
  std::vector<std::string> extra_headers_prefix{"X-Remote-Extra-"};
};

/// Front-proxy authentication: a client certificate that verifies against the requestheader CA and whose CN
/// is allowed vouches for the user named in X-Remote-User / -Group / -Extra-*.
/// Failed when a certificate is presented that does not verify against that CA or has a CN not allowed;
/// NoCredentials when there is no certificate or no username header.
class RequestHeaderAuthenticator final : public Authenticator {
 public:
  explicit RequestHeaderAuthenticator(RequestHeaderConfig config);
  // Authenticator
  net::awaitable<AuthnOutcome> authenticate(AuthnRequest request) override;

  /// The synchronous core.
  AuthnOutcome evaluate(const AuthnRequest& request) const;
  /// Every header name this authenticator reads (to strip from requests it did not authenticate).
  bool is_identity_header(std::string_view lower_case_name) const;

 private:
  RequestHeaderConfig config_;
};

/// Client-certificate authentication against --client-ca-file: user = CN, groups = O, extra
/// authentication.kubernetes.io/credential-id = X509SHA256=<hex>.
class X509Authenticator final : public Authenticator {
 public:
  // Authenticator
  net::awaitable<AuthnOutcome> authenticate(AuthnRequest request) override;
  AuthnOutcome evaluate(const AuthnRequest& request) const;
};

}  // namespace fedmetrics::auth
