#pragma once
// JSON building blocks shared by the kubeapi codecs (metric_value.cpp, resource_metrics.cpp): bounded parsing
// of member bodies, typed field readers with Go's null-means-zero rules, and the string writer of the direct
// encoders. Internal to kubeapi: include it from kubeapi .cpp files only (it pulls in nlohmann/json).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "clients/base/result.hpp"
#include "clients/kubeapi/quantity.hpp"

namespace fedmetrics::kubeapi::json_codec {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// Member bodies are already bounded by the transport; these guard the parser itself.
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;
inline constexpr int kMaxNestingDepth = 64;

Error protocol_error(std::string message);

/// Parses a JSON object. Errors (ProtocolError, prefixed with `what`): larger than kMaxBodyBytes, nested
/// deeper than kMaxNestingDepth (checked before nlohmann's recursive parser runs), invalid JSON, not an object.
Result<json> parse_body(std::string_view text, std::string_view what);

/// A string field that may be absent or null (Go's zero value, ""); any other non-string is an error.
Result<std::string> optional_string(const json& obj, const char* key, const std::string& where);
/// As optional_string, but absent or null is an error.
Result<std::string> required_string(const json& obj, const char* key, const std::string& where);
/// An int64 field that may be absent or null.
Result<std::optional<std::int64_t>> optional_int(const json& obj, const char* key, const std::string& where);
/// A map of strings (labels, annotations); absent or null is empty.
Result<std::map<std::string, std::string>> decode_string_map(const json& obj, const char* key,
                                                            const std::string& where);
/// A Quantity from its JSON node, as Quantity.UnmarshalJSON reads it: a string (surrounding spaces
/// trimmed) or a bare number; null is zero.
Result<Quantity> quantity_from(const json& node, const std::string& where);

/// Checks the list's `kind` (mandatory) and returns its items (an empty array for absent or null items).
Result<const json*> list_items(const json& body, std::string_view kind, const std::string& what);

/// "<kind>" or "<kind> from cluster <c>", the prefix of every decoding error.
std::string describe(std::string_view cluster, std::string_view kind);

/// Serialises, replacing invalid UTF-8 (strings come from members and users) rather than throwing.
std::string dump(const ordered_json& j);
/// Appends `s` as a JSON string: printable ASCII directly, anything else through nlohmann's escaping.
void append_string(std::string& out, const std::string& s);
/// metav1.Time: the zero value ("") is null.
void append_timestamp(std::string& out, const std::string& ts);
/// A JSON object of strings in key order (Go sorts map keys), e.g. labels.
void append_string_map(std::string& out, const std::map<std::string, std::string>& m);

}  // namespace fedmetrics::kubeapi::json_codec
