#pragma once
// Accept-header negotiation for a JSON-only server (aggregated-api.md §1.10).
#include <optional>
#include <string_view>

namespace fedmetrics::api {

/// True when the client accepts plain JSON: no Accept header, or an entry application/json,
/// application/* or */* without an `as=` profile and with q > 0.
bool accepts_plain_json(std::optional<std::string_view> accept);

/// The media types we serve, for the 406 message.
inline constexpr std::string_view kServedMediaTypes = "application/json";

}  // namespace fedmetrics::api
