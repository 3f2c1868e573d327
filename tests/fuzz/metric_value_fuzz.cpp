// libFuzzer target: decode_metric_value_list / decode_external_metric_value_list (aggregated-api.md §1.7, §1.8).
// Every input goes to both decoders. Invariants on success: encoding (in both custom-metrics versions) and
// decoding again gives the same list, quantities compared after canonicalisation (a BinarySI "5" comes back
// as DecimalSI "5"); a second encode is byte-identical to the first.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "clients/kubeapi/metric_value.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace fedmetrics;
using namespace fedmetrics::kubeapi;

namespace {

constexpr std::string_view kCluster = "member-1";

// The quantity as it comes back from its canonical string.
Quantity canonical(const Quantity& q) {
  const std::string s = q.to_string();
  const auto back = Quantity::parse(s);
  FUZZ_CHECK(back.has_value(), "canonical quantity does not parse: \"" + s + "\"");
  return *back;
}

template <class List>
List canonicalised(List list) {
  for (auto& item : list.items) {
    FUZZ_CHECK(item.cluster == kCluster, "cluster not stamped on an item");
    item.value = canonical(item.value);
  }
  return list;
}

void check_custom(std::string_view json) {
  const auto decoded = decode_metric_value_list(json, kCluster);
  if (!decoded) {
    FUZZ_CHECK(decoded.error().code == Errc::ProtocolError, decoded.error().message);
    return;
  }
  const MetricValueList expected = canonicalised(*decoded);
  for (const auto version : {CustomMetricsVersion::V1Beta1, CustomMetricsVersion::V1Beta2}) {
    const std::string encoded = encode_metric_value_list(*decoded, version);
    const auto again = decode_metric_value_list(encoded, kCluster);
    FUZZ_CHECK(again.has_value(), std::string(to_string(version)) + " encoding does not decode: " +
                                      (again ? std::string() : again.error().message) + "\n  " + encoded);
    FUZZ_CHECK(*again == expected, std::string(to_string(version)) + " round trip changed the list:\n  " + encoded);
    FUZZ_CHECK(encode_metric_value_list(*again, version) == encoded,
               std::string(to_string(version)) + " second encoding differs:\n  " + encoded);
  }
}

void check_external(std::string_view json) {
  const auto decoded = decode_external_metric_value_list(json, kCluster);
  if (!decoded) {
    FUZZ_CHECK(decoded.error().code == Errc::ProtocolError, decoded.error().message);
    return;
  }
  const ExternalMetricValueList expected = canonicalised(*decoded);
  const std::string encoded = encode_external_metric_value_list(*decoded);
  const auto again = decode_external_metric_value_list(encoded, kCluster);
  FUZZ_CHECK(again.has_value(),
             "external encoding does not decode: " + (again ? std::string() : again.error().message) + "\n  " + encoded);
  FUZZ_CHECK(*again == expected, "external round trip changed the list:\n  " + encoded);
  FUZZ_CHECK(encode_external_metric_value_list(*again) == encoded, "external second encoding differs:\n  " + encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  check_custom(json);
  check_external(json);
  return 0;
}
