#include "server/api/api_handler.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <nlohmann/json.hpp>

#include "clients/base/clock.hpp"
#include "clients/base/log.hpp"
#include "clients/base/text.hpp"
#include "clients/kubeapi/field_selector.hpp"
#include "clients/kubeapi/label_selector.hpp"
#include "clients/kubeapi/resource_metrics.hpp"
#include "server/api/discovery.hpp"
#include "server/api/metrics_endpoint.hpp"
#include "server/api/negotiation.hpp"
#include "server/api/name_validation.hpp"
#include "server/api/status_mapping.hpp"
#include "server/http/in_flight_limit.hpp"
#include "server/http/router.hpp"

namespace fedmetrics::api {
namespace {

enum Route : int {
  kHealthz,
  kHealthzCheck,
  kLivez,
  kLivezCheck,
  kReadyz,
  kReadyzCheck,
  kVersion,
  kMetrics,
  kOpenApiV2,
  kOpenApiV3,
  kOpenApiV3Group,
  kApi,
  kApis,
  kGroup,
  kGroupVersion,
  kCustomNamespacedObject,
  kCustomNamespaceMetric,
  kCustomClusterObject,
  kExternalMetric,
  kResourceNodes,
  kResourceNode,
  kResourcePods,
  kResourceNamespacedPods,
  kResourceNamespacedPod,
};

bool is_resource_route(int id) { return id >= kResourceNodes && id <= kResourceNamespacedPod; }

// Probes and scrapes are never refused for load (kube exempts them from max-in-flight too): a busy
// server must still say it is alive and show why it is busy.
bool is_exempt_from_inflight_limit(int id) { return id <= kReadyzCheck || id == kMetrics; }

http::Router make_router() {
  http::Router r;
  r.add("/healthz", kHealthz);
  r.add("/healthz/{check}", kHealthzCheck);
  r.add("/livez", kLivez);
  r.add("/livez/{check}", kLivezCheck);
  r.add("/readyz", kReadyz);
  r.add("/readyz/{check}", kReadyzCheck);
  r.add("/version", kVersion);
  r.add("/metrics", kMetrics);
  r.add("/openapi/v2", kOpenApiV2);
  r.add("/openapi/v3", kOpenApiV3);
  r.add("/openapi/v3/apis/{group}/{version}", kOpenApiV3Group);
  r.add("/api", kApi);
  r.add("/apis", kApis);
  r.add("/apis/{group}", kGroup);
  r.add("/apis/{group}/{version}", kGroupVersion);
  r.add("/apis/external.metrics.k8s.io/{version}/namespaces/{namespace}/{metric}", kExternalMetric);
  r.add("/apis/custom.metrics.k8s.io/{version}/namespaces/{namespace}/{resource}/{name}/{metric}",
        kCustomNamespacedObject);
  r.add("/apis/custom.metrics.k8s.io/{version}/namespaces/{namespace}/metrics/{metric}", kCustomNamespaceMetric);
  r.add("/apis/custom.metrics.k8s.io/{version}/{resource}/{name}/{metric}", kCustomClusterObject);
  r.add("/apis/metrics.k8s.io/{version}/nodes", kResourceNodes);
  r.add("/apis/metrics.k8s.io/{version}/nodes/{name}", kResourceNode);
  r.add("/apis/metrics.k8s.io/{version}/pods", kResourcePods);
  r.add("/apis/metrics.k8s.io/{version}/namespaces/{namespace}/pods", kResourceNamespacedPods);
  r.add("/apis/metrics.k8s.io/{version}/namespaces/{namespace}/pods/{name}", kResourceNamespacedPod);
  return r;
}

const char* kNotFound = "the server could not find the requested resource";

std::string verb_label(const std::string& method) {
  static const char* kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (const char* k : kKnown) {
    if (method == k) return method;
  }
  return "other";
}

// Warning headers (RFC 7234 §5.5, as Kubernetes sends them: 299 - "text"). Their text comes from members,
// so it is reduced to printable ASCII (Go's header parser, used by kubectl and kube-aggregator, rejects a
// response with control bytes in a header), each value is at most 256 bytes and all of them together at
// most 4 KiB (k8s.io/apiserver's warning recorder: 256 runes each, 4 Ki runes in total).
constexpr std::size_t kWarningValueBytes = 256;
constexpr std::size_t kWarningTotalBytes = 4096;

std::string warning_value(const std::string& text) {
  constexpr std::string_view kPrefix = "299 - \"";
  const std::string printable = printable_excerpt(text, kWarningValueBytes);
  std::string quoted;
  for (const char c : printable) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  const std::size_t room = kWarningValueBytes - kPrefix.size() - 1;
  if (quoted.size() > room) {
    quoted.resize(room - 3);
    if (!quoted.empty() && quoted.back() == '\\') quoted.pop_back();  // never leave a dangling escape
    quoted += "...";
  }
  return std::string(kPrefix) + quoted + '"';
}

void add_warnings(http::Response& r, const std::vector<std::string>& warnings) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < warnings.size(); ++i) {
    std::string value = warning_value(warnings[i]);
    // Keep room for the line that says how many were left out.
    if (total + value.size() + kWarningValueBytes > kWarningTotalBytes && i + 1 < warnings.size()) {
      r.headers.add("Warning", warning_value(std::to_string(warnings.size() - i) + " more warnings omitted"));
      return;
    }
    total += value.size();
    r.headers.add("Warning", value);
  }
}

