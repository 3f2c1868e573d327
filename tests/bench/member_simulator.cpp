// fedmetrics-member-simulator: N virtual member clusters in one process, for the benchmarks of issue #7.
//
// Each member gets its own HTTPS port on 127.0.0.1 (one http::HttpsServer per member, all on one
// io_context) and P pods. A member answers:
//   - the custom metrics API, v1beta2 and v1beta1: the group document, the resource lists, pods/{name|*}/{metric}
//     and namespaces/{ns}/metrics/{metric}, after a configurable delay (fixed + uniform or exponential jitter)
//     and failing with 503 at a configurable rate;
//   - the minimal kube API that karmada-metrics-adapter's member clients need (karmada v1.18.2
//     pkg/metricsadapter/controller.go: GET namespaces/kube-system as a reachability probe, pod and node
//     informers, ServerGroups() discovery on every metrics request): /version, /api, /api/v1, /apis,
//     namespaces, pods and nodes list and watch. A streaming watch-list (sendInitialEvents=true, client-go
//     1.35's WatchListClient) is refused as by an apiserver without that feature, so clients LIST then WATCH;
//     a plain watch is held open for min(timeoutSeconds, --watch-hold) and then ends with no events: the
//     objects never change.
// Every request counts, per member and per kind; GET /_sim/stats on any member port returns the counters and
// GET /_sim/reset zeroes them, GET /_sim/set?latency_ms=&jitter_ms=&error_rate= changes the delay and the error
// rate of every member (none of these is counted). Authentication is not checked: any token or client
// certificate (or none) is accepted.
//
// On start it writes <dir>/pki/ (a CA and a serving certificate for 127.0.0.1/localhost), <dir>/token and
// <dir>/members.yaml (fedmetrics' --members-config format, manifests/members-config.example.yaml), then
// prints one JSON line on stdout: {"ready":true,"members":N,"ports":[...],"ca_file":...,"token_file":...,
// "members_config":...}. SIGINT/SIGTERM stop it.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/http/https_server.hpp"
#include "server/http/message.hpp"
#include "server/http/router.hpp"
#include "server/http/self_signed_cert.hpp"
#include "server/http/tls_server_context.hpp"

namespace {

namespace asio = boost::asio;
namespace http = fedmetrics::http;
namespace net = fedmetrics::net;
using namespace std::chrono_literals;

struct SimOptions {
  int members = 2;
  int pods = 1;
  int threads = 1;
  double latency_ms = 0;       // fixed part of a custom-metrics answer's delay
  double jitter_ms = 0;        // random part: uniform in [0, jitter] or exponential with this mean
  std::string jitter_dist = "uniform";
  double error_rate = 0;       // fraction of custom-metrics reads answered 503
  int slow_members = 0;        // the first K members add --slow-extra-ms to every custom-metrics read
  double slow_extra_ms = 0;
  std::string dir;
  std::string namespace_name = "default";
  std::string app_label = "sample-app";
  std::vector<std::string> metrics{"http_requests"};
  int watch_hold_s = 300;
  std::uint64_t seed = 1;
};

enum Kind { kCustom = 0, kDiscovery, kKube, kWatch, kErrors, kKinds };
constexpr const char* kKindNames[kKinds] = {"custom", "discovery", "kube", "watch", "errors"};

std::string rfc3339_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string status_json(int code, const std::string& reason, const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" + message +
         R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
}

// Shared by every member: options, counters and the rendered bodies (they depend only on the member and the
// request, never on time, so each is rendered once).
class Simulation {
 public:
  explicit Simulation(SimOptions o)
      : opts_(std::move(o)),
        timestamp_(rfc3339_now()),
        latency_ms_(opts_.latency_ms),
        jitter_ms_(opts_.jitter_ms),
        error_rate_(opts_.error_rate) {
    for (int k = 0; k < kKinds; ++k) {
      counters_[k] = std::make_unique<std::atomic<std::uint64_t>[]>(static_cast<std::size_t>(opts_.members));
      for (int m = 0; m < opts_.members; ++m) counters_[k][static_cast<std::size_t>(m)] = 0;
    }
  }

