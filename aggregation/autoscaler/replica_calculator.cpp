#include "aggregation/autoscaler/replica_calculator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "clients/base/result.hpp"

namespace fedmetrics::autoscaler {

bool Tolerances::within(double ratio) const {
  if (form == ToleranceForm::Abs) return 1.0 - ratio <= down && ratio - 1.0 <= up;
  return (1.0 - down) <= ratio && ratio <= (1.0 + up);
}

std::int32_t saturate_int32(double x) {
  if (std::isnan(x)) return 0;
  if (x >= static_cast<double>(std::numeric_limits<std::int32_t>::max())) return std::numeric_limits<std::int32_t>::max();
  if (x <= static_cast<double>(std::numeric_limits<std::int32_t>::min())) return std::numeric_limits<std::int32_t>::min();
  return static_cast<std::int32_t>(x);
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  }
  return out;
}

namespace {

std::int64_t saturate_int64(double x) {
  if (std::isnan(x)) return 0;
  // 2^63 is the first double above int64 max.
  if (x >= 9223372036854775808.0) return std::numeric_limits<std::int64_t>::max();
  if (x <= -9223372036854775808.0) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(x);
}

const char* failure_reason(MetricSourceType t) {
  switch (t) {
    case MetricSourceType::Resource: return "FailedGetResourceMetric";
    case MetricSourceType::ContainerResource: return "FailedGetContainerResourceMetric";
    case MetricSourceType::Pods: return "FailedGetPodsMetric";
    case MetricSourceType::Object: return "FailedGetObjectMetric";
    case MetricSourceType::External: return "FailedGetExternalMetric";
    case MetricSourceType::Invalid: break;
  }
  return "InvalidMetricSourceType";
}

// The target kind a metric uses: the explicit type, else the upstream field order.
TargetType effective_target(const MetricSpec& m) {
  if (m.target.type != TargetType::Unset) return m.target.type;
  switch (m.type) {
    case MetricSourceType::Resource:
    case MetricSourceType::ContainerResource:
      if (m.target.average_value) return TargetType::AverageValue;
      if (m.target.average_utilization) return TargetType::Utilization;
      return TargetType::Unset;
    case MetricSourceType::Pods: return TargetType::AverageValue;
    case MetricSourceType::Object:
    case MetricSourceType::External:
      if (m.target.value) return TargetType::Value;
      if (m.target.average_value) return TargetType::AverageValue;
      return TargetType::Unset;
    case MetricSourceType::Invalid: break;
  }
  return TargetType::Unset;
}

Error bad(std::string msg) { return make_error(Errc::InvalidArgument, std::move(msg)); }

// --- samples and requests -------------------------------------------------------------------------

Result<SampleMap> resource_samples(const CalcContext& ctx, const std::string& resource, const std::string& container) {
  const auto& pm = *ctx.pod_metrics;
  if (!pm) return bad("unable to get metrics for resource " + resource + ": the resource metrics API call failed");
  if (pm->empty()) return bad("unable to get metrics for resource " + resource + ": no metrics returned from resource metrics API");
  SampleMap out;
  for (const auto& item : *pm) {
    const std::string key = pod_key(item.cluster, item.pod, ctx.options->pod_key);
    std::int64_t sum = 0;
    if (container.empty()) {
      // A pod with any container lacking the resource (or none at all) is dropped -> "missing".
      bool missing = item.containers.empty();
      for (const auto& c : item.containers) {
        const auto it = c.usage.find(resource);
        if (it == c.usage.end()) {
          missing = true;
          break;
        }
        sum = saturating_add(sum, it->second);
      }
      if (missing) continue;
    } else {
      const auto c = std::find_if(item.containers.begin(), item.containers.end(),
                                  [&](const ContainerUsage& u) { return u.name == container; });
      if (c == item.containers.end()) {
        if (ctx.options->missing_container_metric == MissingContainerMetric::Error) {
          return bad("unable to get metrics for resource " + resource + ": container " + container +
                     " not present in metrics for pod " + item.pod);
        }
        continue;
      }
      const auto it = c->usage.find(resource);
      if (it == c->usage.end()) continue;
      sum = it->second;
    }
    out[key] = Sample{sum, item.timestamp, item.window};
  }
  return out;
}

Result<std::map<std::string, std::int64_t>> pod_requests(const CalcContext& ctx, const std::string& resource,
                                                         const std::string& container) {
  std::map<std::string, std::int64_t> out;
  for (const Pod* pod : ctx.pods) {
    std::int64_t request = 0;
    if (!container.empty()) {
      const auto c = std::find_if(pod->containers.begin(), pod->containers.end(),
                                  [&](const Container& x) { return x.name == container; });
      if (c == pod->containers.end()) {
        if (ctx.options->missing_container_request == MissingContainerRequest::Error) {
          return bad("container " + container + " not present in Pod " + pod->name);
        }
      } else {
        const auto it = c->requests.find(resource);
        if (it == c->requests.end()) {
          return bad("missing request for " + resource + " in container " + container + " of Pod " + pod->name);
        }
        request = it->second;
      }
    } else {
      for (const auto& c : pod->containers) {
        const auto it = c.requests.find(resource);
        if (it == c.requests.end()) {
          return bad("missing request for " + resource + " in container " + c.name + " of Pod " + pod->name);
        }
        request = saturating_add(request, it->second);
      }
    }
    out[pod_key(pod->cluster, pod->name, ctx.options->pod_key)] = request;
  }
  return out;
}

struct Utilization {
  double ratio = 0;
  std::int32_t util = 0;
  std::int64_t raw_average = 0;
};

// GetResourceUtilizationRatio: samples without a request entry (superfluous) do not count.
Result<Utilization> utilization_ratio(const SampleMap& samples, const std::map<std::string, std::int64_t>& requests,
                                      std::int32_t target) {
  std::int64_t metrics_total = 0, requests_total = 0, n = 0;
  for (const auto& [key, s] : samples) {
    const auto it = requests.find(key);
    if (it == requests.end()) continue;
    metrics_total = saturating_add(metrics_total, s.value);
    requests_total = saturating_add(requests_total, it->second);
    ++n;
  }
  if (requests_total == 0) return bad("no metrics returned matched known pods");
  Utilization u;
  // 128-bit intermediate: absurd inputs must not overflow (upstream computes this in int64).
  __extension__ using Wide = __int128;
  const Wide wide = static_cast<Wide>(metrics_total) * 100 / requests_total;
  const std::int64_t util64 = wide > std::numeric_limits<std::int64_t>::max()   ? std::numeric_limits<std::int64_t>::max()
                              : wide < std::numeric_limits<std::int64_t>::min() ? std::numeric_limits<std::int64_t>::min()
                                                                                : static_cast<std::int64_t>(wide);
  u.util = static_cast<std::int32_t>(std::clamp<std::int64_t>(util64, std::numeric_limits<std::int32_t>::min(),
                                                              std::numeric_limits<std::int32_t>::max()));
  u.ratio = static_cast<double>(u.util) / static_cast<double>(target);
  u.raw_average = metrics_total / n;
  return u;
}

struct Usage {
  double ratio = 0;
  std::int64_t usage = 0;
};

// GetMetricUsageRatio: integer average over every remaining sample (superfluous included).
Usage usage_ratio(const SampleMap& samples, std::int64_t target) {
  std::int64_t total = 0;
  for (const auto& [key, s] : samples) total = saturating_add(total, s.value);
  Usage u;
  u.usage = total / static_cast<std::int64_t>(samples.size());
  u.ratio = static_cast<double>(u.usage) / static_cast<double>(target);
  return u;
}

void record_groups(const PodGroups& g, MetricTrace& trace) {
  trace.ready_count = g.ready_count;
  trace.unready.assign(g.unready.begin(), g.unready.end());
  trace.missing.assign(g.missing.begin(), g.missing.end());
  trace.ignored.assign(g.ignored.begin(), g.ignored.end());
}

GroupingOptions grouping_options(const CalcContext& ctx) {
  return GroupingOptions{ctx.options->cpu_initialization_period, ctx.options->initial_readiness_delay,
                         ctx.options->ignore_succeeded_pods, ctx.options->pod_key};
}

// Shared tail of §2.3/§2.4: tolerance or ceil(ratio * ready / calibration), else the rebalance guards.
// `new_ratio` is computed by the caller after the fill-ins.
std::int32_t direct_replicas(const CalcContext& ctx, double ratio, std::int32_t ready) {
  if (ctx.tolerances.within(ratio)) return ctx.current_replicas;
  return saturate_int32(std::ceil(ratio * static_cast<double>(ready) / ctx.calibration));
}

std::int32_t rebalanced_replicas(const CalcContext& ctx, double ratio, double new_ratio, std::size_t n) {
  const std::int32_t cur = ctx.current_replicas;
  if (ctx.tolerances.within(new_ratio) || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0)) {
    return cur;  // too small a change, or the fill-ins flip the direction
  }
  const std::int32_t replicas = saturate_int32(std::ceil(new_ratio * static_cast<double>(n) / ctx.calibration));
  if ((new_ratio < 1.0 && replicas > cur) || (new_ratio > 1.0 && replicas < cur)) return cur;
  return replicas;
}

