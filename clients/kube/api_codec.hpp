#pragma once
// The pure half of the REST client: request targets, response and Status decoding, watch-stream decoding.
// No I/O; HttpsRestClient and the tests use these directly.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "clients/base/result.hpp"
#include "clients/kube/rest_client.hpp"

namespace fedmetrics::kube {

/// "/api/v1/namespaces/ns/pods", "/apis/cluster.karmada.io/v1alpha1/clusters" (segments escaped).
[[nodiscard]] std::string collection_path(const ResourceRef& ref);
/// collection_path + "/name" [+ "/subresource"].
[[nodiscard]] std::string object_path(const ResourceRef& ref, std::string_view name, std::string_view subresource);
/// LIST target with labelSelector, fieldSelector, limit and continue (when non-empty/non-zero).
[[nodiscard]] std::string list_target(const ResourceRef& ref, const ListOptions& options,
                                      std::string_view continue_token);
/// WATCH target: watch=1, resourceVersion, allowWatchBookmarks, timeoutSeconds and the selectors.
[[nodiscard]] std::string watch_target(const ResourceRef& ref, const WatchOptions& options);

/// Errc for an HTTP status (see rest_client.hpp); 2xx → Internal (not an error, caller bug).
[[nodiscard]] Errc errc_for_http_status(int status);

/// Error for a non-2xx answer: `<what>: <code> <reason>: <Status message>`, e.g.
/// `GET /api/v1/namespaces/a/pods/x: 404 NotFound: pods "x" not found`. A body that is not a Status is
/// quoted (first 200 bytes).
[[nodiscard]] Error error_from_response(int status, std::string_view body, std::string_view what);

/// Error carried by a watch ERROR event's Status object (code 410 → Gone, "Expired" reason too).
[[nodiscard]] Error error_from_status_object(const nlohmann::json& status, std::string_view what);

/// One page of a LIST answer.
struct ListPage {
  std::vector<nlohmann::json> items;
  std::string resource_version;
  std::string continue_token;
};
/// Decodes a `*List` body. Errors: ProtocolError (invalid JSON, items not a list).
[[nodiscard]] Result<ListPage> decode_list_page(std::string_view body);

/// Decodes one watch event `{"type":"ADDED","object":{...}}`. Errors: ProtocolError (bad JSON, unknown type,
/// missing object).
[[nodiscard]] Result<WatchEvent> decode_watch_event(std::string_view line);
/// Decodes a watch body: one JSON event per line (the apiserver's json.Encoder framing). Blank lines are
/// skipped. Errors: ProtocolError naming the 1-based event index; a truncated last line is an error too.
[[nodiscard]] Result<std::vector<WatchEvent>> decode_watch_stream(std::string_view body);

/// metadata.resourceVersion of an object, "" if absent.
[[nodiscard]] std::string resource_version_of(const nlohmann::json& object);

}  // namespace fedmetrics::kube
