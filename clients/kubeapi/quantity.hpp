#pragma once
// Kubernetes resource.Quantity: exact decimal parse, canonical formatting and exact addition,
// following apimachinery pkg/api/resource (spec: aggregated-api.md Appendix A).
#include <cstdint>
#include <string>
#include <string_view>

#include "clients/base/result.hpp"

namespace fedmetrics::kubeapi {

enum class QuantityFormat { DecimalSI, BinarySI, DecimalExponent };

/// An exact decimal with nano (1e-9) precision and the format remembered from parsing.
/// Value type; cheap to copy.
class Quantity {
 public:
  Quantity() = default;  ///< zero, DecimalSI

  /// Parses "66m", "1.5Gi", "1e3", ".5", "+2k" ... Rounds up in magnitude to nano precision.
  /// Errors: InvalidArgument for empty text, a bad number or suffix, or a value beyond the range.
  static Result<Quantity> parse(std::string_view text);
  /// A DecimalSI quantity of `milli` thousandths (what prometheus-adapter produces).
  static Quantity from_milli(std::int64_t milli);

  /// Canonical string (Appendix A.3): "66m", "2", "15k", "1Gi", "80e-3".
  std::string to_string() const;
  /// Value in milli-units rounded up in magnitude (Go MilliValue()); saturates at int64 limits.
  std::int64_t milli_value() const;
  /// Value as a double (for display and ratios only).
  double as_double() const;
  QuantityFormat format() const { return format_; }
  bool is_zero() const;

  /// Exact sum; the format is the left operand's unless it is zero (Appendix A.4).
  /// Errors: InvalidArgument if the sum overflows the representable range.
  Result<Quantity> add(const Quantity& other) const;

  /// Compares values, ignoring format.
  int compare(const Quantity& other) const;
  bool operator==(const Quantity& other) const { return compare(other) == 0 && format_ == other.format_; }

 private:
  __extension__ typedef __int128 Nano;  // value in units of 1e-9; |value| < ~1.7e29 nano
  Quantity(Nano nano, QuantityFormat format) : nano_(nano), format_(format) {}
  Nano nano_ = 0;
  QuantityFormat format_ = QuantityFormat::DecimalSI;
};

}  // namespace fedmetrics::kubeapi
