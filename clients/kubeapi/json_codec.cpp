#include "clients/kubeapi/json_codec.hpp"

#include <algorithm>
#include <limits>

namespace fedmetrics::kubeapi::json_codec {

Error protocol_error(std::string message) { return make_error(Errc::ProtocolError, std::move(message)); }

namespace {

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

}  // namespace

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

Result<Quantity> quantity_from(const json& node, const std::string& where) {
  if (node.is_null()) {
    return Quantity();  // Go decodes null as zero
  }
  std::string text;
  if (node.is_string()) {
    text = node.get<std::string>();
    // Quantity.UnmarshalJSON trims surrounding spaces.
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    text = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  } else if (node.is_number()) {
    text = node.dump();  // Go parses the raw number text as a quantity
  } else {
    return protocol_error(where + ": expected a quantity string, got " + node.type_name());
  }
  auto q = Quantity::parse(text);
  if (!q) {
    return protocol_error(where + ": " + q.error().message);
  }
  return *q;
}

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

std::string dump(const ordered_json& j) { return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace); }

void append_string(std::string& out, const std::string& s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += s;
    out += '"';
  } else {
    out += dump(ordered_json(s));
  }
}

void append_timestamp(std::string& out, const std::string& ts) {
  if (ts.empty()) {
    out += "null";
  } else {
    append_string(out, ts);
  }
}

void append_string_map(std::string& out, const std::map<std::string, std::string>& m) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ',';
    first = false;
    append_string(out, k);
    out += ':';
    append_string(out, v);
  }
  out += '}';
}

}  // namespace fedmetrics::kubeapi::json_codec
