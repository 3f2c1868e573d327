#include "aggregation/fhpa/observe.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "aggregation/autoscaler/decide.hpp"
#include "aggregation/autoscaler/scenario_json.hpp"
#include "clients/kube/scale.hpp"
#include "clients/kubeapi/label_selector.hpp"

namespace fedmetrics::fhpa {

using autoscaler::MetricData;
using autoscaler::MetricSourceType;
using nlohmann::json;

namespace {

Millis unix_millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Millis parse_timestamp(const std::string& text, Millis fallback) {
  if (text.empty()) return fallback;
  auto t = autoscaler::parse_time(json(text));
  return t ? *t : fallback;
}

// The group-resource of an Object metric's describedObject (same mapping as scaleTargetRef).
Result<provider::GroupResource> described_resource(const autoscaler::ObjectReference& o) {
  if (o.kind == "Namespace") return provider::GroupResource{"", "namespaces"};
  auto ref = target_resource(ScaleTargetRef{o.api_version.empty() ? "v1" : o.api_version, o.kind, o.name});
  if (!ref) return ref.error();
  return provider::GroupResource{ref->group, ref->resource};
}

// Each member's part of an Object/External answer: its values, or why it has none. A member error message
// starts with "member <name>: "; the calculator names the member itself.
template <class List>
std::vector<autoscaler::ClusterValues> per_member(const provider::Answer<List>& answer) {
  std::vector<autoscaler::ClusterValues> out;
  auto entry = [&out](const std::string& cluster) -> autoscaler::ClusterValues& {
    for (auto& c : out) {
      if (c.cluster == cluster) return c;
    }
    out.push_back(autoscaler::ClusterValues{cluster, {}, std::nullopt});
    return out.back();
  };
  for (const auto& m : answer.members) entry(m);
  for (const auto& item : answer.list.items) entry(item.cluster).values.push_back(item.value.milli_value());
  for (const auto& f : answer.failed) {
    std::string message = f.message;
    if (const std::string prefix = "member " + f.cluster + ": "; message.starts_with(prefix)) {
      message.erase(0, prefix.size());
    }
    entry(f.cluster).error = f.code == Errc::NotFound ? "not found: " + message : message;
  }
  return out;
}

class Observer {
 public:
  Observer(FederatedHpa hpa, ObserveDeps deps) : hpa_(std::move(hpa)), deps_(std::move(deps)) {}

  net::awaitable<void> read_template(Observation& out) {
    auto& sc = out.scenario;
    auto ref = target_resource(hpa_.target);
    if (!ref) {
      sc.faults.get_scale_target_ref = true;
      out.problems.push_back(ref.error().message);
      co_return;
    }
    out.target = ref->in(hpa_.namespace_name);
    auto scale = co_await kube::get_scale(*deps_.control_plane, out.target, hpa_.target.name);
    if (!scale) {
      // The template is unreadable: FailedGetScaleTargetRef, before any member is asked.
      sc.faults.get_scale_target_ref = true;
      out.problems.push_back("template " + hpa_.target.name + ": " + scale.error().message);
      co_return;
    }
    out.template_scale = *scale;
    sc.target.spec_replicas = scale->spec_replicas;
    sc.target.status_replicas = scale->status_replicas;
    selector_ = scale->status_selector;
    if (selector_.empty()) {
      sc.target.selector_state = autoscaler::SelectorState::Missing;
    } else if (!kubeapi::parse_label_selector(selector_)) {
      sc.target.selector_state = autoscaler::SelectorState::Unparsable;
    }
    template_ok_ = true;
  }

  net::awaitable<void> read_members(Observation& out) {
    auto& sc = out.scenario;
    sc.clusters.emplace();
    const auto members = deps_.directory->snapshot();
    deps_.member_clients->retain(*members);
    const bool list_pods = sc.target.selector_state == autoscaler::SelectorState::Ok;
    for (const auto& member : *members) {
      autoscaler::MemberCluster cluster;
      cluster.name = member.name;
      auto client = deps_.member_clients->client_for(member);
      if (!client) {
        cluster.reachable = false;
        out.problems.push_back("member " + member.name + ": " + client.error().message);
        sc.clusters->push_back(cluster);
        continue;
      }
      auto scale = co_await kube::get_scale(**client, out.target, hpa_.target.name);
      if (!scale && scale.error().code == Errc::NotFound) continue;  // the workload does not run there
      if (!scale) {
        cluster.reachable = false;
        out.problems.push_back("member " + member.name + ": scale: " + scale.error().message);
        sc.clusters->push_back(cluster);
        continue;
      }
      cluster.spec_replicas = scale->spec_replicas;
      cluster.status_replicas = scale->status_replicas;
      if (list_pods) {
        kube::ListOptions options;
        options.label_selector = selector_;
        const kube::ResourceRef pods_ref = kube::resources::pods().in(hpa_.namespace_name);  // named (g++ 12)
        auto pods = co_await (*client)->list(pods_ref, options);
        if (!pods) {
          cluster.reachable = false;
          out.problems.push_back("member " + member.name + ": pods: " + pods.error().message);
        } else {
          for (const auto& item : pods->items) {
            if (auto pod = kube::decode<kube::Pod>(item)) sc.pods.push_back(to_autoscaler_pod(*pod, member.name));
          }
        }
      }
      sc.clusters->push_back(cluster);
    }
  }

