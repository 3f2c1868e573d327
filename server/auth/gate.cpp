#include "server/auth/gate.hpp"

namespace fedmetrics::auth {
namespace {

kubeapi::Status unauthorized() { return {401, "Unauthorized", "Unauthorized", std::nullopt}; }

// A review that could not start in time: come back in a second (kube's max-in-flight answer).
kubeapi::Status too_many_requests() {
  return {429, "TooManyRequests", std::string(kTooManyRequestsMessage), kubeapi::StatusDetails{{}, {}, {}, {}, 1}};
}

void add_authenticated_group(UserInfo& user) {
  for (const auto& g : user.groups) {
    if (g == kAuthenticatedGroup || g == kUnauthenticatedGroup) return;
  }
  user.groups.emplace_back(kAuthenticatedGroup);
}

}  // namespace

Gate::Gate(GateConfig config, Authenticator* token, Authorizer* authorizer)
    : config_(std::move(config)),
      request_header_(config_.request_header),
      token_(token),
      always_allow_(config_.always_allow_paths),
      authorizer_(authorizer) {}

std::string Gate::forbidden_message(const RequestAttributes& a, const std::string& reason) {
  std::string msg;
  if (a.resource_request) {
    // pods.custom.metrics.k8s.io "*" is forbidden: User "alice" cannot get resource "pods/http_requests"
    // in API group "custom.metrics.k8s.io" in the namespace "default"
    const std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
    msg = a.resource + "." + a.api_group + (a.name.empty() ? "" : " \"" + a.name + "\"") +
          " is forbidden: User \"" + a.user.name + "\" cannot " + a.verb + " resource \"" + resource +
          "\" in API group \"" + a.api_group + "\"" +
          (a.namespace_.empty() ? " at the cluster scope" : " in the namespace \"" + a.namespace_ + "\"");
  } else {
    msg = "forbidden: User \"" + a.user.name + "\" cannot " + a.verb + " path \"" + a.path + "\"";
  }
  if (!reason.empty()) msg += ": " + reason;
  return msg;
}

net::awaitable<GateOutcome> Gate::check(std::string method, http::Target target, AuthnRequest request) {
  GateOutcome out;
  out.attributes = request_attributes(method, target);

  // 1. Authenticate: the first strategy that succeeds wins; any failure without a success is a 401.
  std::vector<std::string> failures;
  AuthnOutcome who;
  if (config_.request_header_enabled) {
    who = request_header_.evaluate(request);
    if (who.kind == AuthnOutcome::Kind::Failed) failures.push_back(who.error);
  }
  if (who.kind != AuthnOutcome::Kind::Authenticated && config_.x509_enabled) {
    who = x509_.evaluate(request);
    if (who.kind == AuthnOutcome::Kind::Failed) failures.push_back(who.error);
  }
  if (who.kind != AuthnOutcome::Kind::Authenticated && token_ != nullptr) {
    who = co_await token_->authenticate(request);
    if (who.kind == AuthnOutcome::Kind::Throttled) {
      out.rejection = too_many_requests();
      out.method = who.error;
      co_return out;
    }
    if (who.kind == AuthnOutcome::Kind::Failed) failures.push_back(who.error);
  }
  if (who.kind != AuthnOutcome::Kind::Authenticated) {
    if (!failures.empty() || !config_.anonymous) {
      out.rejection = unauthorized();
      out.method = failures.empty() ? "none" : failures.front();
      co_return out;
    }
    who.kind = AuthnOutcome::Kind::Authenticated;
    who.method = "anonymous";
    who.user = UserInfo{kAnonymousUser, "", {kUnauthenticatedGroup}, {}};
  } else {
    add_authenticated_group(who.user);
  }
  out.method = who.method;
  out.attributes.user = who.user;

  // 2. Authorize: always-allow (system:masters, health paths), then the delegated authorizer.
  AuthzOutcome decision = always_allow_.evaluate(out.attributes);
  if (decision.decision == Decision::NoOpinion && authorizer_ != nullptr) {
    decision = co_await authorizer_->authorize(out.attributes);
  }
  if (decision.throttled) {
    out.rejection = too_many_requests();
  } else if (!decision.error.empty()) {
    out.rejection = kubeapi::Status{500, "InternalError", "Internal error occurred: authorization check failed: " +
                                                              decision.error, std::nullopt};
  } else if (decision.decision != Decision::Allow) {
    kubeapi::Status s{403, "Forbidden", forbidden_message(out.attributes, decision.reason), std::nullopt};
    if (out.attributes.resource_request) {
      s.details = kubeapi::StatusDetails{out.attributes.name, out.attributes.api_group, out.attributes.resource, {}, 0};
    }
    out.rejection = std::move(s);
  }
  co_return out;
}

}  // namespace fedmetrics::auth