  const SimOptions& options() const { return opts_; }
  void count(int member, Kind kind) { counters_[kind][static_cast<std::size_t>(member)].fetch_add(1, std::memory_order_relaxed); }

  void reset() {
    for (auto& c : counters_)
      for (int m = 0; m < opts_.members; ++m) c[static_cast<std::size_t>(m)] = 0;
  }

  // {"members":N,"total":{"custom":..},"min":{..},"max":{..}}: min/max over members show whether every member
  // got the same number of calls.
  std::string stats_json() const {
    std::string out = "{\"members\":" + std::to_string(opts_.members);
    for (const char* agg : {"total", "min", "max"}) {
      out += ",\"" + std::string(agg) + "\":{";
      for (int k = 0; k < kKinds; ++k) {
        std::uint64_t total = 0;
        std::uint64_t lo = UINT64_MAX;
        std::uint64_t hi = 0;
        for (int m = 0; m < opts_.members; ++m) {
          const auto v = counters_[k][static_cast<std::size_t>(m)].load(std::memory_order_relaxed);
          total += v;
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        const std::uint64_t v = agg[0] == 't' ? total : agg[1] == 'i' ? lo : hi;
        out += (k ? ",\"" : "\"") + std::string(kKindNames[k]) + "\":" + std::to_string(v);
      }
      out += "}";
    }
    return out + "}";
  }

  // GET /_sim/set?latency_ms=&jitter_ms=&error_rate=: lets one simulator serve several scenarios.
  void set(const http::Target& t) {
    if (auto v = t.param("latency_ms")) latency_ms_ = std::atof(v->c_str());
    if (auto v = t.param("jitter_ms")) jitter_ms_ = std::atof(v->c_str());
    if (auto v = t.param("error_rate")) error_rate_ = std::atof(v->c_str());
  }

  // The delay of one custom-metrics read of `member`.
  std::chrono::microseconds delay(int member) {
    thread_local std::mt19937_64 rng(opts_.seed ^ std::hash<std::thread::id>{}(std::this_thread::get_id()));
    double ms = latency_ms_.load(std::memory_order_relaxed);
    if (member < opts_.slow_members) ms += opts_.slow_extra_ms;
    const double jitter = jitter_ms_.load(std::memory_order_relaxed);
    if (jitter > 0) {
      if (opts_.jitter_dist == "exponential") {
        ms += std::exponential_distribution<double>(1.0 / jitter)(rng);
      } else {
        ms += std::uniform_real_distribution<double>(0, jitter)(rng);
      }
    }
    return std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000));
  }

  bool fail_now() {
    const double rate = error_rate_.load(std::memory_order_relaxed);
    if (rate <= 0) return false;
    thread_local std::mt19937_64 rng(opts_.seed * 7919 ^ std::hash<std::thread::id>{}(std::this_thread::get_id()));
    return std::uniform_real_distribution<double>(0, 1)(rng) < rate;
  }

  // Rendered once per (member, key); `render` runs outside the lock on a miss.
  template <typename F>
  std::shared_ptr<const std::string> cached(int member, const std::string& key, F render) {
    const std::string k = std::to_string(member) + '\n' + key;
    {
      std::lock_guard lock(mu_);
      if (auto it = bodies_.find(k); it != bodies_.end()) return it->second;
    }
    auto body = std::make_shared<const std::string>(render());
    std::lock_guard lock(mu_);
    return bodies_.emplace(k, std::move(body)).first->second;
  }

  std::string pod_name(int member, int i) const {
    return opts_.app_label + "-m" + std::to_string(member) + "-" + std::to_string(i);
  }
  const std::string& timestamp() const { return timestamp_; }

 private:
  SimOptions opts_;
  std::string timestamp_;
  std::atomic<double> latency_ms_;
  std::atomic<double> jitter_ms_;
  std::atomic<double> error_rate_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counters_[kKinds];
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> bodies_;
};

