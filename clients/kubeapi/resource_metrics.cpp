#include "clients/kubeapi/resource_metrics.hpp"

#include <algorithm>
#include <limits>

#include "clients/kubeapi/json_codec.hpp"

namespace fedmetrics::kubeapi {
namespace {

using namespace json_codec;  // NOLINT(google-build-using-namespace): the shared codec helpers

constexpr std::int64_t kMicrosecond = 1'000;
constexpr std::int64_t kMillisecond = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;

std::string_view item_kind(ResourceMetricsKind kind) {
  return kind == ResourceMetricsKind::Pods ? "PodMetrics" : "NodeMetrics";
}
std::string list_kind(ResourceMetricsKind kind) { return std::string(item_kind(kind)) + "List"; }
std::string meta_api_version(MetaVersion v) { return v == MetaVersion::V1 ? "meta.k8s.io/v1" : "meta.k8s.io/v1beta1"; }

// ---- Go durations ----

Error bad_duration(std::string_view text, std::string_view why) {
  return make_error(Errc::InvalidArgument, "time: " + std::string(why) + " in duration \"" + std::string(text) + "\"");
}

// Go's fmtFrac: the fraction of v / 10^prec without trailing zeros (and without the point when it is 0).
std::string frac(std::uint64_t& v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    const auto digit = static_cast<char>('0' + v % 10);
    print = print || digit != '0';
    if (print) digits.insert(digits.begin(), digit);
    v /= 10;
  }
  return print ? "." + digits : "";
}

// ---- encoding ----

void append_meta(std::string& out, const ObjectMeta& m) {
  out += '{';
  bool first = true;
  const auto key = [&](std::string_view k) {
    out += first ? "\"" : ",\"";
    first = false;
    out += k;
    out += "\":";
  };
  if (!m.name.empty()) {
    key("name");
    append_string(out, m.name);
  }
  if (!m.namespace_.empty()) {
    key("namespace");
    append_string(out, m.namespace_);
  }
  key("creationTimestamp");  // metav1.Time: null when zero, never omitted
  append_timestamp(out, m.creation_timestamp);
  if (!m.labels.empty()) {
    key("labels");
    append_string_map(out, m.labels);
  }
  if (!m.annotations.empty()) {
    key("annotations");
    append_string_map(out, m.annotations);
  }
  out += '}';
}

void append_resource_list(std::string& out, const ResourceList& r) {
  out += '{';
  bool first = true;
  for (const auto& [name, q] : r) {
    if (!first) out += ',';
    first = false;
    append_string(out, name);
    out += ':';
    append_string(out, q.to_string());
  }
  out += '}';
}

void append_item(std::string& out, const ResourceMetrics& item, ResourceMetricsKind kind, bool type_meta) {
  out += '{';
  if (type_meta) {
    out += "\"kind\":\"";
    out += item_kind(kind);
    out += "\",\"apiVersion\":\"";
    out += kResourceMetricsApiVersion;
    out += "\",";
  }
  out += "\"metadata\":";
  append_meta(out, item.metadata);
  out += ",\"timestamp\":";
  append_timestamp(out, item.timestamp);
  out += ",\"window\":";
  append_string(out, format_go_duration(item.window_ns));
  if (kind == ResourceMetricsKind::Pods) {
    out += ",\"containers\":[";
    for (std::size_t i = 0; i < item.containers.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"name\":";
      append_string(out, item.containers[i].name);
      out += ",\"usage\":";
      append_resource_list(out, item.containers[i].usage);
      out += '}';
    }
    out += ']';
  } else {
    out += ",\"usage\":";
    append_resource_list(out, item.usage);
  }
  out += '}';
}

void append_partial(std::string& out, const ResourceMetrics& item, MetaVersion version) {
  out += "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"";
  out += meta_api_version(version);
  out += "\",\"metadata\":";
  append_meta(out, item.metadata);
  out += '}';
}

// What a Table row shows of an item: pods sum their containers (metrics-server pkg/api/table.go).
ResourceList row_usage(const ResourceMetrics& item, ResourceMetricsKind kind) {
  if (kind == ResourceMetricsKind::Nodes) return item.usage;
  ResourceList sum;
  for (const auto& c : item.containers) {
    for (const auto& [name, q] : c.usage) {
      auto added = sum[name].add(q);
      if (added) sum[name] = *added;  // an overflowing sum keeps the partial total (display only)
    }
  }
  return sum;
}

// ---- decoding ----

Result<ResourceList> decode_resource_list(const json& obj, const char* key, const std::string& where) {
  ResourceList out;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_object()) return protocol_error(where + "." + key + ": expected an object, got " + it->type_name());
  for (const auto& [name, node] : it->items()) {
    auto q = quantity_from(node, where + "." + key + "." + name);
    if (!q) return q.error();
    out.emplace(name, *q);
  }
  return out;
}

