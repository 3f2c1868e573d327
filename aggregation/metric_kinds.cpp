#include "aggregation/metric_kinds.hpp"

namespace fedmetrics::aggregation {
namespace {

// Fields joined by a separator that cannot occur in names or canonical selectors.
std::string key_of(char tag, std::initializer_list<const std::string*> parts) {
  std::string k(1, tag);
  for (const std::string* part : parts) {
    k += '\x1f';
    k += *part;
  }
  return k;
}

}  // namespace

// ---- custom.metrics.k8s.io ----

std::string CustomKind::cache_key(const Query& q, View view) {
  // The member picks its own API version and the merged list is version-independent, so the version is
  // not part of the key. The two views of the same fan-out are different answers.
  return key_of(view == View::ByCluster ? 'C' : 'c', {&q.resource.group, &q.resource.resource, &q.namespace_, &q.name,
                                                       &q.metric_name, &q.label_selector, &q.metric_label_selector});
}

std::string CustomKind::not_found(const Query& q) {
  // custom-metrics-apiserver pkg/provider/errors.go wording.
  std::string m = "the server could not find the metric " + q.metric_name + " for " + q.resource.to_string();
  if (!q.name.empty()) m += " " + q.name;
  if (q.name.empty() && !q.label_selector.empty()) m += " with selector " + q.label_selector;
  return m;
}

MemberCall<CustomKind::List> CustomKind::member_call(const Query& q) {
  members::CustomMetricsRequest request{q.resource.group, q.resource.resource, q.namespace_, q.name,
                                        q.metric_name,    q.label_selector,    q.metric_label_selector};
  return [request](std::shared_ptr<members::MemberClient> c, members::Deadline d) {
    return c->get_custom_metrics(request, d);
  };
}

Result<CustomKind::List> CustomKind::merge(std::vector<MemberAnswer<List>> ok, const Query&, View view) {
  auto merged = merge_custom(std::move(ok));
  if (view == View::ByCluster) return merged;
  return collapse_duplicates(std::move(merged));  // moved: a 100k-item answer is not copied
}

// ---- external.metrics.k8s.io ----

std::string ExternalKind::cache_key(const Query& q, View view) {
  return key_of(view == View::ByCluster ? 'E' : 'e', {&q.namespace_, &q.metric_name, &q.label_selector});
}

std::string ExternalKind::not_found(const Query& q) {
  return "the server could not find the external metric " + q.metric_name;
}

MemberCall<ExternalKind::List> ExternalKind::member_call(const Query& q) {
  members::ExternalMetricsRequest request{q.namespace_, q.metric_name, q.label_selector};
  return [request](std::shared_ptr<members::MemberClient> c, members::Deadline d) {
    return c->get_external_metrics(request, d);
  };
}

Result<ExternalKind::List> ExternalKind::merge(std::vector<MemberAnswer<List>> ok, const Query&, View view) {
  auto merged = merge_external(std::move(ok));
  if (view == View::ByCluster) return merged;
  return collapse_external(merged);
}

// ---- metrics.k8s.io ----

std::string ResourceKind::cache_key(const Query& q, View) {
  const std::string kind(kubeapi::to_string(q.kind));
  return key_of('r', {&kind, &q.namespace_, &q.name, &q.label_selector, &q.field_selector});
}

std::string ResourceKind::not_found(const Query& q) {
  // The apiserver's NotFound wording for the metrics.k8s.io resource (metrics-server pkg/api/pod.go, node.go).
  const std::string resource = q.kind == kubeapi::ResourceMetricsKind::Pods ? "podmetrics" : "nodemetrics";
  if (q.name.empty()) return "the server could not find the requested resource (no member cluster serves metrics.k8s.io)";
  const std::string name = q.namespace_.empty() ? q.name : q.namespace_ + "/" + q.name;
  return resource + ".metrics.k8s.io \"" + name + "\" not found";
}

MemberCall<ResourceKind::List> ResourceKind::member_call(const Query& q) {
  members::ResourceMetricsRequest request{q.kind, q.namespace_, q.name, q.label_selector, q.field_selector};
  return [request](std::shared_ptr<members::MemberClient> c, members::Deadline d) {
    return c->get_resource_metrics(request, d);
  };
}

Result<ResourceKind::List> ResourceKind::merge(std::vector<MemberAnswer<List>> ok, const Query& q, View) {
  auto merged = merge_resource(std::move(ok), q.kind);
  if (q.name.empty()) return merged;
  return single_object(std::move(merged), q.name);
}

}  // namespace fedmetrics::aggregation