// Reads the selector query parameter `param` with `parse` into its canonical form (left "" when absent);
// the 400 answer when it does not parse.
template <class Parse>
std::optional<http::Response> read_selector(const http::Target& target, const char* param, Parse parse,
                                            std::string& out) {
  if (auto text = target.param(param)) {
    auto selector = parse(*text);
    if (!selector) return status_response(400, "invalid " + std::string(param) + ": " + selector.error().message);
    out = selector->to_string();
  }
  return std::nullopt;
}

// The answer of every metrics read, whatever its kind: the provider's error as a Status, or `encode(list)`
// with one Warning header per member that failed. `members` receives the members whose answers were merged.
template <class List, class Encode>
http::Response answer_response(const Result<provider::Answer<List>>& answer, std::vector<std::string>& members,
                               Encode encode) {
  if (!answer) return status_response(status_for(answer.error()));
  members = answer->members;
  http::Response r = encode(answer->list);
  add_warnings(r, answer->warnings);
  return r;
}

// includeObject of a Table request (metav1.IncludeObjectPolicy); nullopt for an unknown value.
std::optional<kubeapi::IncludeObject> include_object(const http::Target& target) {
  const auto v = target.param("includeObject").value_or("");
  if (v.empty() || v == "Metadata") return kubeapi::IncludeObject::Metadata;
  if (v == "None") return kubeapi::IncludeObject::None;
  if (v == "Object") return kubeapi::IncludeObject::Object;
  return std::nullopt;
}

/// "127.0.0.1:53412" or "[::1]:53412" → the address alone.
std::string ip_of(const std::string& remote) {
  const auto colon = remote.rfind(':');
  std::string ip = colon == std::string::npos ? remote : remote.substr(0, colon);
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  return ip;
}

AuditEvent audit_event_for(const http::Request& request, const http::RequestContext& context,
                           const auth::GateOutcome& verdict) {
  AuditEvent e;
  const auto header_id = request.headers.get("audit-id");
  e.audit_id = header_id && !header_id->empty() ? std::string(*header_id) : new_audit_id();
  e.stage = "RequestReceived";
  e.request_uri = request.target;
  e.request = verdict.attributes;
  e.source_ips = {ip_of(context.remote_address)};
  e.user_agent = std::string(request.headers.get("user-agent").value_or(""));
  const auto now = std::chrono::system_clock::now();
  e.received = now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                         std::chrono::steady_clock::now() - context.received);
  e.stage_time = now;
  if (!verdict.method.empty()) e.annotations.emplace_back("fedmetrics.io/authentication", verdict.method);
  return e;
}

}  // namespace