  net::awaitable<MetricData> read_metric(const autoscaler::MetricSpec& spec, Millis now) {
    MetricData data;
    if (spec.type == MetricSourceType::Resource || spec.type == MetricSourceType::ContainerResource ||
        spec.type == MetricSourceType::Invalid) {
      co_return data;  // resource metrics: one PodMetrics read for all of them (read_pod_metrics); invalid types fail in decide()
    }
    auto metric_selector = metric_selector_string(spec.selector_text);
    if (!metric_selector) {
      data.error = "invalid metric selector: " + metric_selector.error().message;
      co_return data;
    }
    const auto started = std::chrono::steady_clock::now();
    bool ok = false;
    if (spec.type == MetricSourceType::External) {
      provider::ExternalQuery q{hpa_.namespace_name, spec.metric_name, *metric_selector};
      auto answer = co_await deps_.metrics->get_external_metric_by_cluster(q);
      if (answer) {
        ok = true;
        data.by_cluster = per_member(*answer);
      } else {
        data.error = "unable to get external metric " + hpa_.namespace_name + "/" + spec.metric_name + ": " + answer.error().message;
      }
    } else {
      provider::MetricQuery q;
      q.namespace_ = hpa_.namespace_name;
      q.metric_name = spec.metric_name;
      q.metric_label_selector = *metric_selector;
      if (spec.type == MetricSourceType::Pods) {
        q.resource = {"", "pods"};
        q.label_selector = selector_;
      } else {
        auto resource = described_resource(spec.described_object);
        if (!resource) {
          data.error = resource.error().message;
          co_return data;
        }
        q.resource = *resource;
        q.name = spec.described_object.name;
        if (spec.described_object.kind == "Namespace") q.namespace_.clear();
      }
      auto answer = co_await deps_.metrics->get_custom_metric_by_cluster(q);
      if (answer) {
        ok = true;
        if (spec.type == MetricSourceType::Pods) {
          // A member that failed leaves its pods without samples: they are "missing" (the HPA rule).
          data.samples = to_pod_samples(answer->list, now);
        } else {
          data.by_cluster = per_member(*answer);
        }
      } else {
        data.error = "unable to get metric " + spec.metric_name + ": " + answer.error().message;
      }
    }
    if (deps_.on_pull) {
      deps_.on_pull(spec.type, ok, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    co_return data;
  }

  // The PodMetrics of the workload's pods, read once for every Resource/ContainerResource metric (as the HPA's
  // metrics client does), from the in-process provider: each item keeps its cluster. Only the target clusters'
  // items count (a same-labelled pod elsewhere is no sample of this workload); a target member that failed
  // leaves its pods without samples, "missing" by the HPA rule. When the read fails, pod_metrics stays unset
  // and decide() reports the failed call.
  net::awaitable<void> read_pod_metrics(Observation& out, Millis now) {
    auto& sc = out.scenario;
    provider::ResourceQuery q{kubeapi::ResourceMetricsKind::Pods, hpa_.namespace_name, "", selector_, ""};
    const auto started = std::chrono::steady_clock::now();
    auto answer = co_await deps_.metrics->get_resource_metrics(q);
    if (deps_.on_pull) {
      deps_.on_pull(MetricSourceType::Resource, answer.has_value(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    if (!answer) {
      out.problems.push_back("resource metrics: " + answer.error().message);
      co_return;
    }
    std::set<std::string> targets;
    for (const auto& c : *sc.clusters) {
      if (c.reachable) targets.insert(c.name);
    }
    auto items = to_pod_metrics(answer->list, now);
    std::erase_if(items, [&targets](const autoscaler::PodMetricsItem& i) { return !targets.contains(i.cluster); });
    sc.pod_metrics = std::move(items);
  }

  bool template_ok() const { return template_ok_; }
  const FederatedHpa& hpa() const { return hpa_; }

 private:
  FederatedHpa hpa_;
  ObserveDeps deps_;
  std::string selector_;
  bool template_ok_ = false;
};

}  // namespace

autoscaler::Pod to_autoscaler_pod(const kube::Pod& pod, const std::string& cluster) {
  autoscaler::Pod p;
  p.name = pod.metadata.name;
  p.cluster = cluster;
  p.phase = pod.phase;
  if (const auto* ready = pod.ready_condition()) {
    p.ready = ready->status;
    if (ready->last_transition_time) p.ready_transition_time = unix_millis(*ready->last_transition_time);
  }
  if (pod.start_time) p.start_time = unix_millis(*pod.start_time);
  p.deleting = pod.metadata.deletion_timestamp.has_value();
  for (const auto& c : pod.containers) {
    autoscaler::Container container;
    container.name = c.name;
    for (const auto& [resource, quantity] : c.requests) container.requests[resource] = quantity.milli_value();
    p.containers.push_back(std::move(container));
  }
  return p;
}

std::vector<autoscaler::PodMetricsItem> to_pod_metrics(const kubeapi::ResourceMetricsList& list, Millis now) {
  std::vector<autoscaler::PodMetricsItem> out;
  out.reserve(list.items.size());
  for (const auto& item : list.items) {
    autoscaler::PodMetricsItem m;
    m.pod = item.metadata.name;
    m.cluster = item.cluster;
    m.timestamp = parse_timestamp(item.timestamp, now);
    m.window = item.window_ns / 1'000'000;
    for (const auto& c : item.containers) {
      autoscaler::ContainerUsage usage{c.name, {}};
      for (const auto& [resource, quantity] : c.usage) usage.usage[resource] = quantity.milli_value();
      m.containers.push_back(std::move(usage));
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<autoscaler::PodSample> to_pod_samples(const kubeapi::MetricValueList& list, Millis now) {
  std::vector<autoscaler::PodSample> out;
  out.reserve(list.items.size());
  for (const auto& item : list.items) {
    autoscaler::PodSample s;
    s.pod = item.described_object.name;
    s.cluster = item.cluster;
    s.value = item.value.milli_value();
    s.timestamp = parse_timestamp(item.timestamp, now);
    if (item.window_seconds) s.window = *item.window_seconds * 1000;
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::string> metric_selector_string(const std::string& selector_json) {
  if (selector_json.empty() || selector_json == "<nil>") return std::string();
  const json j = json::parse(selector_json, nullptr, false);
  if (!j.is_object()) return make_error(Errc::InvalidArgument, "metric selector: expected an object");
  std::vector<std::string> parts;
  if (auto ml = j.find("matchLabels"); ml != j.end() && ml->is_object()) {
    for (const auto& [k, v] : ml->items()) {
      if (!v.is_string()) return make_error(Errc::InvalidArgument, "metric selector: matchLabels values must be strings");
      parts.push_back(k + "=" + v.get<std::string>());
    }
  }
  if (auto me = j.find("matchExpressions"); me != j.end() && me->is_array()) {
    for (const auto& e : *me) {
      const std::string key = e.value("key", "");
      const std::string op = e.value("operator", "");
      std::string values;
      if (auto vs = e.find("values"); vs != e.end() && vs->is_array()) {
        for (const auto& v : *vs) {
          if (!v.is_string()) return make_error(Errc::InvalidArgument, "metric selector: values must be strings");
          values += (values.empty() ? "" : ",") + v.get<std::string>();
        }
      }
      if (op == "In") parts.push_back(key + " in (" + values + ")");
      else if (op == "NotIn") parts.push_back(key + " notin (" + values + ")");
      else if (op == "Exists") parts.push_back(key);
      else if (op == "DoesNotExist") parts.push_back("!" + key);
      else return make_error(Errc::InvalidArgument, "metric selector: unknown operator \"" + op + "\"");
    }
  }
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : ",") + p;
  auto parsed = kubeapi::parse_label_selector(text);
  if (!parsed) return make_error(Errc::InvalidArgument, "metric selector: " + parsed.error().message);
  return parsed->to_string();
}

net::awaitable<Observation> observe(FederatedHpa hpa, autoscaler::Options options, autoscaler::History history,
                                    Millis now, ObserveDeps deps) {
  Observation out;
  auto& sc = out.scenario;
  sc.now = now;
  sc.options = options;
  sc.hpa = hpa.spec;
  sc.status = hpa.status;
  sc.history = std::move(history);
  Observer observer(std::move(hpa), std::move(deps));
  co_await observer.read_template(out);
  if (!observer.template_ok()) {
    sc.clusters.emplace();  // federated mode; decide() stops at FailedGetScaleTargetRef
    co_return out;
  }
  co_await observer.read_members(out);
  const bool have_pods_to_measure = sc.target.selector_state == autoscaler::SelectorState::Ok && !sc.clusters->empty();
  const auto& metrics = sc.hpa.metrics;
  // No metrics means the default cpu 80 % (decide() applies it): a Resource metric too.
  const bool resource_metrics = metrics.empty() || std::any_of(metrics.begin(), metrics.end(), [](const auto& m) {
    return m.type == MetricSourceType::Resource || m.type == MetricSourceType::ContainerResource;
  });
  if (have_pods_to_measure && resource_metrics) co_await observer.read_pod_metrics(out, now);
  for (const auto& spec : metrics) {
    if (!have_pods_to_measure) {
      sc.metric_data.emplace_back();
      continue;
    }
    auto data = co_await observer.read_metric(spec, now);
    sc.metric_data.push_back(std::move(data));
  }
  co_return out;
}

net::awaitable<Evaluation> evaluate(FederatedHpa hpa, autoscaler::Options options, autoscaler::History history,
                                    Millis now, ObserveDeps deps) {
  Evaluation out;
  // Named arguments (copies): g++ 12 destroys a temporary argument of a coroutine call inside co_await twice.
  out.observation = co_await observe(hpa, options, history, now, deps);
  out.decision = autoscaler::decide(out.observation.scenario);
  co_return out;
}

}  // namespace fedmetrics::fhpa
