#include "clients/kubeapi/metric_value.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <vector>

#include "clients/kubeapi/json_codec.hpp"

namespace fedmetrics::kubeapi {
namespace {

using namespace json_codec;  // NOLINT(google-build-using-namespace): the shared codec helpers

constexpr std::string_view kCustomGroup = "custom.metrics.k8s.io/";
constexpr std::string_view kExternalApiVersion = "external.metrics.k8s.io/v1beta1";

// ---- encoding ----

ordered_json encode_selector(const std::optional<LabelSelector>& selector) {
  if (!selector) {
    return nullptr;  // no omitempty on the Go side: "selector": null
  }
  ordered_json j = ordered_json::object();
  if (!selector->match_labels.empty()) {
    j["matchLabels"] = selector->match_labels;
  }
  if (!selector->match_expressions.empty()) {
    ordered_json exprs = ordered_json::array();
    for (const auto& e : selector->match_expressions) {
      ordered_json ej = ordered_json::object();
      ej["key"] = e.key;
      ej["operator"] = e.op;
      if (!e.values.empty()) {
        ej["values"] = e.values;
      }
      exprs.push_back(std::move(ej));
    }
    j["matchExpressions"] = std::move(exprs);
  }
  return j;
}

// metav1.Time marshals its zero value as null.
ordered_json encode_timestamp(const std::string& ts) {
  return ts.empty() ? ordered_json(nullptr) : ordered_json(ts);
}

// Custom metrics lists are written straight into a string rather than through an ordered_json DOM: for the
// largest answers (1,000 members x 100 pods, 100k items, ~20 MB) building and serializing the DOM was ~15 % of
// the adapter's CPU (callgrind, scripts/bench scenario c). The bytes are the same as dump() of the DOM: same
// field order, "selector": null, a null zero timestamp, and every string that is not plain printable ASCII goes
// through nlohmann's own escaping (invalid UTF-8 replaced), so only the common case takes the shortcut.
void append_object_reference(std::string& out, const ObjectReference& ref) {
  out += '{';
  bool first = true;
  const auto put = [&](std::string_view key, const std::string& v) {
    if (v.empty()) {
      return;  // omitempty
    }
    out += first ? "\"" : ",\"";
    first = false;
    out += key;
    out += "\":";
    append_string(out, v);
  };
  put("kind", ref.kind);
  put("namespace", ref.namespace_);
  put("name", ref.name);
  put("uid", ref.uid);
  put("apiVersion", ref.api_version);
  put("resourceVersion", ref.resource_version);
  put("fieldPath", ref.field_path);
  out += '}';
}

void append_selector(std::string& out, const std::optional<LabelSelector>& selector) {
  out += selector ? dump(encode_selector(selector)) : std::string("null");  // rare: the DOM is fine here
}

void append_custom_item(std::string& out, const MetricValue& item, CustomMetricsVersion version) {
  out += "{\"describedObject\":";
  append_object_reference(out, item.described_object);
  if (version == CustomMetricsVersion::V1Beta2) {
    out += ",\"metric\":{\"name\":";
    append_string(out, item.metric_name);
    out += ",\"selector\":";
    append_selector(out, item.metric_selector);
    out += "},\"timestamp\":";
    append_timestamp(out, item.timestamp);
    if (item.window_seconds) {
      out += ",\"windowSeconds\":";
      out += std::to_string(*item.window_seconds);
    }
    out += ",\"value\":";
    append_string(out, item.value.to_string());
  } else {
    out += ",\"metricName\":";
    append_string(out, item.metric_name);
    out += ",\"timestamp\":";
    append_timestamp(out, item.timestamp);
    if (item.window_seconds) {
      out += ",\"window\":";
      out += std::to_string(*item.window_seconds);
    }
    out += ",\"value\":";
    append_string(out, item.value.to_string());
    out += ",\"selector\":";
    append_selector(out, item.metric_selector);
  }
  out += '}';
}

// ---- decoding ----

Result<Quantity> decode_quantity(const json& obj, const std::string& where) {
  const auto it = obj.find("value");
  if (it == obj.end()) {
    return protocol_error(where + ".value: missing");
  }
  return quantity_from(*it, where + ".value");
}

Result<std::optional<LabelSelector>> decode_selector(const json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return std::optional<LabelSelector>();
  }
  const std::string here = where + "." + key;
  if (!it->is_object()) {
    return protocol_error(here + ": expected an object, got " + it->type_name());
  }
  LabelSelector sel;
  auto labels = decode_string_map(*it, "matchLabels", here);
  if (!labels) {
    return labels.error();
  }
  sel.match_labels = std::move(*labels);
  const auto exprs = it->find("matchExpressions");
  if (exprs != it->end() && !exprs->is_null()) {
    if (!exprs->is_array()) {
      return protocol_error(here + ".matchExpressions: expected an array, got " + exprs->type_name());
    }
    for (std::size_t i = 0; i < exprs->size(); ++i) {
      const json& e = (*exprs)[i];
      const std::string ehere = here + ".matchExpressions[" + std::to_string(i) + "]";
      if (!e.is_object()) {
        return protocol_error(ehere + ": expected an object, got " + e.type_name());
      }
      LabelSelectorRequirement req;
      auto k = required_string(e, "key", ehere);
      auto op = required_string(e, "operator", ehere);
      if (!k) {
        return k.error();
      }
      if (!op) {
        return op.error();
      }
      req.key = std::move(*k);
      req.op = std::move(*op);
      const auto vals = e.find("values");
      if (vals != e.end() && !vals->is_null()) {
        if (!vals->is_array()) {
          return protocol_error(ehere + ".values: expected an array, got " + vals->type_name());
        }
        for (const json& v : *vals) {
          if (!v.is_string()) {
            return protocol_error(ehere + ".values: expected strings, got " + v.type_name());
          }
          req.values.push_back(v.get<std::string>());
        }
      }
      sel.match_expressions.push_back(std::move(req));
    }
  }
  return std::optional<LabelSelector>(std::move(sel));
}

Result<ObjectReference> decode_object_reference(const json& item, const std::string& where) {
  const auto it = item.find("describedObject");
  const std::string here = where + ".describedObject";
  if (it == item.end() || it->is_null()) {
    return protocol_error(here + ": missing");
  }
  if (!it->is_object()) {
    return protocol_error(here + ": expected an object, got " + it->type_name());
  }
  ObjectReference ref;
  std::pair<const char*, std::string*> fields[] = {
      {"kind", &ref.kind},       {"namespace", &ref.namespace_},         {"name", &ref.name},
      {"uid", &ref.uid},         {"apiVersion", &ref.api_version},       {"resourceVersion", &ref.resource_version},
      {"fieldPath", &ref.field_path}};
  for (auto& [key, dst] : fields) {
    auto v = optional_string(*it, key, here);
    if (!v) {
      return v.error();
    }
    *dst = std::move(*v);
  }
  if (ref.name.empty()) {
    return protocol_error(here + ".name: missing");
  }
  return ref;
}

// v1beta2 carries name/selector under `metric` and `windowSeconds`; v1beta1 uses top-level `metricName`,
// `selector` and `window` (metrics: pkg/apis/custom_metrics/v1beta1/conversion.go).
Result<MetricValue> decode_custom_item(const json& item, std::optional<CustomMetricsVersion> version,
                                       const std::string& where, std::string_view cluster) {
  if (!item.is_object()) {
    return protocol_error(where + ": expected an object, got " + item.type_name());
  }
  if (!version) {
    version = item.contains("metric") ? CustomMetricsVersion::V1Beta2 : CustomMetricsVersion::V1Beta1;
  }
  MetricValue out;
  auto ref = decode_object_reference(item, where);
  if (!ref) {
    return ref.error();
  }
  out.described_object = std::move(*ref);
  if (*version == CustomMetricsVersion::V1Beta2) {
    const auto metric = item.find("metric");
    if (metric == item.end() || !metric->is_object()) {
      return protocol_error(where + ".metric: missing or not an object");
    }
    auto name = required_string(*metric, "name", where + ".metric");
    if (!name) {
      return name.error();
    }
    auto sel = decode_selector(*metric, "selector", where + ".metric");
    if (!sel) {
      return sel.error();
    }
    auto window = optional_int(item, "windowSeconds", where);
    if (!window) {
      return window.error();
    }
    out.metric_name = std::move(*name);
    out.metric_selector = std::move(*sel);
    out.window_seconds = *window;
  } else {
    auto name = required_string(item, "metricName", where);
    if (!name) {
      return name.error();
    }
    auto sel = decode_selector(item, "selector", where);
    if (!sel) {
      return sel.error();
    }
    auto window = optional_int(item, "window", where);
    if (!window) {
      return window.error();
    }
    out.metric_name = std::move(*name);
    out.metric_selector = std::move(*sel);
    out.window_seconds = *window;
  }
  if (out.metric_name.empty()) {
    return protocol_error(where + ": empty metric name");
  }
  auto ts = optional_string(item, "timestamp", where);
  if (!ts) {
    return ts.error();
  }
  out.timestamp = std::move(*ts);
  auto value = decode_quantity(item, where);
  if (!value) {
    return value.error();
  }
  out.value = *value;
  out.cluster = std::string(cluster);
  return out;
}

Result<ExternalMetricValue> decode_external_item(const json& item, const std::string& where,
                                                 std::string_view cluster) {
  if (!item.is_object()) {
    return protocol_error(where + ": expected an object, got " + item.type_name());
  }
  ExternalMetricValue out;
  auto name = required_string(item, "metricName", where);
  if (!name) {
    return name.error();
  }
  if (name->empty()) {
    return protocol_error(where + ": empty metric name");
  }
  auto labels = decode_string_map(item, "metricLabels", where);
  if (!labels) {
    return labels.error();
  }
  auto ts = optional_string(item, "timestamp", where);
  if (!ts) {
    return ts.error();
  }
  auto window = optional_int(item, "window", where);
  if (!window) {
    return window.error();
  }
  auto value = decode_quantity(item, where);
  if (!value) {
    return value.error();
  }
  out.metric_name = std::move(*name);
  out.metric_labels = std::move(*labels);
  out.timestamp = std::move(*ts);
  out.window_seconds = *window;
  out.value = *value;
  out.cluster = std::string(cluster);
  return out;
}

}  // namespace