Result<ObjectMeta> decode_meta(const json& item, const std::string& where) {
  const auto it = item.find("metadata");
  const std::string here = where + ".metadata";
  if (it == item.end() || !it->is_object()) return protocol_error(here + ": missing or not an object");
  ObjectMeta m;
  std::pair<const char*, std::string*> strings[] = {
      {"name", &m.name}, {"namespace", &m.namespace_}, {"creationTimestamp", &m.creation_timestamp}};
  for (auto& [key, dst] : strings) {
    auto v = optional_string(*it, key, here);
    if (!v) return v.error();
    *dst = std::move(*v);
  }
  if (m.name.empty()) return protocol_error(here + ".name: missing");
  auto labels = decode_string_map(*it, "labels", here);
  if (!labels) return labels.error();
  auto annotations = decode_string_map(*it, "annotations", here);
  if (!annotations) return annotations.error();
  m.labels = std::move(*labels);
  m.annotations = std::move(*annotations);
  return m;
}

Result<ResourceMetrics> decode_item(const json& item, ResourceMetricsKind kind, const std::string& where,
                                    std::string_view cluster) {
  if (!item.is_object()) return protocol_error(where + ": expected an object, got " + item.type_name());
  ResourceMetrics out;
  auto meta = decode_meta(item, where);
  if (!meta) return meta.error();
  out.metadata = std::move(*meta);
  auto ts = optional_string(item, "timestamp", where);
  if (!ts) return ts.error();
  out.timestamp = std::move(*ts);
  auto window = optional_string(item, "window", where);
  if (!window) return window.error();
  if (!window->empty()) {
    auto ns = parse_go_duration(*window);
    if (!ns) return protocol_error(where + ".window: " + ns.error().message);
    out.window_ns = *ns;
  }
  if (kind == ResourceMetricsKind::Pods) {
    const auto cs = item.find("containers");
    if (cs != item.end() && !cs->is_null()) {
      if (!cs->is_array()) return protocol_error(where + ".containers: expected an array, got " + cs->type_name());
      for (std::size_t i = 0; i < cs->size(); ++i) {
        const json& c = (*cs)[i];
        const std::string chere = where + ".containers[" + std::to_string(i) + "]";
        if (!c.is_object()) return protocol_error(chere + ": expected an object, got " + c.type_name());
        auto name = required_string(c, "name", chere);
        if (!name) return name.error();
        auto usage = decode_resource_list(c, "usage", chere);
        if (!usage) return usage.error();
        out.containers.push_back(ContainerMetrics{std::move(*name), std::move(*usage)});
      }
    }
  } else {
    auto usage = decode_resource_list(item, "usage", where);
    if (!usage) return usage.error();
    out.usage = std::move(*usage);
  }
  out.cluster = std::string(cluster);
  return out;
}

Result<void> check_api_version(const json& body, const std::string& what) {
  const auto av = body.find("apiVersion");
  if (av != body.end() && !av->is_null() && !(av->is_string() && av->get<std::string>() == kResourceMetricsApiVersion)) {
    return protocol_error(what + ": unsupported apiVersion " + av->dump());
  }
  return {};
}

}  // namespace