// --- calculators ----------------------------------------------------------------------------------

Result<void> no_pods_error(const CalcContext& ctx) {
  if (ctx.pods.empty()) return bad("no pods returned by selector while calculating replica count");
  return ok();
}

Result<void> resource_utilization(const MetricSpec& m, std::int32_t target, const CalcContext& ctx, MetricResult& r) {
  auto samples = resource_samples(ctx, m.resource_name, m.container);
  if (!samples) return samples.error();
  if (auto e = no_pods_error(ctx); !e) return e;
  const PodGroups g = group_pods(ctx.pods, *samples, m.resource_name, grouping_options(ctx), ctx.now);
  record_groups(g, r.trace);
  remove_samples(*samples, g.ignored);
  remove_samples(*samples, g.unready);
  if (samples->empty()) return bad("did not receive metrics for targeted pods (pods might be unready)");
  auto requests = pod_requests(ctx, m.resource_name, m.container);
  if (!requests) return requests.error();
  auto u = utilization_ratio(*samples, *requests, target);
  if (!u) return u.error();
  r.trace.ratio = u->ratio;
  r.current.average_utilization = u->util;
  r.current.average_value = u->raw_average;

  const bool scale_up_with_unready = !g.unready.empty() && u->ratio > 1.0;
  if (!scale_up_with_unready && g.missing.empty()) {
    r.replicas = direct_replicas(ctx, u->ratio, g.ready_count);
    return ok();
  }
  if (!g.missing.empty()) {
    if (u->ratio < 1.0) {
      const std::int64_t fallback = std::max<std::int64_t>(100, target);
      for (const auto& k : g.missing) {
        const auto it = requests->find(k);
        const std::int64_t req = it == requests->end() ? 0 : it->second;
        __extension__ using Wide = __int128;
        const Wide fill = static_cast<Wide>(req) * fallback / 100;
        (*samples)[k] = Sample{fill > std::numeric_limits<std::int64_t>::max() ? std::numeric_limits<std::int64_t>::max()
                                                                                : static_cast<std::int64_t>(fill),
                               0, 0};
      }
    } else if (u->ratio > 1.0) {
      for (const auto& k : g.missing) (*samples)[k] = Sample{};
    }
  }
  if (scale_up_with_unready) {
    for (const auto& k : g.unready) (*samples)[k] = Sample{};
  }
  auto nu = utilization_ratio(*samples, *requests, target);
  if (!nu) return nu.error();
  r.trace.new_ratio = nu->ratio;
  r.replicas = rebalanced_replicas(ctx, u->ratio, nu->ratio, samples->size());
  return ok();
}