// True when a selector such as "app=sample-app" or "app in (x)" can match the pods' single label
// app=<app_label>. Only the shapes the benchmarks send are understood: empty, and comma-separated
// "key=value" / "key==value" terms; anything else matches.
bool selector_matches(const std::string& selector, const std::string& app) {
  std::size_t start = 0;
  while (start < selector.size()) {
    std::size_t end = selector.find(',', start);
    if (end == std::string::npos) end = selector.size();
    const std::string term = selector.substr(start, end - start);
    const auto eq = term.find('=');
    if (eq != std::string::npos && term.find_first_of("!(") == std::string::npos) {
      const std::string key = term.substr(0, eq);
      std::string value = term.substr(eq + 1);
      if (!value.empty() && value[0] == '=') value.erase(0, 1);
      if (key != "app" || value != app) return false;
    }
    start = end + 1;
  }
  return true;
}

class MemberHandler final : public http::Handler {
 public:
  MemberHandler(Simulation& sim, int index, std::uint16_t* port) : sim_(sim), index_(index), port_(port) {}

  net::awaitable<http::Response> handle(http::Request request, http::RequestContext) override {
    http::Response r;
    auto target = http::parse_target(request.target);
    if (!target) {
      r.status = 400;
      r.body = status_json(400, "BadRequest", "bad target");
      co_return r;
    }
    const auto& s = target->segments;
    const auto seg = [&](std::size_t i) -> const std::string& {
      static const std::string empty;
      return i < s.size() ? s[i] : empty;
    };
    if (seg(0) == "_sim") {
      if (seg(1) == "reset") sim_.reset();
      if (seg(1) == "set") sim_.set(*target);
      r.body = sim_.stats_json();
      co_return r;
    }
    if (seg(0) == "apis" && seg(1) == "custom.metrics.k8s.io" && s.size() >= 6) {
      co_return co_await custom_metric(*target);
    }
    if (seg(0) == "apis" && seg(1) == "metrics.k8s.io" && seg(2) == "v1beta1" && s.size() == 6 && seg(3) == "namespaces" &&
        seg(5) == "pods") {
      co_return co_await pod_metrics(*target);
    }
    if (seg(0) == "apis" && seg(1) == "custom.metrics.k8s.io") {
      sim_.count(index_, kDiscovery);
      r.body = s.size() == 2 ? group_document() : resource_list(seg(2));
      if (r.body.empty()) not_found(r);
      co_return r;
    }
    if (seg(0) == "api" || seg(0) == "apis" || seg(0) == "version") {
      co_return co_await kube(*target);
    }
    not_found(r);
    co_return r;
  }

  http::Response error_response(int code, std::string message) override {
    http::Response r;
    r.status = code;
    r.body = status_json(code, "InternalError", message);
    return r;
  }

 private:
  static void not_found(http::Response& r) {
    r.status = 404;
    r.body = status_json(404, "NotFound", "the server could not find the requested resource");
  }

  static std::string group_document() {
    return R"({"kind":"APIGroup","apiVersion":"v1","name":"custom.metrics.k8s.io","versions":[)"
           R"({"groupVersion":"custom.metrics.k8s.io/v1beta2","version":"v1beta2"},)"
           R"({"groupVersion":"custom.metrics.k8s.io/v1beta1","version":"v1beta1"}],)"
           R"("preferredVersion":{"groupVersion":"custom.metrics.k8s.io/v1beta2","version":"v1beta2"}})";
  }

  std::string resource_list(const std::string& version) const {
    if (version != "v1beta2" && version != "v1beta1") return "";
    std::string out = R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"custom.metrics.k8s.io/)" +
                      version + R"(","resources":[)";
    bool first = true;
    for (const auto& m : sim_.options().metrics) {
      for (const char* res : {"pods", "namespaces"}) {
        out += first ? "" : ",";
        first = false;
        out += R"({"name":")" + std::string(res) + "/" + m + R"(","singularName":"","namespaced":)" +
               (res[0] == 'p' ? "true" : "false") + R"(,"kind":"MetricValueList","verbs":["get"]})";
      }
    }
    return out + "]}";
  }