std::string_view to_string(CustomMetricsVersion v) {
  return v == CustomMetricsVersion::V1Beta1 ? "v1beta1" : "v1beta2";
}

std::string encode_metric_value_list(const MetricValueList& list, CustomMetricsVersion version) {
  std::string out;
  out.reserve(96 + list.items.size() * 224);  // a typical pod item is ~200 bytes
  out += "{\"kind\":\"MetricValueList\",\"apiVersion\":";
  append_string(out, std::string(kCustomGroup) + std::string(to_string(version)));
  out += ",\"metadata\":{},\"items\":[";
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    append_custom_item(out, list.items[i], version);
  }
  out += "]}";
  return out;
}

std::string encode_external_metric_value_list(const ExternalMetricValueList& list) {
  ordered_json j = ordered_json::object();
  j["kind"] = "ExternalMetricValueList";
  j["apiVersion"] = kExternalApiVersion;
  j["metadata"] = ordered_json::object();
  ordered_json items = ordered_json::array();
  for (const auto& item : list.items) {
    ordered_json ij = ordered_json::object();
    ij["metricName"] = item.metric_name;
    ij["metricLabels"] = item.metric_labels.empty() ? ordered_json::object() : ordered_json(item.metric_labels);
    ij["timestamp"] = encode_timestamp(item.timestamp);
    if (item.window_seconds) {
      ij["window"] = *item.window_seconds;
    }
    ij["value"] = item.value.to_string();
    items.push_back(std::move(ij));
  }
  j["items"] = std::move(items);
  return dump(j);
}

