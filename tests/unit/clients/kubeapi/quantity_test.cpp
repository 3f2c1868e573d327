#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "clients/kubeapi/quantity.hpp"

namespace fedmetrics::kubeapi {
namespace {

Quantity parsed(const std::string& text) {
  auto q = Quantity::parse(text);
  INFO("parsing " << text);
  REQUIRE(q.has_value());
  return *q;
}

// A BinarySI quantity with an arbitrary value: the sum keeps the (non-zero) left operand's format,
// so 1Ki + raw - 1024 is `raw` in BinarySI. There is no public constructor taking a format.
Quantity binary(const std::string& raw) {
  auto q = parsed("1Ki").add(parsed(raw));
  REQUIRE(q.has_value());
  auto r = q->add(parsed("-1024"));
  REQUIRE(r.has_value());
  REQUIRE(r->format() == QuantityFormat::BinarySI);
  return *r;
}

// kind: "parse" (text as written), "binary" (a BinarySI value), "milli" (from_milli).
Quantity make(const std::string& kind, const std::string& input, bool negate) {
  if (kind == "milli") {
    const auto milli = std::stoll(input);
    return Quantity::from_milli(negate ? -milli : milli);
  }
  const std::string text = negate ? "-" + input : input;
  return kind == "binary" ? binary(text) : parsed(text);
}

}  // namespace

TEST_CASE("quantity canonical form matches every Appendix A.3 vector and its negative", "[unit][quantity]") {
  const auto [kind, input, canonical] = GENERATE(table<std::string, std::string, std::string>({
      {"binary", "1073741824", "1Gi"},
      {"parse", "1024Mi", "1Gi"},
      {"binary", "314572800", "300Mi"},
      {"binary", "6144", "6Ki"},
      {"binary", "5", "5"},
      {"binary", "0.5", "500m"},
      {"binary", "1025", "1025"},
      {"parse", "1000000000", "1G"},
      {"parse", "1000M", "1G"},
      {"parse", "0.001", "1m"},
      {"parse", "1000u", "1m"},
      {"parse", "1.08", "1080m"},
      {"parse", "1080000000n", "1080m"},
      {"parse", "3000", "3k"},
      {"parse", "1234567000000", "1234567M"},
      {"parse", "0.000000001", "1n"},
      {"parse", "0.00000008", "80n"},
      {"parse", "0.00000108", "1080n"},
      {"parse", "1e9", "1e9"},
      {"parse", "80e-3", "80e-3"},
      {"parse", ".001Ki", "1024m"},
      {"parse", ".000001Ki", "1024u"},
      {"parse", ".000000001Ki", "1024n"},
      {"parse", ".000000000001Ki", "2n"},
      {"milli", "66", "66m"},
      {"milli", "1500", "1500m"},
      {"milli", "2000", "2"},
      {"milli", "10500", "10500m"},
      {"milli", "1500000", "1500"},
      {"milli", "15000000", "15k"},
      {"parse", "1.5Gi", "1536Mi"},
      {"binary", "1000000", "1000000"},
  }));
  const bool negate = GENERATE(false, true);
  CAPTURE(kind, input, negate);
  const Quantity q = make(kind, input, negate);
  CHECK(q.to_string() == (negate ? "-" + canonical : canonical));
  // The canonical text parses back to the same value.
  CHECK(parsed(q.to_string()).compare(q) == 0);
}

TEST_CASE("quantity parse accepts the grammar's corner cases", "[unit][quantity]") {
  const auto [input, canonical] = GENERATE(table<std::string, std::string>({
      {"0", "0"},
      {"-0", "0"},
      {"0Ki", "0"},
      {"5.", "5"},
      {".5", "500m"},
      {"+2k", "2k"},
      {"007", "7"},
      {"0.1n", "1n"},
      {"-0.1n", "-1n"},
      {"1.0000000001", "1000000001n"},
      {"1E", "1E"},
      {"1E3", "1e3"},
      {"1e+3", "1e3"},
      {"1e-1000000000", "1e-9"},
      {"1Ei", "1Ei"},
      {"16Ei", "9223372036854775807"},  // BinarySI is capped at 2^63-1
      {"-16Ei", "-9223372036854775807"},
      {"0.5Ki", "512"},
      {"1.5Ki", "1536"},
      {"2048Ki", "2Mi"},
      {"1000E", "1000E"},
      {"12e2", "1200"},  // 1.2e3: exponent lowered to a multiple of 3
      {"12e-2", "120e-3"},
      {"9999999999999999999999999999", "9999999999999999999999999999"},
  }));
  CAPTURE(input);
  CHECK(parsed(input).to_string() == canonical);
}

TEST_CASE("quantity parse remembers the format, BinarySI below one becomes DecimalSI", "[unit][quantity]") {
  CHECK(parsed("1Ki").format() == QuantityFormat::BinarySI);
  CHECK(parsed("0.5Ki").format() == QuantityFormat::BinarySI);
  CHECK(parsed("0.0001Ki").format() == QuantityFormat::DecimalSI);
  CHECK(parsed("1k").format() == QuantityFormat::DecimalSI);
  CHECK(parsed("1e3").format() == QuantityFormat::DecimalExponent);
  CHECK(parsed("0").format() == QuantityFormat::DecimalSI);
  CHECK(Quantity().is_zero());
  CHECK(parsed("-0.0").is_zero());
  CHECK_FALSE(parsed("1n").is_zero());
}

TEST_CASE("quantity parse rejects malformed and out-of-range text", "[unit][quantity]") {
  const std::string input = GENERATE(as<std::string>{}, "", "1.2.3", "5Xi", "abc", "--1", " ", "1e", "1 ", " 1",
                                     ".", "+", "-", "1ki", "1KI", "1e1.5", "1e3e3", "1m1", "Ki", "0x10", "1,5",
                                     "1e40", "1e28", "10000000000000000000000000000",
                                     "99999999999999999999999999999999999999999999", "1e1000000000000",
                                     "-1e40");
  CAPTURE(input);
  const auto q = Quantity::parse(input);
  REQUIRE_FALSE(q.has_value());
  CHECK(q.error().code == Errc::InvalidArgument);
  CHECK(q.error().message.find("quantity") != std::string::npos);
}

TEST_CASE("quantity milli_value rounds up in magnitude and saturates", "[unit][quantity]") {
  const auto [input, milli] = GENERATE(table<std::string, std::int64_t>({
      {"66m", 66},
      {"1", 1000},
      {"1n", 1},
      {"-1n", -1},
      {"1.0001m", 2},
      {"-1.0001m", -2},
      {"1500u", 2},
      {"0", 0},
      {"1Ki", 1024000},
      {"1e20", std::numeric_limits<std::int64_t>::max()},
      {"-1e20", std::numeric_limits<std::int64_t>::min()},
      {"9223372036854775807m", std::numeric_limits<std::int64_t>::max()},
  }));
  CAPTURE(input);
  CHECK(parsed(input).milli_value() == milli);
}

TEST_CASE("quantity as_double gives the value", "[unit][quantity]") {
  CHECK(parsed("1.5").as_double() == Approx(1.5));
  CHECK(parsed("66m").as_double() == Approx(0.066));
  CHECK(parsed("-2Ki").as_double() == Approx(-2048.0));
}

TEST_CASE("quantity add is exact and keeps the left operand's format unless it is zero", "[unit][quantity]") {
  SECTION("DecimalSI + BinarySI stays DecimalSI") {
    auto sum = parsed("1k").add(parsed("1Ki"));
    REQUIRE(sum.has_value());
    CHECK(sum->format() == QuantityFormat::DecimalSI);
    CHECK(sum->to_string() == "2024");
  }
  SECTION("BinarySI + DecimalSI stays BinarySI") {
    auto sum = parsed("1Ki").add(parsed("1024"));
    REQUIRE(sum.has_value());
    CHECK(sum->to_string() == "2Ki");
  }
  SECTION("a zero left operand takes the right operand's format") {
    auto sum = Quantity().add(parsed("1Mi"));
    REQUIRE(sum.has_value());
    CHECK(sum->format() == QuantityFormat::BinarySI);
    CHECK(sum->to_string() == "1Mi");
  }
  SECTION("decimal fractions add without rounding") {
    auto sum = parsed("0.1").add(parsed("0.2"));
    REQUIRE(sum.has_value());
    CHECK(sum->to_string() == "300m");
    CHECK(*sum == parsed("300m"));
  }
  SECTION("a negative sum") {
    auto sum = parsed("1").add(parsed("-3500m"));
    REQUIRE(sum.has_value());
    CHECK(sum->to_string() == "-2500m");
  }
  SECTION("overflow past the representable range is an error") {
    auto sum = parsed("9e27").add(parsed("9e27"));
    REQUIRE_FALSE(sum.has_value());
    CHECK(sum.error().code == Errc::InvalidArgument);
    auto fine = parsed("4e27").add(parsed("4e27"));
    REQUIRE(fine.has_value());
    CHECK(fine->to_string() == "8e27");
  }
}

TEST_CASE("quantity compare ignores the format, equality does not", "[unit][quantity]") {
  CHECK(parsed("1Ki").compare(parsed("1024")) == 0);
  CHECK_FALSE(parsed("1Ki") == parsed("1024"));
  CHECK(parsed("1Ki") == parsed("1024Mi").add(parsed("-1023Mi")).value().add(parsed("-1023Ki")).value());
  CHECK(parsed("1m").compare(parsed("1n")) > 0);
  CHECK(parsed("-1").compare(parsed("1n")) < 0);
  CHECK(parsed("1e3").compare(parsed("1k")) == 0);
}

}  // namespace fedmetrics::kubeapi
