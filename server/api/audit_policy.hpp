#pragma once
// The audit policy (audit.k8s.io/v1 Policy, the file of --audit-policy-file), evaluated as
// k8s.io/apiserver pkg/audit/policy/checker.go does: the first rule that matches a request decides its
// level; no matching rule means None. A rule matches when every selector it sets matches:
//   users            the user name is listed
//   userGroups       one of the user's groups is listed
//   verbs            the request verb (get, list, ...) is listed
//   namespaces       a resource request in one of these namespaces ("" = cluster-scoped)
//   resources        a resource request on one of these {group, resources, resourceNames}; a resource
//                    entry is "*", "<resource>", "<resource>/<subresource>", "*/<subresource>" or "<resource>/*"
//   nonResourceURLs  a non-resource request whose path is listed, or starts with an entry ending in "*"
// A rule with namespaces or resources never matches a non-resource request, and one with nonResourceURLs
// never matches a resource request. Stages are omitted per policy (omitStages) and per rule.
#include <string>
#include <vector>

#include "clients/base/result.hpp"
#include "server/auth/request_attributes.hpp"

namespace fedmetrics::api {

enum class AuditLevel { None, Metadata, Request, RequestResponse };
std::string_view to_string(AuditLevel level);

struct AuditGroupResources {
  std::string group;                        ///< "" = the core group
  std::vector<std::string> resources;       ///< empty = every resource of the group
  std::vector<std::string> resource_names;  ///< empty = every name
};

struct AuditPolicyRule {
  AuditLevel level = AuditLevel::None;
  std::vector<std::string> users;
  std::vector<std::string> user_groups;
  std::vector<std::string> verbs;
  std::vector<AuditGroupResources> resources;
  std::vector<std::string> namespaces;
  std::vector<std::string> non_resource_urls;
  std::vector<std::string> omit_stages;
};

struct AuditPolicy {
  std::vector<AuditPolicyRule> rules;
  std::vector<std::string> omit_stages;  ///< RequestReceived, ResponseStarted, ResponseComplete, Panic
};

/// A request's level and the stages not to write for it.
struct AuditDecision {
  AuditLevel level = AuditLevel::None;
  std::vector<std::string> omit_stages;  ///< the policy's and the rule's
  bool omits(std::string_view stage) const;
};

/// The policy without --audit-policy-file: every request at Metadata (what an operator who asked for an
/// audit log without a policy wants; kube-apiserver would log nothing).
AuditPolicy default_audit_policy();

/// Parses a Policy document (YAML or JSON; apiVersion audit.k8s.io/v1, kind Policy). Errors:
/// InvalidArgument naming the field (unknown level or stage, wrong apiVersion/kind, malformed YAML).
Result<AuditPolicy> parse_audit_policy(const std::string& text);
/// Reads and parses a policy file; the error names the file.
Result<AuditPolicy> load_audit_policy(const std::string& path);

/// The first matching rule's decision (None when no rule matches). Pure.
AuditDecision evaluate(const AuditPolicy& policy, const auth::RequestAttributes& request);

}  // namespace fedmetrics::api