// calcPlainMetricReplicas (§2.4), shared by Resource AverageValue and Pods.
Result<void> plain_metric(SampleMap samples, std::int64_t target, const std::string& resource,
                          const CalcContext& ctx, MetricResult& r) {
  if (auto e = no_pods_error(ctx); !e) return e;
  const PodGroups g = group_pods(ctx.pods, samples, resource, grouping_options(ctx), ctx.now);
  record_groups(g, r.trace);
  remove_samples(samples, g.ignored);
  remove_samples(samples, g.unready);
  if (samples.empty()) return bad("did not receive metrics for targeted pods (pods might be unready)");
  const Usage u = usage_ratio(samples, target);
  r.trace.ratio = u.ratio;
  r.current.average_value = u.usage;

  const bool scale_up_with_unready = !g.unready.empty() && u.ratio > 1.0;
  if (!scale_up_with_unready && g.missing.empty()) {
    r.replicas = direct_replicas(ctx, u.ratio, g.ready_count);
    return ok();
  }
  if (!g.missing.empty()) {
    // At exactly 1.0 there is no fill-in (Karmada PR #3922, newest kube alike).
    if (u.ratio < 1.0) {
      for (const auto& k : g.missing) samples[k] = Sample{target, 0, 0};
    } else if (u.ratio > 1.0) {
      for (const auto& k : g.missing) samples[k] = Sample{};
    }
  }
  if (scale_up_with_unready) {
    for (const auto& k : g.unready) samples[k] = Sample{};
  }
  const Usage nu = usage_ratio(samples, target);
  r.trace.new_ratio = nu.ratio;
  r.replicas = rebalanced_replicas(ctx, u.ratio, nu.ratio, samples.size());
  return ok();
}