struct ApiHandler::Impl {
  Impl(provider::MetricsProvider& p, auth::Gate& g, HealthChecks& h, prometheus::Registry& reg, VersionInfo v,
       AuditLog* a, std::size_t max_requests_inflight)
      : provider(p),
        gate(g),
        audit(a),
        health(h),
        registry(reg),
        version(std::move(v)),
        router(make_router()),
        inflight_limit(max_requests_inflight),
        requests(prometheus::BuildCounter()
                     .Name("fedmetrics_http_requests_total")
                     .Help("HTTP requests served, by verb, route template and status code.")
                     .Register(reg)),
        durations(prometheus::BuildHistogram()
                      .Name("fedmetrics_http_request_duration_seconds")
                      .Help("HTTP request latency from fully read to answered, by verb and route template.")
                      .Register(reg)),
        in_flight(prometheus::BuildGauge()
                      .Name("fedmetrics_http_requests_in_flight")
                      .Help("HTTP requests being handled.")
                      .Register(reg)
                      .Add({})) {
    prometheus::BuildGauge()
        .Name("fedmetrics_build_info")
        .Help("Build information; the value is always 1.")
        .Register(reg)
        .Add({{"git_version", version.git_version}, {"git_commit", version.git_commit}, {"compiler", version.compiler}})
        .Set(1);
  }

  provider::MetricsProvider& provider;
  auth::Gate& gate;
  AuditLog* audit;
  HealthChecks& health;
  prometheus::Registry& registry;
  std::vector<const prometheus::Collectable*> collectables;  // set before serving
  VersionInfo version;
  http::Router router;
  http::InFlightLimit inflight_limit;
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& durations;
  prometheus::Gauge& in_flight;

