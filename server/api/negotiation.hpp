#pragma once
// Accept-header negotiation for a JSON-only server (aggregated-api.md §1.10), with the meta.k8s.io
// conversions a resource endpoint offers (`as=Table`, `as=PartialObjectMetadata[List]`; apiserver
// pkg/endpoints/handlers/negotiation and AllowsMediaTypeTransform).
#include <optional>
#include <string_view>

#include "clients/kubeapi/resource_metrics.hpp"

namespace fedmetrics::api {

/// The shape an answer is sent in.
enum class Representation { Json, Table, PartialObjectMetadata, PartialObjectMetadataList };

struct MediaType {
  Representation representation = Representation::Json;
  kubeapi::MetaVersion meta_version = kubeapi::MetaVersion::V1;  ///< for the meta.k8s.io representations
  bool operator==(const MediaType&) const = default;
};

/// The first acceptable Accept entry, entries ordered by q (higher first) and then by specificity
/// (application/json before application/* before */*), ties in header order; q <= 0 is never acceptable.
/// Acceptable: application/json, application/* or */* — without an `as=` profile, or, when `conversions`
/// (a resource endpoint: metrics.k8s.io), with as=Table, as=PartialObjectMetadata or
/// as=PartialObjectMetadataList and g=meta.k8s.io, v=v1 or v1beta1. No header or an empty one: plain JSON.
/// nullopt: nothing acceptable (the caller answers 406).
std::optional<MediaType> negotiate(std::optional<std::string_view> accept, bool conversions);

/// negotiate(accept, false) found plain JSON.
bool accepts_plain_json(std::optional<std::string_view> accept);

/// The media types we serve, for the 406 message.
inline constexpr std::string_view kServedMediaTypes = "application/json";

}  // namespace fedmetrics::api
