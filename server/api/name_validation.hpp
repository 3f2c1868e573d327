#pragma once
// Validation of the names that arrive in metric paths, before anything reaches a member: a bad
// namespace, resource, object or metric name is a 400, never a member call.
#include <optional>
#include <string>
#include <string_view>

#include "aggregation/provider/metric_query.hpp"

namespace fedmetrics::api {

/// DNS-1123 label: 1-63 of [a-z0-9-], alphanumeric at both ends.
bool is_dns1123_label(std::string_view s);
/// An object name as path segment: 1-253 printable ASCII characters other than '/', '%' and space,
/// and not "." or "..".
bool is_object_name(std::string_view s);
/// A plural resource, optionally group-qualified: lower-case [a-z0-9.-], 1-253 characters.
bool is_resource_name(std::string_view s);
/// A metric name: 1-253 of [A-Za-z0-9_:.-].
bool is_metric_name(std::string_view s);

/// The first problem with a query, as a message for a 400 Status; nullopt when valid. The name of a
/// core `namespaces` object must also be a DNS-1123 label.
std::optional<std::string> validate_custom_query(const provider::MetricQuery& query);
std::optional<std::string> validate_external_query(const provider::ExternalQuery& query);
std::optional<std::string> validate_resource_query(const provider::ResourceQuery& query);

}  // namespace fedmetrics::api