Result<SampleMap> pods_samples(const MetricSpec& m, const MetricData* data, const CalcContext& ctx) {
  if (data == nullptr) return bad("unable to get metric " + m.metric_name + ": no metric data given");
  if (data->error) return bad("unable to get metric " + m.metric_name + ": " + *data->error);
  if (data->samples.empty()) return bad("unable to get metric " + m.metric_name + ": no metrics returned from custom metrics API");
  SampleMap out;
  for (const auto& s : data->samples) {
    const std::string key = pod_key(s.cluster, s.pod, ctx.options->pod_key);
    auto it = out.find(key);
    if (it != out.end() && ctx.options->custom_metric_duplicates == CustomMetricDuplicates::Sum) {
      it->second.value = saturating_add(it->second.value, s.value);
      continue;
    }
    out[key] = Sample{s.value, s.timestamp, s.window};
  }
  return out;
}

// The values of the target clusters when the answer is per member; a target member that failed or is
// missing fails the metric (an invalid metric never scales down, hpa-algorithm.md §3).
Result<std::vector<std::int64_t>> target_values(const MetricSpec& m, const std::vector<ClusterValues>& answers,
                                                const CalcContext& ctx) {
  std::vector<std::int64_t> out;
  auto counted = [&](const std::string& cluster) {
    return ctx.included_clusters == nullptr ||
           std::find(ctx.included_clusters->begin(), ctx.included_clusters->end(), cluster) !=
               ctx.included_clusters->end();
  };
  for (const auto& a : answers) {
    if (!counted(a.cluster)) continue;  // not a target cluster: its answer is not part of this workload
    if (a.error) {
      return bad("unable to get metric " + m.metric_name + ": member " + a.cluster + " failed: " + *a.error +
                 " (a metric missing from a target cluster is invalid)");
    }
    out.insert(out.end(), a.values.begin(), a.values.end());
  }
  if (ctx.included_clusters != nullptr) {
    for (const auto& cluster : *ctx.included_clusters) {
      const bool answered = std::any_of(answers.begin(), answers.end(),
                                        [&](const ClusterValues& a) { return a.cluster == cluster; });
      if (!answered) {
        return bad("unable to get metric " + m.metric_name + ": member " + cluster +
                   " did not answer (a metric missing from a target cluster is invalid)");
      }
    }
  }
  return out;
}

