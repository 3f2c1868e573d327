#include "server/auth/certificate_authenticators.hpp"

#include <algorithm>
#include <cctype>

namespace fedmetrics::auth {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Extra keys arrive percent-encoded in header names; a malformed escape is kept verbatim (as Go does).
std::string unescape_extra_key(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && lower(text.substr(0, prefix.size())) == lower(prefix);
}

}  // namespace

RequestHeaderAuthenticator::RequestHeaderAuthenticator(RequestHeaderConfig config) : config_(std::move(config)) {}

bool RequestHeaderAuthenticator::is_identity_header(std::string_view name) const {
  auto in = [&](const std::vector<std::string>& list) {
    return std::any_of(list.begin(), list.end(), [&](const std::string& h) { return lower(h) == lower(name); });
  };
  if (in(config_.username_headers) || in(config_.uid_headers) || in(config_.group_headers)) return true;
  return std::any_of(config_.extra_headers_prefix.begin(), config_.extra_headers_prefix.end(),
                     [&](const std::string& p) { return starts_with_ci(name, p); });
}

AuthnOutcome RequestHeaderAuthenticator::evaluate(const AuthnRequest& request) const {
  AuthnOutcome out;
  out.method = "requestheader";
  if (!request.peer) return out;
  if (!request.peer->verified_by_requestheader_ca) {
    out.kind = AuthnOutcome::Kind::Failed;
    out.error = "front-proxy certificate does not verify: " +
                (request.peer->verify_error.empty() ? std::string("not signed by the requestheader CA")
                                                    : request.peer->verify_error);
    return out;
  }
  const auto& cn = request.peer->common_name;
  if (!config_.allowed_names.empty() &&
      std::find(config_.allowed_names.begin(), config_.allowed_names.end(), cn) == config_.allowed_names.end()) {
    out.kind = AuthnOutcome::Kind::Failed;
    out.error = "x509: subject with cn=" + cn + " is not in the allowed list";
    return out;
  }
  for (const auto& h : config_.username_headers) {
    if (auto v = request.headers.get(h); v && !v->empty()) {
      out.user.name = std::string(*v);
      break;
    }
  }
  if (out.user.name.empty()) return out;  // a proxy certificate without a user: not this strategy
  for (const auto& h : config_.uid_headers) {
    if (auto v = request.headers.get(h); v && !v->empty()) {
      out.user.uid = std::string(*v);
      break;
    }
  }
  for (const auto& h : config_.group_headers) {
    for (auto v : request.headers.get_all(h)) {
      if (!v.empty()) out.user.groups.emplace_back(v);
    }
  }
  for (const auto& [name, value] : request.headers.entries()) {
    for (const auto& prefix : config_.extra_headers_prefix) {
      if (starts_with_ci(name, prefix) && name.size() > prefix.size()) {
        out.user.extra[unescape_extra_key(lower(std::string_view(name).substr(prefix.size())))].push_back(value);
      }
    }
  }
  out.kind = AuthnOutcome::Kind::Authenticated;
  return out;
}

net::awaitable<AuthnOutcome> RequestHeaderAuthenticator::authenticate(AuthnRequest request) {
  co_return evaluate(request);
}

AuthnOutcome X509Authenticator::evaluate(const AuthnRequest& request) const {
  AuthnOutcome out;
  out.method = "x509";
  if (!request.peer) return out;
  if (!request.peer->verified_by_client_ca) {
    out.kind = AuthnOutcome::Kind::Failed;
    out.error = "client certificate does not verify: " +
                (request.peer->verify_error.empty() ? std::string("not signed by the client CA")
                                                    : request.peer->verify_error);
    return out;
  }
  if (request.peer->common_name.empty()) {
    out.kind = AuthnOutcome::Kind::Failed;
    out.error = "client certificate has no common name";
    return out;
  }
  out.kind = AuthnOutcome::Kind::Authenticated;
  out.user.name = request.peer->common_name;
  out.user.groups = request.peer->organizations;
  out.user.extra["authentication.kubernetes.io/credential-id"] = {"X509SHA256=" + request.peer->sha256_hex};
  return out;
}

net::awaitable<AuthnOutcome> X509Authenticator::authenticate(AuthnRequest request) { co_return evaluate(request); }

}  // namespace fedmetrics::auth
