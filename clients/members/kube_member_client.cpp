#include "clients/members/kube_member_client.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "clients/base/text.hpp"
#include "clients/members/member_rate_limits.hpp"
#include "clients/transport/https_client.hpp"

namespace fedmetrics::members {
namespace {

constexpr std::string_view kCustomGroup = "/apis/custom.metrics.k8s.io";
constexpr std::string_view kExternalBase = "/apis/external.metrics.k8s.io/v1beta1";
constexpr std::string_view kResourceBase = "/apis/metrics.k8s.io/v1beta1";

std::chrono::milliseconds remaining(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

void append_query(std::string& path, std::string_view key, const std::string& value, bool& first) {
  if (value.empty()) return;
  path += first ? '?' : '&';
  first = false;
  path += key;
  path += '=';
  path += transport::escape_query_value(value);
}

// A member's error body reaches our clients (Warning headers, Status messages, /readyz?verbose) only as
// a short printable excerpt: a member answering control bytes or megabytes must not break or bloat them.
constexpr std::size_t kBodyExcerptBytes = 200;
// Bound on a whole member error message (our prefix, the path, decoder messages quoting member values).
constexpr std::size_t kMemberMessageBytes = 512;

// An excerpt of the message of a metav1.Status body if there is one, else of the raw body.
std::string status_message(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("message") && j["message"].is_string()) {
    return printable_excerpt(j["message"].get_ref<const std::string&>(), kBodyExcerptBytes);
  }
  return printable_excerpt(body, kBodyExcerptBytes);
}

}  // namespace

std::string custom_metrics_path(const CustomMetricsRequest& r, kubeapi::CustomMetricsVersion version) {
  std::string path(kCustomGroup);
  path += '/';
  path += kubeapi::to_string(version);
  const std::string name = r.name.empty() ? "*" : r.name;
  if (r.group.empty() && r.resource == "namespaces") {
    // The metric of a Namespace object has its own route (aggregated-api.md §1.6).
    path += "/namespaces/" + transport::escape_path_segment(name) + "/metrics/" +
            transport::escape_path_segment(r.metric);
  } else {
    if (!r.namespace_.empty()) path += "/namespaces/" + transport::escape_path_segment(r.namespace_);
    const std::string group_resource = r.group.empty() ? r.resource : r.resource + "." + r.group;
    path += "/" + transport::escape_path_segment(group_resource) + "/" + transport::escape_path_segment(name) + "/" +
            transport::escape_path_segment(r.metric);
  }
  bool first = true;
  append_query(path, "labelSelector", r.label_selector, first);
  append_query(path, "metricLabelSelector", r.metric_label_selector, first);
  return path;
}

std::string external_metrics_path(const ExternalMetricsRequest& r) {
  std::string path(kExternalBase);
  path += "/namespaces/" + transport::escape_path_segment(r.namespace_) + "/" + transport::escape_path_segment(r.metric);
  bool first = true;
  append_query(path, "labelSelector", r.label_selector, first);
  return path;
}

std::string resource_metrics_path(const ResourceMetricsRequest& r) {
  std::string path(kResourceBase);
  if (r.kind == kubeapi::ResourceMetricsKind::Pods && !r.namespace_.empty()) {
    path += "/namespaces/" + transport::escape_path_segment(r.namespace_);
  }
  path += "/";
  path += kubeapi::to_string(r.kind);
  if (!r.name.empty()) path += "/" + transport::escape_path_segment(r.name);
  bool first = true;
  append_query(path, "labelSelector", r.label_selector, first);
  append_query(path, "fieldSelector", r.field_selector, first);
  return path;
}

Result<std::vector<DiscoveredMetric>> decode_discovery(std::string_view json, bool external) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(Errc::ProtocolError, "discovery: invalid JSON");
  if (j.value("kind", "") != "APIResourceList") {
    return make_error(Errc::ProtocolError, "discovery: expected kind APIResourceList");
  }
  std::vector<DiscoveredMetric> out;
  const auto it = j.find("resources");
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) return make_error(Errc::ProtocolError, "discovery: resources is not a list");
  for (const auto& r : *it) {
    if (!r.is_object() || !r.contains("name") || !r["name"].is_string()) {
      return make_error(Errc::ProtocolError, "discovery: resource without a name");
    }
    const std::string name = r["name"].get<std::string>();
    DiscoveredMetric d;
    d.namespaced = r.contains("namespaced") && r["namespaced"].is_boolean() ? r["namespaced"].get<bool>() : true;
    if (external) {
      d.metric = name;
    } else {
      const auto slash = name.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == name.size()) {
        continue;  // not "<group-resource>/<metric>": a plain resource, ignore it
      }
      const std::string group_resource = name.substr(0, slash);
      d.metric = name.substr(slash + 1);
      const auto dot = group_resource.find('.');
      d.resource = group_resource.substr(0, dot);
      d.group = dot == std::string::npos ? "" : group_resource.substr(dot + 1);
    }
    out.push_back(std::move(d));
  }
  return out;
}