namespace {

// ---- decoding, fast path ----
// Member answers dominated the adapter's CPU: parsing each into an nlohmann DOM and copying the fields out cost
// ~40k instructions per item, about half of a request's CPU (callgrind, scripts/bench scenarios c and e). The Go
// encoder's output has one fixed, plain shape, which this scanner reads in one pass straight into MetricValues.
// It gives up (nullopt) on anything else: an unknown or repeated key, a string with an escape, a control or a
// non-ASCII byte, a selector that is not null, a number that is not a plain int64, an invalid quantity, a
// missing required field. The full decoder then runs, so every result and every error message stays its own.
class FastScanner {
 public:
  explicit FastScanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool at_end() {
    ws();
    return p_ == end_;
  }
  bool peek(char c) {
    ws();
    return p_ < end_ && *p_ == c;
  }
  bool lit(char c) {
    if (!peek(c)) return false;
    ++p_;
    return true;
  }
  bool word(std::string_view w) {
    ws();
    if (static_cast<std::size_t>(end_ - p_) < w.size() || std::string_view(p_, w.size()) != w) return false;
    p_ += w.size();
    return true;
  }
  // A string of printable ASCII without escapes, as a view into the text.
  bool str(std::string_view& out) {
    if (!lit('"')) return false;
    const char* start = p_;
    while (p_ < end_) {
      const auto u = static_cast<unsigned char>(*p_);
      if (u == '"') {
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (u == '\\' || u < 0x20 || u >= 0x7f) return false;
      ++p_;
    }
    return false;
  }
  bool str(std::string& out) {
    std::string_view v;
    if (!str(v)) return false;
    out.assign(v);
    return true;
  }
  // null, or a string (metav1.Time and optional strings decode null as empty).
  bool str_or_null(std::string& out) {
    if (word("null")) {
      out.clear();
      return true;
    }
    return str(out);
  }
  // An int64 without sign, fraction or exponent subtleties: [-]digits, at most 18 of them.
  bool int64(std::int64_t& out) {
    ws();
    bool negative = false;
    if (p_ < end_ && *p_ == '-') {
      negative = true;
      ++p_;
    }
    const char* start = p_;
    std::int64_t v = 0;
    // Count every digit, but accumulate at most 18 (10^18 < 2^63): a longer number is given up on below,
    // and must not overflow on the way there (found by the metric_value fuzzer).
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      if (p_ - start < 18) v = v * 10 + (*p_ - '0');
      ++p_;
    }
    const auto digits = p_ - start;
    if (digits == 0 || digits > 18 || (digits > 1 && *start == '0')) return false;
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    out = negative ? -v : v;
    return true;
  }
  // Iterates the members of an object: `member(key)` parses the value and returns false to give up. A repeated
  // key gives up too (the full decoder keeps the last one; not worth reproducing here).
  template <class F>
  bool object(F&& member) {
    if (!lit('{')) return false;
    if (lit('}')) return true;
    std::array<std::string_view, 16> seen;  // no allocation per object; more keys than this: give up
    std::size_t n = 0;
    do {
      std::string_view key;
      if (!str(key) || !lit(':') || n == seen.size()) return false;
      if (std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(n), key) != seen.begin() + static_cast<std::ptrdiff_t>(n)) {
        return false;
      }
      seen[n++] = key;
      if (!member(key)) return false;
    } while (lit(','));
    return lit('}');
  }

