#include "server/auth/delegated.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

namespace fedmetrics::auth {
namespace {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::vector<std::string> strings_of(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string string_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string bearer_token(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value.size() < 7) return "";
  std::string scheme(value.substr(0, 6));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "bearer" || value[6] != ' ') return "";
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.find(' ') != std::string_view::npos) return "";  // "Bearer a b" is not a token
  return std::string(value);
}

TokenReviewAuthenticator::TokenReviewAuthenticator(kube::RestClient& client, const Clock& clock,
                                                   TokenReviewOptions options)
    : client_(client), options_(std::move(options)), cache_(clock, options_.max_entries) {}

net::awaitable<AuthnOutcome> TokenReviewAuthenticator::authenticate(AuthnRequest request) {
  AuthnOutcome out;
  out.method = "token";
  const auto header = request.headers.get("authorization");
  if (!header) co_return out;
  const std::string token = bearer_token(*header);
  if (token.empty()) co_return out;
  const std::string key = sha256_hex(token);
  if (auto cached = cache_.get(key)) co_return *cached;

  nlohmann::json review{{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenReview"},
                        {"spec", {{"token", token}}}};
  if (!options_.audiences.empty()) review["spec"]["audiences"] = options_.audiences;
  const kube::ResourceRef tokenreviews{"authentication.k8s.io", "v1", "tokenreviews", ""};
  auto answer = co_await client_.create(tokenreviews, std::move(review));
  if (!answer) {
    out.kind = answer.error().code == Errc::Throttled ? AuthnOutcome::Kind::Throttled : AuthnOutcome::Kind::Failed;
    out.error = "token review failed: " + answer.error().message;  // not cached: retried next request
    co_return out;
  }
  const auto& status = (*answer)["status"];
  if (!status.is_object() || !status.value("authenticated", false)) {
    out.kind = AuthnOutcome::Kind::Failed;
    out.error = "invalid bearer token";
    cache_.put(key, out, options_.cache_ttl);
    co_return out;
  }
  const auto& user = status.contains("user") ? status["user"] : nlohmann::json::object();
  out.kind = AuthnOutcome::Kind::Authenticated;
  out.user.name = string_of(user, "username");
  out.user.uid = string_of(user, "uid");
  out.user.groups = strings_of(user.value("groups", nlohmann::json::array()));
  if (user.contains("extra") && user["extra"].is_object()) {
    for (const auto& [k, v] : user["extra"].items()) out.user.extra[k] = strings_of(v);
  }
  if (out.user.name.empty()) {
    out.kind = AuthnOutcome::Kind::Failed;
    out.error = "token review returned no user name";
  }
  cache_.put(key, out, options_.cache_ttl);
  co_return out;
}

SubjectAccessReviewAuthorizer::SubjectAccessReviewAuthorizer(kube::RestClient& client, const Clock& clock,
                                                             SubjectAccessReviewOptions options)
    : client_(client), options_(options), cache_(clock, options_.max_entries) {}

nlohmann::json SubjectAccessReviewAuthorizer::review_for(const RequestAttributes& a) {
  nlohmann::json spec{{"user", a.user.name}, {"groups", a.user.groups}};
  if (!a.user.uid.empty()) spec["uid"] = a.user.uid;
  if (!a.user.extra.empty()) spec["extra"] = a.user.extra;
  if (a.resource_request) {
    nlohmann::json attrs{{"verb", a.verb}, {"group", a.api_group}, {"version", a.api_version},
                         {"resource", a.resource}};
    if (!a.namespace_.empty()) attrs["namespace"] = a.namespace_;
    if (!a.subresource.empty()) attrs["subresource"] = a.subresource;
    if (!a.name.empty()) attrs["name"] = a.name;
    spec["resourceAttributes"] = std::move(attrs);
  } else {
    spec["nonResourceAttributes"] = {{"path", a.path}, {"verb", a.verb}};
  }
  return {{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SubjectAccessReview"}, {"spec", std::move(spec)}};
}

net::awaitable<AuthzOutcome> SubjectAccessReviewAuthorizer::authorize(RequestAttributes attributes) {
  nlohmann::json review = review_for(attributes);
  const std::string key = review["spec"].dump();
  if (auto cached = cache_.get(key)) co_return *cached;
  const kube::ResourceRef reviews{"authorization.k8s.io", "v1", "subjectaccessreviews", ""};
  auto answer = co_await client_.create(reviews, std::move(review));
  AuthzOutcome out;
  if (!answer) {
    out.error = "subject access review failed: " + answer.error().message;
    out.throttled = answer.error().code == Errc::Throttled;
    co_return out;
  }
  const auto& status = (*answer)["status"];
  out.reason = status.is_object() ? string_of(status, "reason") : "";
  if (status.is_object() && status.value("allowed", false)) {
    out.decision = Decision::Allow;
    cache_.put(key, out, options_.allowed_ttl);
  } else {
    out.decision = status.is_object() && status.value("denied", false) ? Decision::Deny : Decision::NoOpinion;
    cache_.put(key, out, options_.denied_ttl);
  }
  co_return out;
}

}  // namespace fedmetrics::auth
