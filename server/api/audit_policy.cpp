#include "server/api/audit_policy.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace fedmetrics::api {
namespace {

const std::vector<std::string> kStages{"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> strings(const YAML::Node& node, const std::string& field) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsSequence()) throw std::runtime_error(field + ": must be a list of strings");
  for (const auto& item : node) out.push_back(item.as<std::string>());
  return out;
}

std::vector<std::string> stages(const YAML::Node& node, const std::string& field) {
  auto out = strings(node, field);
  for (const auto& s : out) {
    if (!listed(kStages, s)) throw std::runtime_error(field + ": unknown stage \"" + s + "\"");
  }
  return out;
}

AuditLevel level_of(const std::string& text, const std::string& field) {
  for (const auto l : {AuditLevel::None, AuditLevel::Metadata, AuditLevel::Request, AuditLevel::RequestResponse}) {
    if (text == to_string(l)) return l;
  }
  throw std::runtime_error(field + ": \"" + text + "\" is not one of None, Metadata, Request, RequestResponse");
}

// A custom metric read is resource `<resource>` (pods, deployments.apps, metrics) with the metric as its
// subresource in group custom.metrics.k8s.io; an external metric read is resource `<metric>`.
bool resource_matches(const AuditGroupResources& gr, const auth::RequestAttributes& r) {
  if (gr.group != r.api_group) return false;
  if (gr.resources.empty()) return true;
  const std::string& resource = r.resource;
  const std::string combined = r.subresource.empty() ? resource : resource + "/" + r.subresource;
  bool found = false;
  for (const auto& entry : gr.resources) {
    if (entry == "*" || entry == combined || (entry == "*/" + r.subresource && !r.subresource.empty()) ||
        (entry == resource + "/*" && !r.subresource.empty()) || (r.subresource.empty() && entry == resource)) {
      found = true;
      break;
    }
  }
  if (!found) return false;
  return gr.resource_names.empty() || listed(gr.resource_names, r.name);
}

bool url_matches(const std::vector<std::string>& urls, const std::string& path) {
  for (const auto& u : urls) {
    if (u == "*" || u == path) return true;
    if (!u.empty() && u.back() == '*' && path.compare(0, u.size() - 1, u, 0, u.size() - 1) == 0) return true;
  }
  return false;
}

bool matches(const AuditPolicyRule& rule, const auth::RequestAttributes& r) {
  if (!rule.users.empty() && !listed(rule.users, r.user.name)) return false;
  if (!rule.user_groups.empty() &&
      std::none_of(r.user.groups.begin(), r.user.groups.end(), [&](const auto& g) { return listed(rule.user_groups, g); })) {
    return false;
  }
  if (!rule.verbs.empty() && !listed(rule.verbs, r.verb)) return false;
  if (!rule.namespaces.empty() || !rule.resources.empty()) {
    if (!r.resource_request) return false;
    if (!rule.namespaces.empty() && !listed(rule.namespaces, r.namespace_)) return false;
    if (!rule.resources.empty() &&
        std::none_of(rule.resources.begin(), rule.resources.end(), [&](const auto& gr) { return resource_matches(gr, r); })) {
      return false;
    }
  }
  if (!rule.non_resource_urls.empty()) {
    if (r.resource_request) return false;
    if (!url_matches(rule.non_resource_urls, r.path)) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(AuditLevel level) {
  switch (level) {
    case AuditLevel::None: return "None";
    case AuditLevel::Metadata: return "Metadata";
    case AuditLevel::Request: return "Request";
    case AuditLevel::RequestResponse: return "RequestResponse";
  }
  return "None";
}

bool AuditDecision::omits(std::string_view stage) const {
  return std::find(omit_stages.begin(), omit_stages.end(), stage) != omit_stages.end();
}

AuditPolicy default_audit_policy() {
  AuditPolicyRule all;
  all.level = AuditLevel::Metadata;
  return AuditPolicy{{all}, {}};
}

Result<AuditPolicy> parse_audit_policy(const std::string& text) {
  try {
    const YAML::Node doc = YAML::Load(text);
    if (!doc.IsMap()) return make_error(Errc::InvalidArgument, "not a Policy object");
    const auto api_version = doc["apiVersion"] ? doc["apiVersion"].as<std::string>() : "";
    if (api_version != "audit.k8s.io/v1") {
      return make_error(Errc::InvalidArgument, "apiVersion: \"" + api_version + "\" is not audit.k8s.io/v1");
    }
    const auto kind = doc["kind"] ? doc["kind"].as<std::string>() : "";
    if (kind != "Policy") return make_error(Errc::InvalidArgument, "kind: \"" + kind + "\" is not Policy");
    AuditPolicy policy;
    policy.omit_stages = stages(doc["omitStages"], "omitStages");
    const YAML::Node rules = doc["rules"];
    if (!rules || !rules.IsSequence() || rules.size() == 0) {
      return make_error(Errc::InvalidArgument, "rules: a policy needs at least one rule");
    }
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const auto& node = rules[i];
      const std::string at = "rules[" + std::to_string(i) + "]";
      if (!node.IsMap() || !node["level"]) throw std::runtime_error(at + ".level: required");
      AuditPolicyRule rule;
      rule.level = level_of(node["level"].as<std::string>(), at + ".level");
      rule.users = strings(node["users"], at + ".users");
      rule.user_groups = strings(node["userGroups"], at + ".userGroups");
      rule.verbs = strings(node["verbs"], at + ".verbs");
      rule.namespaces = strings(node["namespaces"], at + ".namespaces");
      rule.non_resource_urls = strings(node["nonResourceURLs"], at + ".nonResourceURLs");
      rule.omit_stages = stages(node["omitStages"], at + ".omitStages");
      if (const auto res = node["resources"]) {
        if (!res.IsSequence()) throw std::runtime_error(at + ".resources: must be a list");
        for (const auto& gr : res) {
          rule.resources.push_back({gr["group"] ? gr["group"].as<std::string>() : "",
                                    strings(gr["resources"], at + ".resources.resources"),
                                    strings(gr["resourceNames"], at + ".resources.resourceNames")});
        }
      }
      if (!rule.non_resource_urls.empty() && (!rule.resources.empty() || !rule.namespaces.empty())) {
        throw std::runtime_error(at + ": nonResourceURLs cannot be combined with resources or namespaces");
      }
      policy.rules.push_back(std::move(rule));
    }
    return policy;
  } catch (const std::exception& e) {
    return make_error(Errc::InvalidArgument, e.what());
  }
}

Result<AuditPolicy> load_audit_policy(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::InvalidArgument, "--audit-policy-file: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto policy = parse_audit_policy(text.str());
  if (!policy) return make_error(Errc::InvalidArgument, "--audit-policy-file " + path + ": " + policy.error().message);
  return policy;
}

AuditDecision evaluate(const AuditPolicy& policy, const auth::RequestAttributes& request) {
  for (const auto& rule : policy.rules) {
    if (!matches(rule, request)) continue;
    AuditDecision d{rule.level, policy.omit_stages};
    d.omit_stages.insert(d.omit_stages.end(), rule.omit_stages.begin(), rule.omit_stages.end());
    return d;
  }
  return AuditDecision{AuditLevel::None, policy.omit_stages};
}

}  // namespace fedmetrics::api