 private:
  const char* p_;
  const char* end_;
};

bool fast_object_reference(FastScanner& s, ObjectReference& ref) {
  return s.object([&](std::string_view key) {
    std::string* dst = key == "kind"              ? &ref.kind
                       : key == "namespace"       ? &ref.namespace_
                       : key == "name"            ? &ref.name
                       : key == "uid"             ? &ref.uid
                       : key == "apiVersion"      ? &ref.api_version
                       : key == "resourceVersion" ? &ref.resource_version
                       : key == "fieldPath"       ? &ref.field_path
                                                  : nullptr;
    return dst != nullptr && s.str_or_null(*dst);
  });
}

bool fast_quantity(FastScanner& s, Quantity& out) {
  std::string_view text;
  if (!s.str(text)) return false;  // null and numbers: the full decoder
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  text = first == std::string_view::npos ? std::string_view() : text.substr(first, last - first + 1);
  auto q = Quantity::parse(text);
  if (!q) return false;
  out = *q;
  return true;
}

bool fast_item(FastScanner& s, CustomMetricsVersion version, std::string_view cluster, MetricValue& out) {
  bool has_ref = false;
  bool has_metric_name = false;
  bool has_value = false;
  const bool v2 = version == CustomMetricsVersion::V1Beta2;
  const bool ok = s.object([&](std::string_view key) {
    if (key == "describedObject") {
      has_ref = true;
      return fast_object_reference(s, out.described_object);
    }
    if (key == "timestamp") return s.str_or_null(out.timestamp);
    if (key == "value") {
      has_value = true;
      return fast_quantity(s, out.value);
    }
    if (key == (v2 ? "windowSeconds" : "window")) {
      if (s.word("null")) return true;
      std::int64_t w = 0;
      if (!s.int64(w)) return false;
      out.window_seconds = w;
      return true;
    }
    if (v2 && key == "metric") {
      return s.object([&](std::string_view mkey) {
        if (mkey == "name") {
          has_metric_name = true;
          return s.str(out.metric_name);
        }
        return mkey == "selector" && s.word("null");
      });
    }
    if (!v2 && key == "metricName") {
      has_metric_name = true;
      return s.str(out.metric_name);
    }
    if (!v2 && key == "selector") return s.word("null");
    return false;
  });
  out.cluster = std::string(cluster);
  return ok && has_ref && has_value && has_metric_name && !out.metric_name.empty() && !out.described_object.name.empty();
}