  void observe(const std::string& method, const std::string& route, int code,
               std::chrono::steady_clock::time_point start) {
    const auto verb = verb_label(method);
    requests.Add({{"verb", verb}, {"route", route}, {"code", std::to_string(code)}}).Increment();
    static const prometheus::Histogram::BucketBoundaries kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                  0.05,   0.1,   0.25,   0.5,   1,    2.5, 5, 10};
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    durations.Add({{"verb", verb}, {"route", route}}, kBuckets).Observe(elapsed.count());
  }

  http::Response version_response() const {
    nlohmann::ordered_json j{{"major", version.major},
                             {"minor", version.minor},
                             {"gitVersion", version.git_version},
                             {"gitCommit", version.git_commit},
                             {"gitTreeState", version.git_tree_state},
                             {"buildDate", version.build_date},
                             {"goVersion", ""},
                             {"compiler", version.compiler},
                             {"platform", version.platform}};
    return json_response(j.dump());
  }

  http::Response group_version_response(const std::string& group, const std::string& group_version) const {
    if (!serves(group, group_version)) return status_response(404, kNotFound);
    if (group == kExternalGroup) return json_response(external_resource_list_json(provider.list_external_metrics()));
    if (group == kResourceGroup) return json_response(resource_metrics_resource_list_json());
    return json_response(custom_resource_list_json(group_version, provider.list_custom_metrics()));
  }

  // `members` (owned by the awaiting caller) receives the members whose answers were merged.
  net::awaitable<http::Response> custom_metric(int route, const http::Router::Match& m, const http::Target& target,
                                               std::vector<std::string>& members) {
    const auto& p = m.params;
    const auto& api_version = p.at("version");
    if (!serves(kCustomGroup, api_version)) co_return status_response(404, kNotFound);

    provider::MetricQuery query;
    query.version = api_version == "v1beta1" ? kubeapi::CustomMetricsVersion::V1Beta1 : kubeapi::CustomMetricsVersion::V1Beta2;
    query.metric_name = p.at("metric");
    if (route == kCustomNamespaceMetric) {
      // The metric of the Namespace object itself: resource namespaces, name {ns}, cluster-scoped.
      query.resource = {"", "namespaces"};
      query.name = p.at("namespace");
    } else {
      if (route == kCustomNamespacedObject) query.namespace_ = p.at("namespace");
      query.resource = provider::GroupResource::parse(p.at("resource"));
      query.name = p.at("name") == "*" ? "" : p.at("name");
      if (route == kCustomClusterObject && query.resource == provider::GroupResource{"", "namespaces"}) {
        // "namespaces/{ns}/{metric}" is not a form of this API (the Go server answers the same).
        co_return status_response(400, "invalid request path");
      }
    }
    if (auto bad = validate_custom_query(query)) co_return status_response(400, *bad);

    if (auto bad = read_selector(target, "labelSelector", kubeapi::parse_label_selector, query.label_selector)) {
      co_return *bad;
    }
    if (auto bad = read_selector(target, "metricLabelSelector", kubeapi::parse_label_selector,
                                 query.metric_label_selector)) {
      co_return *bad;
    }
    auto answer = co_await provider.get_custom_metric(query);
    co_return answer_response(answer, members, [&query](const kubeapi::MetricValueList& list) {
      if (!query.name.empty() && list.items.empty()) {
        return status_response(404, "the server could not find the metric " + query.metric_name + " for " +
                                        query.resource.to_string() + " " + query.name);
      }
      return json_response(kubeapi::encode_metric_value_list(list, query.version));
    });
  }

  net::awaitable<http::Response> external_metric(const http::Router::Match& m, const http::Target& target,
                                                 std::vector<std::string>& members) {
    if (!serves(kExternalGroup, m.params.at("version"))) co_return status_response(404, kNotFound);
    provider::ExternalQuery query{m.params.at("namespace"), m.params.at("metric"), ""};
    if (auto bad = validate_external_query(query)) co_return status_response(400, *bad);
    if (auto bad = read_selector(target, "labelSelector", kubeapi::parse_label_selector, query.label_selector)) {
      co_return *bad;
    }
    auto answer = co_await provider.get_external_metric(query);
    co_return answer_response(answer, members, [](const kubeapi::ExternalMetricValueList& list) {
      return json_response(kubeapi::encode_external_metric_value_list(list));
    });
  }

  // metrics.k8s.io pods and nodes, as metrics-server answers them: JSON, a Table, or PartialObjectMetadata.
  net::awaitable<http::Response> resource_metrics(int route, const http::Router::Match& m, const http::Target& target,
                                                  MediaType media, std::vector<std::string>& members) {
    const auto& p = m.params;
    if (!serves(kResourceGroup, p.at("version"))) co_return status_response(404, kNotFound);
    provider::ResourceQuery query;
    query.kind = route == kResourceNodes || route == kResourceNode ? kubeapi::ResourceMetricsKind::Nodes
                                                                   : kubeapi::ResourceMetricsKind::Pods;
    if (route == kResourceNamespacedPods || route == kResourceNamespacedPod) query.namespace_ = p.at("namespace");
    if (route == kResourceNode || route == kResourceNamespacedPod) query.name = p.at("name");
    if (auto bad = validate_resource_query(query)) co_return status_response(400, *bad);
    const bool list = query.name.empty();
    if (list) {  // a get ignores list options, as the apiserver's GetOptions do
      if (auto bad = read_selector(target, "labelSelector", kubeapi::parse_label_selector, query.label_selector)) {
        co_return *bad;
      }
      if (auto bad = read_selector(target, "fieldSelector", kubeapi::parse_field_selector, query.field_selector)) {
        co_return *bad;
      }
    }
    const auto include = include_object(target);
    if (media.representation == Representation::Table && !include) {
      co_return status_response(400, "unrecognized includeObject value: \"" + target.param("includeObject").value_or("") + "\"");
    }
    // The apiserver refuses these conversions after reading (handlers/response.go); refuse before.
    const std::string kind = query.kind == kubeapi::ResourceMetricsKind::Pods ? "PodMetrics" : "NodeMetrics";
    if (media.representation == Representation::PartialObjectMetadata && list) {
      co_return status_response(406, "you requested PartialObjectMetadata, but the requested object is a list (*metrics." + kind + "List)");
    }
    if (media.representation == Representation::PartialObjectMetadataList && !list) {
      co_return status_response(406, "you requested PartialObjectMetadataList, but the requested object is not a list (*metrics." + kind + ")");
    }
    auto answer = co_await provider.get_resource_metrics(query);
    co_return answer_response(answer, members, [&](const kubeapi::ResourceMetricsList& items) {
      if (!list && items.items.size() != 1) {  // the provider answers one item; anything else is not this object
        return status_response(404, "the server could not find the requested resource");
      }
      switch (media.representation) {
        case Representation::Table:
          return json_response(kubeapi::encode_resource_metrics_table(items, media.meta_version, *include));
        case Representation::PartialObjectMetadata:
          return json_response(kubeapi::encode_partial_object_metadata(items.items.front(), media.meta_version));
        case Representation::PartialObjectMetadataList:
          return json_response(kubeapi::encode_partial_object_metadata_list(items, media.meta_version));
        case Representation::Json: break;
      }
      return json_response(list ? kubeapi::encode_resource_metrics_list(items)
                                : kubeapi::encode_resource_metrics(items.items.front(), items.kind));
    });
  }

  net::awaitable<http::Response> route(const http::Request& request, const http::Target& target,
                                       const http::Router::Match& m, std::vector<std::string>& members) {
    const auto& p = m.params;
    switch (m.id) {
      case kHealthz: co_return health.serve(HealthEndpoint::Healthz, target, std::nullopt);
      case kHealthzCheck: co_return health.serve(HealthEndpoint::Healthz, target, p.at("check"));
      case kLivez: co_return health.serve(HealthEndpoint::Livez, target, std::nullopt);
      case kLivezCheck: co_return health.serve(HealthEndpoint::Livez, target, p.at("check"));
      case kReadyz: co_return health.serve(HealthEndpoint::Readyz, target, std::nullopt);
      case kReadyzCheck: co_return health.serve(HealthEndpoint::Readyz, target, p.at("check"));
      case kMetrics: co_return metrics_response(registry, collectables);
      default: break;
    }
    // Everything else is JSON, or for metrics.k8s.io also a meta.k8s.io conversion: refuse what we cannot
    // produce (for /apis this 406 is what makes the aggregator fall back to legacy discovery,
    // aggregated-api.md §1.3).
    const auto media = negotiate(request.headers.get("accept"), is_resource_route(m.id));
    if (!media) {
      co_return status_response(406, "only the following media types are accepted: " + std::string(kServedMediaTypes));
    }
    switch (m.id) {
      case kVersion: co_return version_response();
      case kOpenApiV2: co_return json_response(openapi_v2_json(version.git_version));
      case kOpenApiV3: co_return json_response(openapi_v3_root_json(version.git_version));
      case kOpenApiV3Group: {
        auto doc = openapi_v3_group_json(p.at("group"), p.at("version"), version.git_version);
        if (doc.empty()) co_return status_response(404, kNotFound);
        co_return json_response(std::move(doc));
      }
      case kApi: co_return status_response(404, kNotFound);
      case kApis: co_return json_response(api_group_list_json());
      case kGroup: {
        const auto* g = find_group(p.at("group"));
        if (g == nullptr) co_return status_response(404, kNotFound);
        co_return json_response(api_group_json(*g));
      }
      case kGroupVersion: co_return group_version_response(p.at("group"), p.at("version"));
      case kCustomNamespacedObject:
      case kCustomNamespaceMetric:
      case kCustomClusterObject: co_return co_await custom_metric(m.id, m, target, members);
      case kExternalMetric: co_return co_await external_metric(m, target, members);
      case kResourceNodes:
      case kResourceNode:
      case kResourcePods:
      case kResourceNamespacedPods:
      case kResourceNamespacedPod: co_return co_await resource_metrics(m.id, m, target, *media, members);
      default: co_return status_response(404, kNotFound);
    }
  }
};

