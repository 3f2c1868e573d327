#pragma once
// Field selectors (`fieldSelector=metadata.name=web-0,metadata.namespace!=kube-system`), parsed and printed as
// apimachinery pkg/fields does: terms split at unescaped commas and sorted, operators `!=`, `==`, `=`, values
// with `\`, `,` and `=` escaped by a backslash. Pure functions, no I/O.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "clients/base/result.hpp"

namespace fedmetrics::kubeapi {

struct FieldRequirement {
  std::string field;
  bool equals = true;  ///< `=`/`==` (true) or `!=` (false)
  std::string value;   ///< unescaped
  bool operator==(const FieldRequirement&) const = default;
};

/// A conjunction of requirements; empty selects everything.
struct FieldSelector {
  std::vector<FieldRequirement> requirements;

  /// True when every requirement holds for `fields`; a field absent from `fields` reads as "" (so
  /// `unknown=x` selects nothing and `unknown!=x` everything, as in apimachinery's fields.Set).
  bool matches(const std::map<std::string, std::string>& fields) const;
  /// The canonical text: terms sorted, `==` printed as `=`, values escaped; "" for everything.
  std::string to_string() const;
  bool operator==(const FieldSelector&) const = default;
};

/// Errors: InvalidArgument "invalid selector: '<text>'; can't understand '<term>'" for a term without an
/// operator, and for an invalid escape sequence or an unescaped `,`/`=` in a value.
Result<FieldSelector> parse_field_selector(std::string_view text);

}  // namespace fedmetrics::kubeapi