std::optional<MetricValueList> fast_metric_value_list(std::string_view text, std::string_view cluster) {
  if (text.size() > kMaxBodyBytes) return std::nullopt;
  FastScanner s(text);
  MetricValueList out;
  bool has_kind = false;
  std::optional<CustomMetricsVersion> version;
  const bool ok = s.object([&](std::string_view key) {
    if (key == "kind") {
      std::string_view kind;
      has_kind = s.str(kind) && kind == "MetricValueList";
      return has_kind;
    }
    if (key == "apiVersion") {
      std::string_view av;
      if (!s.str(av)) return false;
      if (av == "custom.metrics.k8s.io/v1beta2") version = CustomMetricsVersion::V1Beta2;
      if (av == "custom.metrics.k8s.io/v1beta1") version = CustomMetricsVersion::V1Beta1;
      return version.has_value();
    }
    if (key == "metadata") {
      return s.object([&](std::string_view) {
        std::string ignored;
        return s.str_or_null(ignored);
      });
    }
    if (key == "items") {
      // The Go encoder writes kind and apiVersion first; the version decides how items read.
      if (!has_kind || !version) return false;
      if (s.word("null")) return true;
      if (!s.lit('[')) return false;
      if (s.lit(']')) return true;
      do {
        MetricValue item;
        if (!fast_item(s, *version, cluster, item)) return false;
        out.items.push_back(std::move(item));
      } while (s.lit(','));
      return s.lit(']');
    }
    return false;
  });
  if (!ok || !has_kind || !version || !s.at_end()) return std::nullopt;
  return out;
}

}  // namespace

Result<MetricValueList> decode_metric_value_list(std::string_view text, std::string_view cluster) {
  if (auto fast = fast_metric_value_list(text, cluster)) return std::move(*fast);
  return decode_metric_value_list_full_for_test(text, cluster);
}

Result<MetricValueList> decode_metric_value_list_full_for_test(std::string_view text, std::string_view cluster) {
  const std::string what = describe(cluster, "MetricValueList");
  auto body = parse_body(text, what);
  if (!body) {
    return body.error();
  }
  auto items = list_items(*body, "MetricValueList", what);
  if (!items) {
    return items.error();
  }
  std::optional<CustomMetricsVersion> version;  // unknown: decided per item by its shape
  const auto api_version = body->find("apiVersion");
  if (api_version != body->end() && !api_version->is_null()) {
    const std::string av = api_version->is_string() ? api_version->get<std::string>() : api_version->dump();
    if (av == std::string(kCustomGroup) + "v1beta1") {
      version = CustomMetricsVersion::V1Beta1;
    } else if (av == std::string(kCustomGroup) + "v1beta2") {
      version = CustomMetricsVersion::V1Beta2;
    } else {
      return protocol_error(what + ": unsupported apiVersion \"" + av + "\"");
    }
  }
  MetricValueList out;
  out.items.reserve((*items)->size());
  for (std::size_t i = 0; i < (*items)->size(); ++i) {
    auto item = decode_custom_item((**items)[i], version, what + ": items[" + std::to_string(i) + "]", cluster);
    if (!item) {
      return item.error();
    }
    out.items.push_back(std::move(*item));
  }
  return out;
}

Result<ExternalMetricValueList> decode_external_metric_value_list(std::string_view text, std::string_view cluster) {
  const std::string what = describe(cluster, "ExternalMetricValueList");
  auto body = parse_body(text, what);
  if (!body) {
    return body.error();
  }
  auto items = list_items(*body, "ExternalMetricValueList", what);
  if (!items) {
    return items.error();
  }
  const auto api_version = body->find("apiVersion");
  if (api_version != body->end() && !api_version->is_null() &&
      !(api_version->is_string() && api_version->get<std::string>() == kExternalApiVersion)) {
    return protocol_error(what + ": unsupported apiVersion " + api_version->dump());
  }
  ExternalMetricValueList out;
  out.items.reserve((*items)->size());
  for (std::size_t i = 0; i < (*items)->size(); ++i) {
    auto item = decode_external_item((**items)[i], what + ": items[" + std::to_string(i) + "]", cluster);
    if (!item) {
      return item.error();
    }
    out.items.push_back(std::move(*item));
  }
  return out;
}

}  // namespace fedmetrics::kubeapi
