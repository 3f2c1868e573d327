#include "clients/kubeapi/quantity.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace fedmetrics::kubeapi {
namespace {

__extension__ typedef __int128 Nano;
__extension__ typedef unsigned __int128 UNano;

constexpr std::int64_t kNanoPerUnit = 1'000'000'000;
// Our representable range: |value| < 1e28 units (1e37 nano). Go's inf.Dec is unbounded, but 1e28 is far
// beyond any metric, and keeping sums of two in-range values inside __int128 makes add() overflow-safe.
constexpr int kMaxNanoDigits = 37;
// Go caps BinarySI quantities at math.MaxInt64 units (quantity.go, "The max is just a simple cap").
constexpr Nano kBinaryCapNano = Nano{std::numeric_limits<std::int64_t>::max()} * kNanoPerUnit;

constexpr Nano pow10(int n) {
  Nano v = 1;
  for (int i = 0; i < n; ++i) {
    v *= 10;
  }
  return v;
}

constexpr Nano kMaxNanoExclusive = pow10(kMaxNanoDigits);

Error invalid(std::string_view text, std::string_view why) {
  return make_error(Errc::InvalidArgument,
                    "quantity \"" + std::string(text) + "\": " + std::string(why));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Multiplies a decimal digit string (most significant first) by a small factor in place.
void multiply_digits(std::string& digits, unsigned factor) {
  unsigned carry = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    const unsigned v = static_cast<unsigned>(*it - '0') * factor + carry;
    *it = static_cast<char>('0' + v % 10);
    carry = v / 10;
  }
  while (carry > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + carry % 10));
    carry /= 10;
  }
}

struct Suffix {
  int base = 10;      // 10 or 2
  int exponent = 0;   // power of `base`
  QuantityFormat format = QuantityFormat::DecimalSI;
};

// suffix.go: decimal SI, binary SI, or e/E followed by a (signed) integer. A lone "E" is exa.
bool interpret_suffix(std::string_view s, Suffix& out) {
  static constexpr std::array<std::pair<std::string_view, int>, 10> kDecimal{{
      {"n", -9}, {"u", -6}, {"m", -3}, {"", 0}, {"k", 3},
      {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}}};
  static constexpr std::array<std::pair<std::string_view, int>, 6> kBinary{{
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}}};
  for (const auto& [name, exp] : kDecimal) {
    if (s == name) {
      out = {10, exp, QuantityFormat::DecimalSI};
      return true;
    }
  }
  for (const auto& [name, exp] : kBinary) {
    if (s == name) {
      out = {2, exp, QuantityFormat::BinarySI};
      return true;
    }
  }
  if (s.size() < 2 || (s[0] != 'e' && s[0] != 'E')) {
    return false;
  }
  std::string_view num = s.substr(1);
  bool negative = false;
  if (num[0] == '+' || num[0] == '-') {
    negative = num[0] == '-';
    num.remove_prefix(1);
  }
  if (num.empty() || !std::all_of(num.begin(), num.end(), is_digit)) {
    return false;
  }
  // Exponents beyond +-10^6 are clamped: every such value is either out of range or rounds to 1n.
  int exp = 0;
  for (char c : num) {
    exp = std::min(exp * 10 + (c - '0'), 1'000'000);
  }
  out = {10, negative ? -exp : exp, QuantityFormat::DecimalExponent};
  return true;
}