KubeMemberClient::KubeMemberClient(MemberCluster member, Clock& clock, KubeMemberClientOptions options,
                                   std::shared_ptr<kube::RequestLimiter> limiter)
    : member_(std::move(member)), clock_(clock), options_(options), limiter_(std::move(limiter)) {
  auto o = to_client_options(member_);
  if (!o) throw std::runtime_error(o.error().message);
  try {
    http_ = std::make_shared<transport::HttpsClient>(std::move(*o));
  } catch (const std::exception& e) {
    throw std::runtime_error("member " + member_.name + ": " + e.what());
  }
}

KubeMemberClient::~KubeMemberClient() = default;

Error KubeMemberClient::member_error(Errc code, std::string_view what) const {
  // Every error of this client passes here: decoder messages quote member values (a kind, a quantity).
  return make_error(code, "member " + member_.name + ": " + printable_excerpt(what, kMemberMessageBytes));
}

net::awaitable<Result<std::string>> KubeMemberClient::fetch(std::string path, Deadline deadline) {
  auto http = http_;  // the client may be dropped from the cache while this request runs
  if (auto limiter = limiter_) {
    auto slot = co_await limiter->acquire(deadline);
    if (!slot) co_return member_error(slot.error().code, slot.error().message);
  }
  // A named argument, not `{}`: g++ 12 destroys a brace-initialised temporary argument of a coroutine
  // call inside co_await twice (double free seen here).
  transport::Headers no_extra_headers;
  auto r = co_await http->get(path, std::move(no_extra_headers), remaining(deadline));
  if (!r) co_return member_error(r.error().code, r.error().message);
  const int status = r->status;
  if (status == 200) co_return std::move(r->body);
  const std::string msg = "GET " + path + ": HTTP " + std::to_string(status) + ": " + status_message(r->body);
  switch (status) {
    case 400: co_return member_error(Errc::InvalidArgument, msg);
    case 401: co_return member_error(Errc::Unauthorized, msg);
    case 403: co_return member_error(Errc::Forbidden, msg);
    case 404: co_return member_error(Errc::NotFound, msg);
    default: break;
  }
  co_return member_error(status == 429 || status >= 500 ? Errc::Unavailable : Errc::ProtocolError, msg);
}

net::awaitable<Result<kubeapi::CustomMetricsVersion>> KubeMemberClient::version(Deadline deadline) {
  {
    std::lock_guard lock(mu_);
    if (version_ && clock_.steady_now() < version_expiry_) co_return *version_;
  }
  kubeapi::CustomMetricsVersion chosen = kubeapi::CustomMetricsVersion::V1Beta1;
  if (member_.mode == MemberMode::Adapter) {
    // A Go adapter's own group document lists only v1beta1 although it serves both (aggregated-api.md
    // §1.2), so probe the v1beta2 resource list instead.
    std::string probe = std::string(kCustomGroup) + "/v1beta2";
    auto r = co_await fetch(std::move(probe), deadline);
    if (r) {
      chosen = kubeapi::CustomMetricsVersion::V1Beta2;
    } else if (r.error().code != Errc::NotFound) {
      co_return r.error();
    }
  } else {
    std::string group_path(kCustomGroup);
    auto r = co_await fetch(std::move(group_path), deadline);
    if (!r) co_return r.error();
    const auto j = nlohmann::json::parse(*r, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("versions") || !j["versions"].is_array()) {
      co_return member_error(Errc::ProtocolError, "custom.metrics.k8s.io group document is not an APIGroup");
    }
    bool v1beta1 = false;
    bool v1beta2 = false;
    for (const auto& v : j["versions"]) {
      const std::string version = v.is_object() ? v.value("version", "") : "";
      v1beta1 = v1beta1 || version == "v1beta1";
      v1beta2 = v1beta2 || version == "v1beta2";
    }
    if (!v1beta1 && !v1beta2) {
      co_return member_error(Errc::NotFound, "custom.metrics.k8s.io serves neither v1beta2 nor v1beta1");
    }
    chosen = v1beta2 ? kubeapi::CustomMetricsVersion::V1Beta2 : kubeapi::CustomMetricsVersion::V1Beta1;
  }
  std::lock_guard lock(mu_);
  version_ = chosen;
  version_expiry_ = clock_.steady_now() + options_.version_ttl;
  co_return chosen;
}

