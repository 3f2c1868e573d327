#pragma once
// Kubernetes label selector strings: parse, match, canonical string form and the conversion to the
// structured metav1.LabelSelector (spec: aggregated-api.md Appendix B; semantics of apimachinery
// pkg/labels/selector.go and pkg/apis/meta/v1/helpers.go). Pure functions over value types, no I/O.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "clients/base/result.hpp"
#include "clients/kubeapi/metric_value.hpp"

namespace fedmetrics::kubeapi {

/// The operators of the string grammar: `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (..)`,
/// `k notin (..)`, `k>n`, `k<n`.
enum class SelectorOp { Exists, DoesNotExist, Equals, DoubleEquals, NotEquals, In, NotIn, GreaterThan, LessThan };

/// One requirement. `values` is sorted and free of duplicates after parsing (a Go sets.String):
/// empty for Exists/DoesNotExist, exactly one for =, ==, !=, >, < and at least one for in/notin
/// (`k in ()` parses as the single empty value, as in Go).
struct Requirement {
  std::string key;
  SelectorOp op = SelectorOp::Exists;
  std::vector<std::string> values;
  bool operator==(const Requirement&) const = default;
};

/// A parsed selector: the AND of its requirements. No requirements = matches everything.
/// Value type; immutable use is thread-safe.
struct Selector {
  std::vector<Requirement> requirements;  ///< sorted by key (stable) after parsing

  /// True when the selector selects everything (parsed from "" or whitespace).
  bool empty() const { return requirements.empty(); }

  /// Go Requirement.Matches for every requirement: `!=`/notin match objects without the key;
  /// `>`/`<` need the key with an integer value and compare as int64.
  bool matches(const std::map<std::string, std::string>& labels) const;

  /// Canonical form, as Go's Selector.String(): requirements sorted by key (stable), joined by ',';
  /// in/notin values sorted; no spaces except around in/notin: `app=web,!canary,tier in (a,b)`.
  /// "" for the empty selector. Parsing the output gives back an equal selector.
  std::string to_string() const;

  bool operator==(const Selector&) const = default;
};

/// Longest selector text accepted; a longer one is rejected before parsing.
inline constexpr std::size_t kMaxLabelSelectorLength = 16 * 1024;

/// Parses a selector string (labels.Parse). Whitespace around tokens is allowed; "" selects everything.
/// Keys must be qualified names (optional DNS-subdomain prefix of at most 253 characters and '/', then
/// a name of at most 63 characters: alphanumeric at both ends, '-', '_', '.' inside); values follow
/// the label-value rules (at most 63 characters, may be empty); `>`/`<` values must be integers.
/// Errors: InvalidArgument with a Go-like message naming the problem, e.g.
/// `unable to parse requirement: found '=', expected: identifier`, or for text longer than
/// kMaxLabelSelectorLength.
[[nodiscard]] Result<Selector> parse_label_selector(std::string_view text);

/// The structured form (metav1.ParseToLabelSelector): `=`/`==` -> matchLabels; in, notin, exists,
/// does-not-exist -> matchExpressions (In, NotIn, Exists, DoesNotExist) in key order.
/// Deviation from Go, to keep the meaning: a second `=` on a key already in matchLabels with a
/// different value becomes an `In` expression with that one value instead of overwriting the first.
/// Errors: InvalidArgument for `!=` ("\"!=\" is not a valid label selector operator") and for `>`/`<`
/// ("\"gt\" isn't supported in label selectors"), as Go's helper.
[[nodiscard]] Result<LabelSelector> to_label_selector(const Selector& selector);

}  // namespace fedmetrics::kubeapi