Result<std::int64_t> summed_value(const MetricSpec& m, const MetricData* data, const char* api,
                                  const CalcContext& ctx) {
  if (data == nullptr) return bad("unable to get metric " + m.metric_name + ": no metric data given");
  if (data->error) return bad("unable to get metric " + m.metric_name + ": " + *data->error);
  std::vector<std::int64_t> per_member;
  const std::vector<std::int64_t>* values = &data->values;
  if (data->by_cluster) {
    auto v = target_values(m, *data->by_cluster, ctx);
    if (!v) return v.error();
    per_member = std::move(*v);
    values = &per_member;
  }
  if (values->empty()) {
    return bad("unable to get metric " + m.metric_name + ": no metrics returned from " + api + " metrics API");
  }
  std::int64_t total = 0;
  for (const auto v : *values) total = saturating_add(total, v);
  return total;
}

// Object/External Value (§2.5): ready-pod multiplier when cur != 0; ceil(ratio) from zero.
Result<void> value_target(std::int64_t v, std::int64_t target, const CalcContext& ctx, MetricResult& r) {
  const double ratio = static_cast<double>(v) / static_cast<double>(target);
  r.trace.ratio = ratio;
  r.current.value = v;
  if (ctx.current_replicas == 0) {
    r.replicas = saturate_int32(std::ceil(ratio));  // tolerance and readiness ignored at zero
    return ok();
  }
  if (ctx.tolerances.within(ratio)) {
    r.replicas = ctx.current_replicas;
    return ok();
  }
  if (auto e = no_pods_error(ctx); !e) return e;
  const std::int32_t ready = ready_pods_count(ctx.pods);
  r.trace.ready_pods = ready;
  r.replicas = saturate_int32(std::ceil(ratio * static_cast<double>(ready) / ctx.calibration));
  return ok();
}

// Object/External AverageValue (§2.5, §5.3): uses statusReplicas. Karmada's double calibration is a quirk of
// its Object code path only (Karmada has no External metrics), so the switch never touches External.
Result<void> average_value_target(std::int64_t v, std::int64_t target, bool object, const CalcContext& ctx,
                                  MetricResult& r) {
  const std::int32_t s = ctx.status_replicas;
  const double c = ctx.calibration;
  const double ratio = static_cast<double>(v) / (static_cast<double>(target) * static_cast<double>(s));
  r.trace.ratio = ratio;
  const bool within = ctx.tolerances.within(ratio);
  if (object && ctx.options->object_average_value_double_calibration) {
    std::int32_t count = s;
    if (!within) count = saturate_int32(std::ceil(static_cast<double>(v) / static_cast<double>(target) / c));
    r.replicas = saturate_int32(std::ceil(static_cast<double>(count) / c));
  } else if (within) {
    r.replicas = c == 1.0 ? s : saturate_int32(std::ceil(static_cast<double>(s) / c));
  } else {
    r.replicas = saturate_int32(std::ceil(static_cast<double>(v) / static_cast<double>(target) / c));
  }
  r.current.average_value = s == 0 ? 0 : saturate_int64(std::ceil(static_cast<double>(v) / static_cast<double>(s)));
  return ok();
}

