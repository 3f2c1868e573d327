#include "clients/kubeapi/metric_value.hpp"

#include <limits>

#include <nlohmann/json.hpp>

namespace fedmetrics::kubeapi {
namespace {

using ordered_json = nlohmann::ordered_json;
using json = nlohmann::json;

constexpr std::string_view kCustomGroup = "custom.metrics.k8s.io/";
constexpr std::string_view kExternalApiVersion = "external.metrics.k8s.io/v1beta1";
// Member bodies are already bounded by the transport; these guard the parser itself.
constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;
constexpr int kMaxNestingDepth = 64;

// ---- encoding ----

ordered_json encode_object_reference(const ObjectReference& ref) {
  ordered_json j = ordered_json::object();
  auto put = [&](const char* key, const std::string& v) {
    if (!v.empty()) {
      j[key] = v;
    }
  };
  put("kind", ref.kind);
  put("namespace", ref.namespace_);
  put("name", ref.name);
  put("uid", ref.uid);
  put("apiVersion", ref.api_version);
  put("resourceVersion", ref.resource_version);
  put("fieldPath", ref.field_path);
  return j;
}

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

ordered_json encode_custom_item(const MetricValue& item, CustomMetricsVersion version) {
  ordered_json j = ordered_json::object();
  j["describedObject"] = encode_object_reference(item.described_object);
  if (version == CustomMetricsVersion::V1Beta2) {
    ordered_json metric = ordered_json::object();
    metric["name"] = item.metric_name;
    metric["selector"] = encode_selector(item.metric_selector);
    j["metric"] = std::move(metric);
    j["timestamp"] = encode_timestamp(item.timestamp);
    if (item.window_seconds) {
      j["windowSeconds"] = *item.window_seconds;
    }
    j["value"] = item.value.to_string();
  } else {
    j["metricName"] = item.metric_name;
    j["timestamp"] = encode_timestamp(item.timestamp);
    if (item.window_seconds) {
      j["window"] = *item.window_seconds;
    }
    j["value"] = item.value.to_string();
    j["selector"] = encode_selector(item.metric_selector);
  }
  return j;
}

std::string dump(const ordered_json& j) {
  // Strings come from members and users; replace invalid UTF-8 rather than throw.
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

// ---- decoding ----

Error protocol_error(std::string message) { return make_error(Errc::ProtocolError, std::move(message)); }

// Bounds nesting before nlohmann's recursive parser sees the text (strings are skipped).
bool nesting_within_limit(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxNestingDepth) {
        return false;
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

Result<json> parse_body(std::string_view text, std::string_view what) {
  if (text.size() > kMaxBodyBytes) {
    return protocol_error(std::string(what) + ": body of " + std::to_string(text.size()) + " bytes exceeds the limit");
  }
  if (!nesting_within_limit(text)) {
    return protocol_error(std::string(what) + ": JSON nested deeper than " + std::to_string(kMaxNestingDepth));
  }
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    return protocol_error(std::string(what) + ": invalid JSON");
  }
  if (!j.is_object()) {
    return protocol_error(std::string(what) + ": body is not a JSON object");
  }
  // json converts to almost anything, so say which alternative is meant.
  return Result<json>(boost::system::in_place_value, std::move(j));
}

// A JSON field that may be absent or null (Go leaves the zero value); anything else of the wrong type fails.
Result<std::string> optional_string(const json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return protocol_error(where + "." + key + ": expected a string, got " + it->type_name());
  }
  return it->get<std::string>();
}

Result<std::string> required_string(const json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return protocol_error(where + "." + key + ": missing");
  }
  return optional_string(obj, key, where);
}

Result<std::optional<std::int64_t>> optional_int(const json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return std::optional<std::int64_t>();
  }
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    return std::optional<std::int64_t>(it->get<std::int64_t>());
  }
  if (it->is_number_unsigned() && it->get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(it->get<std::uint64_t>()));
  }
  return protocol_error(where + "." + key + ": expected an int64, got " + it->dump());
}

Result<Quantity> decode_quantity(const json& obj, const std::string& where) {
  const auto it = obj.find("value");
  if (it == obj.end()) {
    return protocol_error(where + ".value: missing");
  }
  std::string text;
  if (it->is_null()) {
    return Quantity();  // Go decodes null as zero
  }
  if (it->is_string()) {
    text = it->get<std::string>();
    // Quantity.UnmarshalJSON trims surrounding spaces.
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    text = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  } else if (it->is_number()) {
    text = it->dump();  // Go parses the raw number text as a quantity
  } else {
    return protocol_error(where + ".value: expected a quantity string, got " + it->type_name());
  }
  auto q = Quantity::parse(text);
  if (!q) {
    return protocol_error(where + ".value: " + q.error().message);
  }
  return *q;
}

Result<std::map<std::string, std::string>> decode_string_map(const json& obj, const char* key,
                                                            const std::string& where) {
  std::map<std::string, std::string> out;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return out;
  }
  if (!it->is_object()) {
    return protocol_error(where + "." + key + ": expected an object, got " + it->type_name());
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return protocol_error(where + "." + key + "." + k + ": expected a string, got " + v.type_name());
    }
    out.emplace(k, v.get<std::string>());
  }
  return out;
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

// Checks `kind` (mandatory) and returns the items array; `apiVersion` is checked by the caller.
Result<const json*> list_items(const json& body, std::string_view kind, const std::string& what) {
  const auto k = body.find("kind");
  if (k == body.end() || !k->is_string()) {
    return protocol_error(what + ": missing kind");
  }
  if (k->get<std::string>() != kind) {
    return protocol_error(what + ": kind is \"" + k->get<std::string>() + "\", expected \"" + std::string(kind) + "\"");
  }
  const auto items = body.find("items");
  if (items == body.end() || items->is_null()) {
    static const json kEmpty = json::array();
    return &kEmpty;  // Go emits null for a nil slice
  }
  if (!items->is_array()) {
    return protocol_error(what + ": items is not an array");
  }
  return &*items;
}

std::string describe(std::string_view cluster, std::string_view kind) {
  return cluster.empty() ? std::string(kind) : std::string(kind) + " from cluster " + std::string(cluster);
}

}  // namespace

std::string_view to_string(CustomMetricsVersion v) {
  return v == CustomMetricsVersion::V1Beta1 ? "v1beta1" : "v1beta2";
}

std::string encode_metric_value_list(const MetricValueList& list, CustomMetricsVersion version) {
  ordered_json j = ordered_json::object();
  j["kind"] = "MetricValueList";
  j["apiVersion"] = std::string(kCustomGroup) + std::string(to_string(version));
  j["metadata"] = ordered_json::object();
  ordered_json items = ordered_json::array();
  for (const auto& item : list.items) {
    items.push_back(encode_custom_item(item, version));
  }
  j["items"] = std::move(items);
  return dump(j);
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

Result<MetricValueList> decode_metric_value_list(std::string_view text, std::string_view cluster) {
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