  // /apis/custom.metrics.k8s.io/{v}/namespaces/{ns}/pods/{name}/{metric}
  // /apis/custom.metrics.k8s.io/{v}/namespaces/{ns}/metrics/{metric}
  net::awaitable<http::Response> custom_metric(http::Target target) {
    sim_.count(index_, kCustom);
    http::Response r;
    const auto& s = target.segments;
    const std::string& version = s[2];
    std::string ns;
    std::string resource;
    std::string name;
    std::string metric;
    // Cluster-scoped objects (6 segments) are not simulated and fall through to 404.
    if (s.size() == 7 && s[3] == "namespaces" && s[5] == "metrics") {
      ns = s[4];
      resource = "namespaces";
      name = s[4];
      metric = s[6];
    } else if (s.size() == 8 && s[3] == "namespaces") {
      ns = s[4];
      resource = s[5];
      name = s[6];
      metric = s[7];
    }
    const auto& o = sim_.options();
    const bool known_metric = std::find(o.metrics.begin(), o.metrics.end(), metric) != o.metrics.end();
    if ((version != "v1beta2" && version != "v1beta1") || metric.empty() ||
        (resource != "pods" && resource != "namespaces") || !known_metric) {
      not_found(r);
      co_return r;
    }
    const auto delay = sim_.delay(index_);
    if (delay.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(delay);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (sim_.fail_now()) {
      sim_.count(index_, kErrors);
      r.status = 503;
      r.body = status_json(503, "ServiceUnavailable", "simulated member failure");
      co_return r;
    }
    const std::string selector = target.param("labelSelector").value_or("");
    const bool match = resource == "namespaces" || selector_matches(selector, o.app_label);
    const std::string key = version + '|' + ns + '|' + resource + '|' + name + '|' + metric + '|' + (match ? "1" : "0");
    r.body = *sim_.cached(index_, key, [&] { return render_metrics(version, ns, resource, name, metric, match); });
    co_return r;
  }

  // /apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods?labelSelector=...: a PodMetricsList of the pods, one
  // container each, as metrics-server or prometheus-adapter's resourceRules answer. Counted as a metric read.
  net::awaitable<http::Response> pod_metrics(http::Target target) {
    sim_.count(index_, kCustom);
    const std::string& ns = target.segments[4];
    const auto& o = sim_.options();
    const bool match = ns == o.namespace_name && selector_matches(target.param("labelSelector").value_or(""), o.app_label);
    http::Response r;
    r.body = *sim_.cached(index_, std::string("podmetrics|") + ns + '|' + (match ? "1" : "0"), [&] {
      std::string out = R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[)";
      for (int i = 0; match && i < o.pods; ++i) {
        out += i == 0 ? "" : ",";
        out += R"({"metadata":{"name":")" + sim_.pod_name(index_, i) + R"(","namespace":")" + ns +
               R"(","labels":{"app":")" + o.app_label + R"("}},"timestamp":")" + sim_.timestamp() +
               R"(","window":"15s","containers":[{"name":"app","usage":{"cpu":")" +
               std::to_string(1 + (index_ * 7 + i * 13) % 200) + R"(m","memory":")" +
               std::to_string(20 + (i % 40)) + R"(Mi"}}]})";
      }
      return out + "]}";
    });
    co_return r;
  }

  std::string render_metrics(const std::string& version, const std::string& ns, const std::string& resource,
                             const std::string& name, const std::string& metric, bool match) const {
    const bool v2 = version == "v1beta2";
    std::string out = R"({"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/)" + version +
                      R"(","metadata":{},"items":[)";
    const auto item = [&](const std::string& kind, const std::string& obj_ns, const std::string& obj_name,
                          const std::string& api_version, int i) {
      out += R"({"describedObject":{"kind":")" + kind + '"';
      if (!obj_ns.empty()) out += R"(,"namespace":")" + obj_ns + '"';
      out += R"(,"name":")" + obj_name + R"(","apiVersion":")" + api_version + R"("},)";
      if (v2) {
        out += R"("metric":{"name":")" + metric + R"("},)";
      } else {
        out += R"("metricName":")" + metric + R"(",)";
      }
      // A per-pod value that differs between pods and members, in milli-units.
      out += R"("timestamp":")" + sim_.timestamp() + R"(","value":")" +
             std::to_string(100 + (index_ * 7 + i * 13) % 900) + "m\"}";
    };
    if (resource == "namespaces") {
      item("Namespace", "", ns, "/v1", 0);
    } else if (match) {
      bool first = true;
      for (int i = 0; i < sim_.options().pods; ++i) {
        const std::string pod = sim_.pod_name(index_, i);
        if (name != "*" && name != pod) continue;
        if (!first) out += ',';
        first = false;
        item("Pod", ns, pod, "/v1", i);
      }
    }
    return out + "]}";
  }

  // ---------------------------------------------------------------- the kube API subset
  std::string pod_json(int i) const {
    const auto& o = sim_.options();
    return R"({"metadata":{"name":")" + sim_.pod_name(index_, i) + R"(","namespace":")" + o.namespace_name +
           R"(","uid":"sim-)" + std::to_string(index_) + "-" + std::to_string(i) +
           R"(","resourceVersion":"1","labels":{"app":")" + o.app_label +
           R"("}},"spec":{"nodeName":"sim-node-0","containers":[{"name":"app","image":"sim"}]},)"
           R"("status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})";
  }
  static std::string node_json() {
    return R"({"metadata":{"name":"sim-node-0","uid":"sim-node-0","resourceVersion":"1","labels":{"type":"sim"}},)"
           R"("spec":{},"status":{"conditions":[{"type":"Ready","status":"True"}]}})";
  }
  std::vector<std::string> objects(const std::string& kind, const std::string& ns) const {
    std::vector<std::string> out;
    if (kind == "pods") {
      if (!ns.empty() && ns != sim_.options().namespace_name) return out;
      for (int i = 0; i < sim_.options().pods; ++i) out.push_back(pod_json(i));
    } else if (kind == "nodes") {
      out.push_back(node_json());
    } else if (kind == "namespaces") {
      std::vector<std::string> names{"default", "kube-system"};
      if (sim_.options().namespace_name != "default" && sim_.options().namespace_name != "kube-system") {
        names.push_back(sim_.options().namespace_name);
      }
      for (const auto& n : names) {
        out.push_back(R"({"metadata":{"name":")" + n + R"(","uid":"ns-)" + n +
                      R"(","resourceVersion":"1"},"spec":{},"status":{"phase":"Active"}})");
      }
    }
    return out;
  }

  net::awaitable<http::Response> kube(http::Target target) {
    http::Response r;
    const auto& s = target.segments;
    const bool is_watch = target.param("watch").value_or("") == "true" || target.param("watch").value_or("") == "1";
    sim_.count(index_, is_watch ? kWatch : kKube);
    if (s.size() == 1 && s[0] == "version") {
      r.body = R"({"major":"1","minor":"36","gitVersion":"v1.36.3-sim","platform":"linux/amd64"})";
    } else if (s.size() == 1 && s[0] == "api") {
      r.body = R"({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0",)"
               R"("serverAddress":"127.0.0.1:)" + std::to_string(*port_) + R"("}]})";
    } else if (s.size() == 1 && s[0] == "apis") {
      // group_document() carries kind/apiVersion, which an APIGroupList entry may carry too (ignored).
      r.body = R"({"kind":"APIGroupList","apiVersion":"v1","groups":[)" + group_document() + "]}";
    } else if (s.size() == 2 && s[0] == "api" && s[1] == "v1") {
      r.body = R"({"kind":"APIResourceList","groupVersion":"v1","resources":[)"
               R"({"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["get","list","watch"]},)"
               R"({"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["get","list","watch"]},)"
               R"({"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list","watch"]}]})";
    } else if (s.size() >= 3 && s[0] == "api" && s[1] == "v1") {
      // /api/v1/{kind}[/{name}] or /api/v1/namespaces/{ns}/{kind}[/{name}]
      std::string ns;
      std::vector<std::string> rest(s.begin() + 2, s.end());
      if (rest.size() >= 3 && rest[0] == "namespaces") {
        ns = rest[1];
        rest.erase(rest.begin(), rest.begin() + 2);
      }
      const std::string kind = rest[0];
      if (kind != "pods" && kind != "nodes" && kind != "namespaces") {
        not_found(r);
        co_return r;
      }
      if (rest.size() == 2) {  // GET one object
        for (const auto& obj : objects(kind, ns)) {
          if (obj.find("\"name\":\"" + rest[1] + "\"") != std::string::npos) {
            r.body = with_kind(obj, kind);
            co_return r;
          }
        }
        not_found(r);
        co_return r;
      }
      if (is_watch) co_return co_await watch(target);
      const std::string list_kind = kind == "pods" ? "PodList" : kind == "nodes" ? "NodeList" : "NamespaceList";
      r.body = R"({"kind":")" + list_kind + R"(","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[)";
      bool first = true;
      for (const auto& obj : objects(kind, ns)) {
        r.body += first ? "" : ",";
        first = false;
        r.body += obj;
      }
      r.body += "]}";
    } else {
      not_found(r);
    }
    co_return r;
  }

  static std::string with_kind(const std::string& obj, const std::string& kind) {
    const std::string k = kind == "pods" ? "Pod" : kind == "nodes" ? "Node" : "Namespace";
    return R"({"kind":")" + k + R"(","apiVersion":"v1",)" + obj.substr(1);
  }

  net::awaitable<http::Response> watch(http::Target target) {
    http::Response r;
    if (target.param("sendInitialEvents").value_or("") == "true") {
      // What a kube-apiserver without the WatchList feature answers. client-go 1.35 (WatchListClient on by
      // default) then falls back to LIST + WATCH. Serving the initial events instead would need a streamed
      // response that stays open after the bookmark, which http::HttpsServer does not do; a stream that ends
      // right after the bookmark makes the reflector re-list every few seconds ("very short watch").
      r.status = 422;
      r.body = status_json(422, "Invalid", "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled");
      co_return r;
    }
    // Nothing ever changes: hold the watch, then end it without events (the client re-watches).
    int hold = sim_.options().watch_hold_s;
    if (auto t = target.param("timeoutSeconds")) hold = std::min(hold, std::max(1, std::atoi(t->c_str())));
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::seconds(hold));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return r;
  }

  Simulation& sim_;
  int index_;
  std::uint16_t* port_;
};

}  // namespace