Result<void> compute(const MetricSpec& m, TargetType tt, const MetricData* data, const CalcContext& ctx,
                     MetricResult& r) {
  switch (m.type) {
    case MetricSourceType::Resource:
    case MetricSourceType::ContainerResource: {
      if (tt == TargetType::Utilization && m.target.average_utilization) {
        return resource_utilization(m, *m.target.average_utilization, ctx, r);
      }
      if (tt == TargetType::AverageValue && m.target.average_value) {
        auto samples = resource_samples(ctx, m.resource_name, m.container);
        if (!samples) return samples.error();
        return plain_metric(std::move(*samples), *m.target.average_value, m.resource_name, ctx, r);
      }
      return bad("invalid resource metric source: neither an average utilization target nor an average value target was set");
    }
    case MetricSourceType::Pods: {
      // Upstream reads target.averageValue whatever target.type says (the seed's FederatedHPA writes
      // `type: Value` with an averageValue, and Karmada's webhook accepts it: karmada-reference.md §2.3).
      if (!m.target.average_value) {
        return bad("invalid pods metric source: an average value target must be set");
      }
      auto samples = pods_samples(m, data, ctx);
      if (!samples) return samples.error();
      return plain_metric(std::move(*samples), *m.target.average_value, "", ctx, r);
    }
    case MetricSourceType::Object:
    case MetricSourceType::External: {
      const bool object = m.type == MetricSourceType::Object;
      if (!object && !ctx.options->support_external_metrics) {
        r.reason = "InvalidMetricSourceType";
        return bad("invalid metric source type: External metrics are not supported");
      }
      const bool is_value = tt == TargetType::Value && m.target.value;
      const bool is_avg = tt == TargetType::AverageValue && m.target.average_value;
      if (!is_value && !is_avg) {
        return bad(std::string("invalid ") + (object ? "object" : "external") +
                   " metric source: neither a value target nor an average value target was set");
      }
      auto v = summed_value(m, data, object ? "custom" : "external", ctx);
      if (!v) return v.error();
      if (is_value) return value_target(*v, *m.target.value, ctx, r);
      return average_value_target(*v, *m.target.average_value, object, ctx, r);
    }
    case MetricSourceType::Invalid: break;
  }
  return bad("invalid metric source type \"" + m.type_name + "\"");
}

}  // namespace

std::string metric_display_name(const MetricSpec& m) {
  const TargetType tt = effective_target(m);
  switch (m.type) {
    case MetricSourceType::Resource:
      return tt == TargetType::Utilization ? m.resource_name + " resource utilization (percentage of request)"
                                           : m.resource_name + " resource";
    case MetricSourceType::ContainerResource:
      return tt == TargetType::Utilization
                 ? m.resource_name + " container resource utilization (percentage of request)"
                 : m.resource_name + " resource";
    case MetricSourceType::Pods: return "pods metric " + m.metric_name;
    case MetricSourceType::Object:
      if (tt == TargetType::Value) return m.described_object.kind + " metric " + m.metric_name;
      return "external metric " + m.metric_name + "(" + m.selector_text + ")";  // upstream quirk
    case MetricSourceType::External: return "external metric " + m.metric_name + "(" + m.selector_text + ")";
    case MetricSourceType::Invalid: break;
  }
  return "";
}

MetricResult compute_metric(int index, const MetricSpec& spec, const MetricData* data, const CalcContext& ctx) {
  MetricResult r;
  r.index = index;
  r.type = spec.type;
  r.type_name = spec.type_name;
  r.name = metric_display_name(spec);
  auto res = compute(spec, effective_target(spec), data, ctx, r);
  if (!res) {
    r.valid = false;
    r.replicas = 0;
    r.error = res.error().message;
    if (r.reason.empty()) r.reason = failure_reason(spec.type);
    r.current = MetricStatus{};
    return r;
  }
  r.valid = true;
  r.current.type = spec.type;
  r.current.name = spec.type == MetricSourceType::Resource || spec.type == MetricSourceType::ContainerResource
                       ? spec.resource_name
                       : spec.metric_name;
  r.current.container = spec.container;
  r.current.described_object = spec.described_object;
  return r;
}

}  // namespace fedmetrics::autoscaler