net::awaitable<Result<kubeapi::MetricValueList>> KubeMemberClient::get_custom_metrics(CustomMetricsRequest request,
                                                                                    Deadline deadline) {
  auto v = co_await version(deadline);
  if (!v) co_return v.error();
  std::string path = custom_metrics_path(request, *v);
  auto body = co_await fetch(std::move(path), deadline);
  if (!body) co_return body.error();
  auto list = kubeapi::decode_metric_value_list(*body, member_.name);
  if (!list) co_return member_error(Errc::ProtocolError, list.error().message);
  co_return std::move(*list);
}

net::awaitable<Result<kubeapi::ExternalMetricValueList>> KubeMemberClient::get_external_metrics(
    ExternalMetricsRequest request, Deadline deadline) {
  std::string path = external_metrics_path(request);
  auto body = co_await fetch(std::move(path), deadline);
  if (!body) co_return body.error();
  auto list = kubeapi::decode_external_metric_value_list(*body, member_.name);
  if (!list) co_return member_error(Errc::ProtocolError, list.error().message);
  co_return std::move(*list);
}

net::awaitable<Result<kubeapi::ResourceMetricsList>> KubeMemberClient::get_resource_metrics(
    ResourceMetricsRequest request, Deadline deadline) {
  std::string path = resource_metrics_path(request);
  auto body = co_await fetch(std::move(path), deadline);
  if (!body) co_return body.error();
  if (request.name.empty()) {
    auto list = kubeapi::decode_resource_metrics_list(*body, request.kind, member_.name);
    if (!list) co_return member_error(Errc::ProtocolError, list.error().message);
    co_return std::move(*list);
  }
  auto item = kubeapi::decode_resource_metrics(*body, request.kind, member_.name);
  if (!item) co_return member_error(Errc::ProtocolError, item.error().message);
  kubeapi::ResourceMetricsList one{request.kind, {}};
  one.items.push_back(std::move(*item));
  co_return one;
}

net::awaitable<Result<std::vector<DiscoveredMetric>>> KubeMemberClient::list_custom_metrics(Deadline deadline) {
  auto v = co_await version(deadline);
  if (!v) co_return v.error();
  std::string path = std::string(kCustomGroup) + "/" + std::string(kubeapi::to_string(*v));
  auto body = co_await fetch(std::move(path), deadline);
  if (!body) co_return body.error();
  auto list = decode_discovery(*body, false);
  if (!list) co_return member_error(Errc::ProtocolError, list.error().message);
  co_return std::move(*list);
}

net::awaitable<Result<std::vector<DiscoveredMetric>>> KubeMemberClient::list_external_metrics(Deadline deadline) {
  std::string path(kExternalBase);
  auto body = co_await fetch(std::move(path), deadline);
  if (!body) co_return body.error();
  auto list = decode_discovery(*body, true);
  if (!list) co_return member_error(Errc::ProtocolError, list.error().message);
  co_return std::move(*list);
}

MemberClientFactory kube_member_client_factory(Clock& clock, KubeMemberClientOptions options,
                                               MemberRateLimits* limits) {
  return [&clock, options, limits](const MemberCluster& m) -> std::shared_ptr<MemberClient> {
    return std::make_shared<KubeMemberClient>(m, clock, options, limits ? limits->for_member(m.name) : nullptr);
  };
}

}  // namespace fedmetrics::members
