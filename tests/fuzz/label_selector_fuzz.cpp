// libFuzzer target: parse_label_selector (aggregated-api.md Appendix B).
// Invariants: the canonical string re-parses to an equal selector and is a fixed point; conversion to
// metav1.LabelSelector fails only for !=, > and <; matching an empty label set follows Go's rules.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "clients/kubeapi/label_selector.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace fedmetrics;
using namespace fedmetrics::kubeapi;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_label_selector(text);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code == Errc::InvalidArgument, parsed.error().message);
    return 0;
  }
  const Selector& sel = *parsed;

  for (const auto& r : sel.requirements) {
    FUZZ_CHECK(!r.key.empty(), "empty key accepted");
    switch (r.op) {
      case SelectorOp::Exists:
      case SelectorOp::DoesNotExist:
        FUZZ_CHECK(r.values.empty(), "exists/!exists with values: " + r.key);
        break;
      case SelectorOp::In:
      case SelectorOp::NotIn:
        FUZZ_CHECK(!r.values.empty(), "in/notin without values: " + r.key);
        break;
      default:
        FUZZ_CHECK(r.values.size() == 1, "binary operator without exactly one value: " + r.key);
    }
    FUZZ_CHECK(std::set<std::string>(r.values.begin(), r.values.end()).size() == r.values.size() &&
                   std::is_sorted(r.values.begin(), r.values.end()),
               "values not sorted/unique for " + r.key);
  }

  // Canonical form: re-parses to the same selector and is a fixed point.
  const std::string canonical = sel.to_string();
  const auto again = parse_label_selector(canonical);
  FUZZ_CHECK(again.has_value(), "canonical form does not re-parse: \"" + canonical + "\": " +
                                    (again ? std::string() : again.error().message));
  FUZZ_CHECK(*again == sel, "canonical form re-parses to a different selector: \"" + canonical + "\" -> \"" +
                                again->to_string() + "\"");
  FUZZ_CHECK(again->to_string() == canonical, "to_string is not a fixed point: \"" + canonical + "\"");
  FUZZ_CHECK(sel.empty() == canonical.empty(), "empty selector iff empty string: \"" + canonical + "\"");

  // Structured form: only !=, >, < are rejected.
  bool convertible = true;
  for (const auto& r : sel.requirements) {
    if (r.op == SelectorOp::NotEquals || r.op == SelectorOp::GreaterThan || r.op == SelectorOp::LessThan) {
      convertible = false;
    }
  }
  const auto structured = to_label_selector(sel);
  FUZZ_CHECK(structured.has_value() == convertible,
             "to_label_selector " + std::string(structured ? "accepted" : "rejected") + " \"" + canonical + "\"");

  // An object without labels matches only when every requirement tolerates a missing key.
  bool empty_matches = true;
  for (const auto& r : sel.requirements) {
    if (r.op != SelectorOp::DoesNotExist && r.op != SelectorOp::NotEquals && r.op != SelectorOp::NotIn) {
      empty_matches = false;
    }
  }
  FUZZ_CHECK(sel.matches({}) == empty_matches, "matches({}) wrong for \"" + canonical + "\"");

  // With one requirement per key, labels built from the positive requirements match.
  std::map<std::string, std::string> labels;
  bool positive_unique = true;
  for (const auto& r : sel.requirements) {
    const bool positive = r.op == SelectorOp::Exists || r.op == SelectorOp::Equals ||
                          r.op == SelectorOp::DoubleEquals || r.op == SelectorOp::In;
    if (!positive || labels.count(r.key) > 0) {
      positive_unique = false;
      break;
    }
    labels[r.key] = r.values.empty() ? "x" : r.values.front();
  }
  if (positive_unique) {
    FUZZ_CHECK(sel.matches(labels), "labels built from the selector do not match \"" + canonical + "\"");
  }
  return 0;
}