int main(int argc, char** argv) {
  SimOptions o;
  CLI::App app{"fedmetrics-member-simulator: N virtual member clusters over HTTPS on 127.0.0.1"};
  app.add_option("--members", o.members, "Number of virtual members (one port each)")->check(CLI::Range(1, 5000));
  app.add_option("--pods", o.pods, "Pods per member")->check(CLI::Range(0, 100000));
  app.add_option("--threads", o.threads, "io_context threads")->check(CLI::Range(1, 64));
  app.add_option("--latency-ms", o.latency_ms, "Fixed delay of a custom-metrics read");
  app.add_option("--jitter-ms", o.jitter_ms, "Random delay added: uniform in [0,j] or exponential with mean j");
  app.add_option("--jitter-dist", o.jitter_dist, "uniform | exponential")->check(CLI::IsMember({"uniform", "exponential"}));
  app.add_option("--error-rate", o.error_rate, "Fraction of custom-metrics reads answered 503")->check(CLI::Range(0.0, 1.0));
  app.add_option("--slow-members", o.slow_members, "The first K members are slower by --slow-extra-ms");
  app.add_option("--slow-extra-ms", o.slow_extra_ms, "Extra delay of the slow members");
  app.add_option("--dir", o.dir, "Where to write pki/, token and members.yaml")->required();
  app.add_option("--namespace", o.namespace_name, "Namespace of the pods");
  app.add_option("--app-label", o.app_label, "Value of the pods' app label (and their name prefix)");
  app.add_option("--metric", o.metrics, "Metric names served (repeatable)");
  app.add_option("--watch-hold", o.watch_hold_s, "Longest a plain watch is held open, seconds");
  app.add_option("--seed", o.seed, "Random seed");
  CLI11_PARSE(app, argc, argv);

  try {
    std::filesystem::create_directories(o.dir);
    o.dir = std::filesystem::absolute(o.dir).string();
    http::SelfSignedRequest cert_req{o.dir + "/pki", {"127.0.0.1", "::1"}, {"localhost"}};
    auto certs = http::ensure_self_signed_cert(cert_req);
    if (!certs) throw std::runtime_error(certs.error().message);
    http::TlsSettings tls_settings;
    tls_settings.cert_file = certs->cert_file;
    tls_settings.key_file = certs->key_file;
    auto tls = http::TlsServerContext::create(tls_settings);
    if (!tls) throw std::runtime_error(tls.error().message);

    const std::string token_file = o.dir + "/token";
    { std::ofstream(token_file) << "fedmetrics-sim-token\n"; }

    Simulation sim(o);
    asio::io_context ioc(o.threads);
    std::vector<std::uint16_t> ports(static_cast<std::size_t>(o.members), 0);
    std::vector<std::unique_ptr<MemberHandler>> handlers;
    std::vector<std::unique_ptr<http::HttpsServer>> servers;
    http::ServerSettings settings;
    settings.bind_address = "127.0.0.1";
    settings.limits.idle_timeout = 300s;
    for (int m = 0; m < o.members; ++m) {
      handlers.push_back(std::make_unique<MemberHandler>(sim, m, &ports[static_cast<std::size_t>(m)]));
      servers.push_back(std::make_unique<http::HttpsServer>(ioc, **tls, *handlers.back(), settings));
      auto port = servers.back()->listen();
      if (!port) throw std::runtime_error("member " + std::to_string(m) + ": " + port.error().message);
      ports[static_cast<std::size_t>(m)] = *port;
      servers.back()->start();
    }

    const std::string members_config = o.dir + "/members.yaml";
    {
      std::ofstream y(members_config);
      y << "# written by fedmetrics-member-simulator (" << o.members << " members x " << o.pods << " pods)\nmembers:\n";
      for (int m = 0; m < o.members; ++m) {
        y << "  - name: sim-" << m << "\n    endpoint: https://127.0.0.1:" << ports[static_cast<std::size_t>(m)]
          << "\n    caFile: " << certs->ca_file << "\n    tokenFile: " << token_file << "\n";
      }
    }

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([](const boost::system::error_code&, int) {
      // Held watches and keep-alive connections make a graceful drain pointless for a simulator.
      std::fflush(stdout);
      std::_Exit(0);
    });

    std::string line = "{\"ready\":true,\"members\":" + std::to_string(o.members) + ",\"pods\":" +
                       std::to_string(o.pods) + ",\"ca_file\":\"" + certs->ca_file + "\",\"token_file\":\"" +
                       token_file + "\",\"members_config\":\"" + members_config + "\",\"ports\":[";
    for (std::size_t i = 0; i < ports.size(); ++i) line += (i ? "," : "") + std::to_string(ports[i]);
    line += "]}";
    std::cout << line << std::endl;

    std::vector<std::thread> pool;
    for (int t = 1; t < o.threads; ++t) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
  } catch (const std::exception& e) {
    std::cerr << "fedmetrics-member-simulator: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