std::string digits_of(UNano v) {
  if (v == 0) {
    return "0";
  }
  std::string s;
  while (v > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

UNano magnitude(Nano v) { return v < 0 ? static_cast<UNano>(-(v + 1)) + 1 : static_cast<UNano>(v); }

}  // namespace

Result<Quantity> Quantity::parse(std::string_view text) {
  if (text.empty()) {
    return invalid(text, "empty quantity");
  }
  // parseQuantityString: sign, integer digits, optional '.' and fraction digits, then the suffix.
  std::size_t pos = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    ++pos;
  }
  const std::size_t int_start = pos;
  while (pos < text.size() && is_digit(text[pos])) {
    ++pos;
  }
  std::string_view int_digits = text.substr(int_start, pos - int_start);
  std::string_view frac_digits;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t frac_start = ++pos;
    while (pos < text.size() && is_digit(text[pos])) {
      ++pos;
    }
    frac_digits = text.substr(frac_start, pos - frac_start);
  }
  if (int_digits.empty() && frac_digits.empty()) {
    return invalid(text, "quantities must match the regular expression "
                         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  }
  Suffix suffix;
  if (!interpret_suffix(text.substr(pos), suffix)) {
    return invalid(text, "unable to parse quantity's suffix");
  }

  // value = digits * 10^(-len(frac)) * base^exponent; in nano: scale by 10^9 as well.
  std::string digits = std::string(int_digits) + std::string(frac_digits);
  long long decimal_shift = 9 - static_cast<long long>(frac_digits.size());
  if (suffix.base == 10) {
    decimal_shift += suffix.exponent;
  } else {
    for (int i = 0; i < suffix.exponent / 10; ++i) {
      multiply_digits(digits, 1024);
    }
  }
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  const bool is_zero_value = digits.empty();
  bool round_up = false;
  if (!is_zero_value && decimal_shift < 0) {
    // Round up in magnitude to nano precision: drop the digits below 1n, add one if any was non-zero.
    const auto drop = static_cast<std::size_t>(std::min<long long>(-decimal_shift, 1'000'000'000));
    const std::size_t keep = digits.size() > drop ? digits.size() - drop : 0;
    round_up = digits.find_first_not_of('0', keep) != std::string::npos;
    digits.resize(keep);
    digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
    decimal_shift = 0;
  }
  const long long total_digits = static_cast<long long>(digits.size()) + (digits.empty() ? 0 : decimal_shift);
  const bool binary = suffix.format == QuantityFormat::BinarySI;
  UNano mag = 0;
  if (total_digits > kMaxNanoDigits) {
    if (!binary) {
      return invalid(text, "value out of range");
    }
    mag = static_cast<UNano>(kBinaryCapNano);
  } else {
    for (char c : digits) {
      mag = mag * 10 + static_cast<unsigned>(c - '0');
    }
    for (long long i = 0; i < decimal_shift && mag != 0; ++i) {
      mag *= 10;
    }
    if (round_up) {
      mag += 1;
    }
    if (mag >= static_cast<UNano>(kMaxNanoExclusive) && !binary) {
      return invalid(text, "value out of range");
    }
  }
  QuantityFormat format = suffix.format;
  if (binary) {
    mag = std::min(mag, static_cast<UNano>(kBinaryCapNano));
    // Below one unit BinarySI cannot be shown exactly; Go switches to DecimalSI.
    if (mag < static_cast<UNano>(kNanoPerUnit)) {
      format = QuantityFormat::DecimalSI;
    }
  }
  const Nano value = static_cast<Nano>(mag);
  return Quantity(negative ? -value : value, format);
}

Quantity Quantity::from_milli(std::int64_t milli) {
  return Quantity(Nano{milli} * 1'000'000, QuantityFormat::DecimalSI);
}

std::string Quantity::to_string() const {
  if (nano_ == 0) {
    return "0";
  }
  const std::string sign = nano_ < 0 ? "-" : "";
  const UNano mag = magnitude(nano_);
  constexpr UNano kUnit = kNanoPerUnit;
  if (format_ == QuantityFormat::BinarySI && mag >= 1024 * kUnit && mag % kUnit == 0) {
    static constexpr std::array<std::string_view, 7> kBinary{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    UNano units = mag / kUnit;
    std::size_t k = 0;
    while (k + 1 < kBinary.size() && units % 1024 == 0) {
      units /= 1024;
      ++k;
    }
    return sign + digits_of(units) + std::string(kBinary[k]);
  }
  // DecimalSI / DecimalExponent (and BinarySI that is small or fractional): m x 10^e with e a multiple of 3.
  UNano m = mag;
  int e = -9;
  while (m % 10 == 0) {
    m /= 10;
    ++e;
  }
  int e3 = e >= 0 ? e / 3 * 3 : -((-e + 2) / 3 * 3);
  if (format_ != QuantityFormat::DecimalExponent && e3 > 18) {
    e3 = 18;  // no SI prefix beyond exa: print "1000E" rather than Go's suffix-less bug
  }
  for (int i = e3; i < e; ++i) {
    m *= 10;
  }
  std::string out = sign + digits_of(m);
  if (format_ == QuantityFormat::DecimalExponent) {
    if (e3 != 0) {
      out += "e" + std::to_string(e3);
    }
    return out;
  }
  static constexpr std::array<std::string_view, 10> kDecimal{"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
  out += kDecimal[static_cast<std::size_t>((e3 + 9) / 3)];
  return out;
}

std::int64_t Quantity::milli_value() const {
  constexpr Nano kNanoPerMilli = 1'000'000;
  Nano milli = nano_ / kNanoPerMilli;
  if (nano_ % kNanoPerMilli != 0) {
    milli += nano_ > 0 ? 1 : -1;  // away from zero, as Go's MilliValue (RoundUp)
  }
  if (milli > std::numeric_limits<std::int64_t>::max()) {
    return std::numeric_limits<std::int64_t>::max();
  }
  if (milli < std::numeric_limits<std::int64_t>::min()) {
    return std::numeric_limits<std::int64_t>::min();
  }
  return static_cast<std::int64_t>(milli);
}

double Quantity::as_double() const {
  return static_cast<double>(static_cast<long double>(nano_) / kNanoPerUnit);
}

bool Quantity::is_zero() const { return nano_ == 0; }

Result<Quantity> Quantity::add(const Quantity& other) const {
  const Nano sum = nano_ + other.nano_;  // both below 1e37 in magnitude: cannot overflow __int128
  if (magnitude(sum) >= static_cast<UNano>(kMaxNanoExclusive)) {
    return make_error(Errc::InvalidArgument,
                      "quantity sum " + to_string() + " + " + other.to_string() + " is out of range");
  }
  return Quantity(sum, nano_ == 0 ? other.format_ : format_);
}

int Quantity::compare(const Quantity& other) const {
  if (nano_ < other.nano_) {
    return -1;
  }
  return nano_ > other.nano_ ? 1 : 0;
}

}  // namespace fedmetrics::kubeapi
