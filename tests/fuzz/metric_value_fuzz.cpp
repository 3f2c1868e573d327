// libFuzzer target: decode_metric_value_list / decode_external_metric_value_list (aggregated-api.md §1.7, §1.8)
// and decode_resource_metrics_list for pods and nodes (§1.9). Every input goes to every decoder. Invariants on success: encoding (in both custom-metrics versions) and
// decoding again gives the same list, quantities compared after canonicalisation (a BinarySI "5" comes back
// as DecimalSI "5"); from the second round on the encoding is byte-identical.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "clients/kubeapi/metric_value.hpp"
#include "clients/kubeapi/resource_metrics.hpp"
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
  for (const auto version : {CustomMetricsVersion::V1Beta1, CustomMetricsVersion::V1Beta2}) {
    const std::string v(to_string(version));
    // Two rounds: the first may still change a quantity's format (BinarySI "64000" comes back DecimalSI).
    MetricValueList current = *decoded;
    std::string previous;
    for (int round = 0; round < 2; ++round) {
      const std::string encoded = encode_metric_value_list(current, version);
      const auto again = decode_metric_value_list(encoded, kCluster);
      FUZZ_CHECK(again.has_value(),
                 v + " encoding does not decode: " + (again ? std::string() : again.error().message) + "\n  " + encoded);
      FUZZ_CHECK(*again == canonicalised(current), v + " round trip changed the list:\n  " + encoded);
      FUZZ_CHECK(round == 0 || encoded == previous, v + " encoding is not stable:\n  " + previous + "\n  " + encoded);
      previous = encoded;
      current = *again;
    }
  }
}

void check_external(std::string_view json) {
  const auto decoded = decode_external_metric_value_list(json, kCluster);
  if (!decoded) {
    FUZZ_CHECK(decoded.error().code == Errc::ProtocolError, decoded.error().message);
    return;
  }
  ExternalMetricValueList current = *decoded;
  std::string previous;
  for (int round = 0; round < 2; ++round) {
    const std::string encoded = encode_external_metric_value_list(current);
    const auto again = decode_external_metric_value_list(encoded, kCluster);
    FUZZ_CHECK(again.has_value(), "external encoding does not decode: " +
                                      (again ? std::string() : again.error().message) + "\n  " + encoded);
    FUZZ_CHECK(*again == canonicalised(current), "external round trip changed the list:\n  " + encoded);
    FUZZ_CHECK(round == 0 || encoded == previous, "external encoding is not stable:\n  " + previous + "\n  " + encoded);
    previous = encoded;
    current = *again;
  }
}

ResourceMetricsList canonicalised(ResourceMetricsList list) {
  for (auto& item : list.items) {
    FUZZ_CHECK(item.cluster == kCluster, "cluster not stamped on a resource metrics item");
    for (auto& [name, q] : item.usage) q = canonical(q);
    for (auto& c : item.containers) {
      for (auto& [name, q] : c.usage) q = canonical(q);
    }
  }
  return list;
}

// Round trip as above; the Table and metadata renderings of what decoded are valid JSON.
void check_resource(std::string_view json, ResourceMetricsKind kind) {
  const auto decoded = decode_resource_metrics_list(json, kind, kCluster);
  if (!decoded) {
    FUZZ_CHECK(decoded.error().code == Errc::ProtocolError, decoded.error().message);
    return;
  }
  ResourceMetricsList current = *decoded;
  std::string previous;
  for (int round = 0; round < 2; ++round) {
    const std::string encoded = encode_resource_metrics_list(current);
    const auto again = decode_resource_metrics_list(encoded, kind, kCluster);
    FUZZ_CHECK(again.has_value(), "resource metrics encoding does not decode: " +
                                      (again ? std::string() : again.error().message) + "\n  " + encoded);
    FUZZ_CHECK(*again == canonicalised(current), "resource metrics round trip changed the list:\n  " + encoded);
    FUZZ_CHECK(round == 0 || encoded == previous, "resource metrics encoding is not stable:\n  " + previous + "\n  " + encoded);
    previous = encoded;
    current = *again;
  }
  for (const std::string& rendered :
       {encode_resource_metrics_table(current, MetaVersion::V1, IncludeObject::Object),
        encode_partial_object_metadata_list(current, MetaVersion::V1Beta1)}) {
    FUZZ_CHECK(nlohmann::json::accept(rendered), "rendering is not JSON:\n  " + rendered);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  check_custom(json);
  check_external(json);
  check_resource(json, ResourceMetricsKind::Pods);
  check_resource(json, ResourceMetricsKind::Nodes);
  return 0;
}