std::string_view to_string(ResourceMetricsKind kind) { return kind == ResourceMetricsKind::Pods ? "pods" : "nodes"; }

Result<std::int64_t> parse_go_duration(std::string_view text) {
  // [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ as Go's time.ParseDuration; "0" alone has no unit.
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::int64_t{0};
  if (s.empty()) return bad_duration(text, "invalid duration");
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;
  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(s.front() == '.' || (s.front() >= '0' && s.front() <= '9'))) return bad_duration(text, "invalid duration");
    std::uint64_t whole = 0;
    std::size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (whole > (kLimit - 1) / 10) return bad_duration(text, "invalid duration");
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
      if (whole > kLimit) return bad_duration(text, "invalid duration");
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    std::uint64_t fraction = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      for (i = 0; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        if (overflow) continue;
        if (fraction > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
          overflow = true;  // Go stops accumulating, keeps consuming
          continue;
        }
        fraction = fraction * 10 + static_cast<std::uint64_t>(s[i] - '0');
        scale *= 10;
      }
      post = i > 0;
      s.remove_prefix(i);
    }
    if (!pre && !post) return bad_duration(text, "invalid duration");
    std::size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) ++u;
    if (u == 0) return bad_duration(text, "missing unit");
    const std::string_view unit_text = s.substr(0, u);
    s.remove_prefix(u);
    std::uint64_t unit = 0;
    if (unit_text == "ns") unit = 1;
    else if (unit_text == "us" || unit_text == "\xC2\xB5s" || unit_text == "\xCE\xBCs") unit = kMicrosecond;
    else if (unit_text == "ms") unit = kMillisecond;
    else if (unit_text == "s") unit = kSecond;
    else if (unit_text == "m") unit = 60 * kSecond;
    else if (unit_text == "h") unit = 3600 * kSecond;
    else return bad_duration(text, "unknown unit \"" + std::string(unit_text) + "\"");
    if (whole > kLimit / unit) return bad_duration(text, "invalid duration");
    whole *= unit;
    if (fraction > 0) {
      whole += static_cast<std::uint64_t>(static_cast<double>(fraction) * (static_cast<double>(unit) / scale));
      if (whole > kLimit) return bad_duration(text, "invalid duration");
    }
    total += whole;
    if (total > kLimit) return bad_duration(text, "invalid duration");
  }
  if (negative) return total == kLimit ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(total);
  if (total > kLimit - 1) return bad_duration(text, "invalid duration");
  return static_cast<std::int64_t>(total);
}

std::string format_go_duration(std::int64_t ns) {
  if (ns == 0) return "0s";
  const bool negative = ns < 0;
  std::uint64_t u = negative ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  std::string out;
  if (u < static_cast<std::uint64_t>(kSecond)) {
    std::string unit;
    int prec = 0;
    if (u < static_cast<std::uint64_t>(kMicrosecond)) {
      unit = "ns";
    } else if (u < static_cast<std::uint64_t>(kMillisecond)) {
      prec = 3;
      unit = "\xC2\xB5s";  // µs, as Go writes it
    } else {
      prec = 6;
      unit = "ms";
    }
    const std::string f = frac(u, prec);
    out = std::to_string(u) + f + unit;
  } else {
    const std::string f = frac(u, 9);
    out = std::to_string(u % 60) + f + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

std::string encode_resource_metrics_list(const ResourceMetricsList& list) {
  std::string out;
  out.reserve(96 + list.items.size() * 256);
  out += "{\"kind\":\"";
  out += list_kind(list.kind);
  out += "\",\"apiVersion\":\"";
  out += kResourceMetricsApiVersion;
  out += "\",\"metadata\":{},\"items\":[";
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) out += ',';
    append_item(out, list.items[i], list.kind, false);
  }
  out += "]}";
  return out;
}

std::string encode_resource_metrics(const ResourceMetrics& item, ResourceMetricsKind kind) {
  std::string out;
  append_item(out, item, kind, true);
  return out;
}

