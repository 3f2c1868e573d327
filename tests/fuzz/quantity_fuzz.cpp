// libFuzzer target: Quantity::parse (aggregated-api.md Appendix A).
// Invariants: the canonical string re-parses to an equal value and is stable from the second round on; milli_value never
// throws and rounds up in magnitude; q + (-q) == 0; addition is commutative. An input with a '\n' is
// also split into two quantities for the addition checks.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "clients/kubeapi/quantity.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace fedmetrics;
using namespace fedmetrics::kubeapi;

namespace {

void check_one(std::string_view text) {
  const auto parsed = Quantity::parse(text);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code == Errc::InvalidArgument, parsed.error().message);
    return;
  }
  const Quantity& q = *parsed;
  const std::string canonical = q.to_string();
  const auto again = Quantity::parse(canonical);
  FUZZ_CHECK(again.has_value(), "canonical form does not re-parse: \"" + canonical + "\" from \"" +
                                    std::string(text) + "\"");
  FUZZ_CHECK(again->compare(q) == 0, "canonical form changes the value: \"" + std::string(text) + "\" -> \"" +
                                         canonical + "\"");
  // Not a fixed point in one step: BinarySI 64000 ("62.5Ki") prints "64000", which parses as DecimalSI and
  // prints "64k" (Go does the same). From the second string on it must be stable.
  const std::string second = again->to_string();
  const auto third = Quantity::parse(second);
  FUZZ_CHECK(third.has_value() && third->compare(q) == 0 && third->to_string() == second,
             "to_string does not settle: \"" + std::string(text) + "\" -> \"" + canonical + "\" -> \"" + second + "\"");
  FUZZ_CHECK(second == canonical || q.format() == QuantityFormat::BinarySI,
             "canonical form of a decimal quantity changes when re-parsed: \"" + canonical + "\" -> \"" + second + "\"");
  FUZZ_CHECK(q.is_zero() == (canonical == "0"), "zero iff \"0\": \"" + canonical + "\"");
  FUZZ_CHECK((q.compare(Quantity()) < 0) == (canonical.front() == '-'), "sign of \"" + canonical + "\"");

  std::int64_t milli = 0;
  try {
    milli = q.milli_value();
  } catch (...) {
    FUZZ_CHECK(false, "milli_value threw for \"" + canonical + "\"");
  }
  (void)q.as_double();
  if (milli != std::numeric_limits<std::int64_t>::max() && milli != std::numeric_limits<std::int64_t>::min()) {
    // Rounded up in magnitude: |from_milli(m)| >= |q| and on the same side of zero.
    const int c = Quantity::from_milli(milli).compare(q);
    const int s = q.compare(Quantity());
    FUZZ_CHECK(s > 0 ? c >= 0 : s < 0 ? c <= 0 : c == 0,
               "milli_value " + std::to_string(milli) + " not rounded up in magnitude for \"" + canonical + "\"");
  }

  if (!q.is_zero() && canonical.front() != '-') {
    const auto negated = Quantity::parse("-" + canonical);
    FUZZ_CHECK(negated.has_value(), "negation does not parse: -" + canonical);
    const auto sum = q.add(*negated);
    FUZZ_CHECK(sum.has_value() && sum->is_zero(), "q + (-q) != 0 for \"" + canonical + "\"");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_one(text);

  const auto nl = text.find('\n');
  if (nl == std::string_view::npos) return 0;
  const std::string_view a_text = text.substr(0, nl);
  const std::string_view b_text = text.substr(nl + 1);
  check_one(a_text);
  check_one(b_text);
  const auto a = Quantity::parse(a_text);
  const auto b = Quantity::parse(b_text);
  if (!a || !b) return 0;
  const auto ab = a->add(*b);
  const auto ba = b->add(*a);
  FUZZ_CHECK(ab.has_value() == ba.has_value(), "addition overflow not symmetric");
  if (ab) {
    FUZZ_CHECK(ab->compare(*ba) == 0, "a + b != b + a: " + ab->to_string() + " vs " + ba->to_string());
    check_one(ab->to_string());
    if (a->is_zero()) {
      FUZZ_CHECK(ab->compare(*b) == 0, "0 + b != b");
    }
  }
  return 0;
}