ApiHandler::ApiHandler(provider::MetricsProvider& provider, auth::Gate& gate, HealthChecks& health,
                       prometheus::Registry& registry, VersionInfo version, AuditLog* audit,
                       std::size_t max_requests_inflight)
    : impl_(std::make_unique<Impl>(provider, gate, health, registry, std::move(version), audit,
                                   max_requests_inflight)) {}

ApiHandler::~ApiHandler() = default;

void ApiHandler::add_collectable(const prometheus::Collectable& source) { impl_->collectables.push_back(&source); }

http::Response ApiHandler::error_response(int code, std::string message) {
  impl_->requests.Add({{"verb", "other"}, {"route", "rejected"}, {"code", std::to_string(code)}}).Increment();
  return status_response(code, std::move(message));
}

net::awaitable<http::Response> ApiHandler::handle(http::Request request, http::RequestContext context) {
  auto& impl = *impl_;
  impl.in_flight.Increment();
  struct Done {
    prometheus::Gauge& g;
    ~Done() { g.Decrement(); }
  } done{impl.in_flight};

  http::Response response;
  std::string route_label = "unmatched";
  auto target = http::parse_target(request.target);
  if (!target) {
    response = status_response(400, target.error().message);
    impl.observe(request.method, route_label, response.status, context.received);
    co_return response;
  }
  const auto match = impl.router.match(target->segments);
  if (match) route_label = match->pattern;
  std::optional<http::InFlightLimit::Slot> slot;
  if (!match || !is_exempt_from_inflight_limit(match->id)) {
    slot = impl.inflight_limit.try_acquire();
    if (!slot) {
      response = status_response(429, std::string(auth::kTooManyRequestsMessage));
      impl.observe(request.method, route_label, response.status, context.received);
      co_return response;
    }
  }
  std::vector<std::string> members;

  // Named arguments, not temporaries: g++ 12 destroys temporaries passed to a coroutine inside co_await twice.
  auth::AuthnRequest credentials{request.headers, context.peer};
  const auto verdict = co_await impl.gate.check(request.method, *target, std::move(credentials));
  // Audit: the policy's level for this request; RequestReceived now, ResponseComplete with the answer.
  const AuditDecision audit = impl.audit != nullptr ? impl.audit->decide(verdict.attributes) : AuditDecision{};
  AuditEvent audit_event;
  if (audit.level != AuditLevel::None) {
    audit_event = audit_event_for(request, context, verdict);
    audit_event.level = audit.level;
    if (!audit.omits("RequestReceived")) impl.audit->write(audit_event);
  }
  if (verdict.rejection) {
    response = status_response(*verdict.rejection);
  } else if (!match) {
    response = status_response(404, kNotFound);
  } else if (request.method != "GET" && request.method != "HEAD") {
    response = status_response(405, "the server does not allow this method on the requested resource");
    response.headers.add("Allow", "GET, HEAD");
  } else {
    response = co_await impl.route(request, *target, *match, members);
  }
  if (request.method == "HEAD") response.body.clear();  // Content-Length of the empty body; fine for probes
  impl.observe(request.method, route_label, response.status, context.received);
  if (audit.level != AuditLevel::None && !audit.omits("ResponseComplete")) {
    audit_event.stage = "ResponseComplete";
    audit_event.stage_time = std::chrono::system_clock::now();
    audit_event.code = response.status;
    if (audit.level == AuditLevel::RequestResponse || response.status >= 400) audit_event.response_body = response.body;
    if (!members.empty()) {
      std::string joined;
      for (const auto& m : members) joined += (joined.empty() ? "" : ",") + m;
      audit_event.annotations.emplace_back("fedmetrics.io/members", std::move(joined));
    }
    impl.audit->write(audit_event);
  }
  if (audit.level != AuditLevel::None) response.headers.add("Audit-Id", audit_event.audit_id);
  if (log::enabled(3)) {
    log::verbose(3, "request", {{"verb", request.method}, {"target", request.target}, {"code", response.status},
                                {"remote", context.remote_address}});
  }
  co_return response;
}

}  // namespace fedmetrics::api