Result<ResourceMetricsList> decode_resource_metrics_list(std::string_view text, ResourceMetricsKind kind,
                                                         std::string_view cluster) {
  const std::string kind_name = list_kind(kind);
  const std::string what = describe(cluster, kind_name);
  auto body = parse_body(text, what);
  if (!body) return body.error();
  auto items = list_items(*body, kind_name, what);
  if (!items) return items.error();
  if (auto ok = check_api_version(*body, what); !ok) return ok.error();
  ResourceMetricsList out;
  out.kind = kind;
  out.items.reserve((*items)->size());
  for (std::size_t i = 0; i < (*items)->size(); ++i) {
    auto item = decode_item((**items)[i], kind, what + ": items[" + std::to_string(i) + "]", cluster);
    if (!item) return item.error();
    out.items.push_back(std::move(*item));
  }
  return out;
}

Result<ResourceMetrics> decode_resource_metrics(std::string_view text, ResourceMetricsKind kind,
                                                std::string_view cluster) {
  const std::string what = describe(cluster, item_kind(kind));
  auto body = parse_body(text, what);
  if (!body) return body.error();
  const auto k = body->find("kind");
  if (k == body->end() || !k->is_string() || k->get<std::string>() != item_kind(kind)) {
    return protocol_error(what + ": kind is not \"" + std::string(item_kind(kind)) + "\"");
  }
  if (auto ok = check_api_version(*body, what); !ok) return ok.error();
  return decode_item(*body, kind, what, cluster);
}

std::string encode_resource_metrics_table(const ResourceMetricsList& list, MetaVersion version, IncludeObject include) {
  std::string out = "{\"kind\":\"Table\",\"apiVersion\":\"" + meta_api_version(version) + "\",\"metadata\":{}";
  if (list.items.empty()) {
    out += ",\"columnDefinitions\":null,\"rows\":null}";
    return out;
  }
  // The resource columns are those of the first item, sorted (metrics-server's addPodMetricsToTable).
  std::vector<std::string> names;
  for (const auto& [name, q] : row_usage(list.items.front(), list.kind)) names.push_back(name);
  out += ",\"columnDefinitions\":[{\"name\":\"Name\",\"type\":\"string\",\"format\":\"name\","
         "\"description\":\"Name of the resource\",\"priority\":0}";
  for (const auto& name : names) {
    out += ",{\"name\":";
    append_string(out, name);
    out += ",\"type\":\"string\",\"format\":\"quantity\",\"description\":\"\",\"priority\":0}";
  }
  out += ",{\"name\":\"Window\",\"type\":\"string\",\"format\":\"duration\",\"description\":\"\",\"priority\":0}]";
  out += ",\"rows\":[";
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    const auto& item = list.items[i];
    if (i > 0) out += ',';
    out += "{\"cells\":[";
    append_string(out, item.metadata.name);
    const ResourceList usage = row_usage(item, list.kind);
    for (const auto& name : names) {
      out += ',';
      const auto it = usage.find(name);
      append_string(out, it == usage.end() ? Quantity().to_string() : it->second.to_string());
    }
    out += ',';
    append_string(out, format_go_duration(item.window_ns));
    out += "],\"object\":";
    switch (include) {
      case IncludeObject::None: out += "null"; break;
      case IncludeObject::Metadata: append_partial(out, item, version); break;
      case IncludeObject::Object: append_item(out, item, list.kind, true); break;
    }
    out += '}';
  }
  out += "]}";
  return out;
}

std::string encode_partial_object_metadata(const ResourceMetrics& item, MetaVersion version) {
  std::string out;
  append_partial(out, item, version);
  return out;
}

std::string encode_partial_object_metadata_list(const ResourceMetricsList& list, MetaVersion version) {
  std::string out = "{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"" + meta_api_version(version) +
                    "\",\"metadata\":{},\"items\":[";
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) out += ',';
    append_partial(out, list.items[i], version);
  }
  out += "]}";
  return out;
}

}  // namespace fedmetrics::kubeapi
