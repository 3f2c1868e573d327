#pragma once
// The seam between fedmetrics and a Kubernetes API server (the Karmada control plane): typed by resource,
// untyped by object (nlohmann::json; decode with the views in objects.hpp). One production implementation,
// HttpsRestClient (https_rest_client.hpp); one fake, tests/fakes/fake_rest_client.hpp.
//
// Errors every method can return, mapped from the answer (the message carries the metav1.Status message):
//   InvalidArgument 400/422, Unauthorized 401, Forbidden 403, NotFound 404, Conflict 409, Gone 410,
//   TooLarge 413 or a body above the transport limit, Unavailable 429 (after retries)/5xx/connection failure,
//   Timeout (the per-request timeout passed), ProtocolError (an undecodable body), Cancelled, Throttled (not
//   sent: the client-side rate-limit slot was further away than the implementation's wait bound).
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "clients/base/net.hpp"
#include "clients/base/result.hpp"

namespace fedmetrics::kube {

/// Result<json> from a json value. Needed because nlohmann::json converts implicitly to any type
/// (Error included), which makes `Result<json> r = j;` ambiguous.
inline Result<nlohmann::json> json_value(nlohmann::json j) {
  return Result<nlohmann::json>(boost::system::in_place_value, std::move(j));
}

/// A collection of one resource: group ("" = core), version, plural resource name and namespace.
/// An empty namespace means a cluster-scoped resource, or all namespaces for list/watch.
struct ResourceRef {
  std::string group;
  std::string version;
  std::string resource;
  std::string namespace_name;

  /// The same resource in namespace `ns`.
  ResourceRef in(std::string ns) const {
    ResourceRef r = *this;
    r.namespace_name = std::move(ns);
    return r;
  }
  bool operator==(const ResourceRef&) const = default;
};

/// The resources fedmetrics uses (namespace unset; use `.in(ns)`).
namespace resources {
inline ResourceRef clusters() { return {"cluster.karmada.io", "v1alpha1", "clusters", ""}; }
inline ResourceRef secrets() { return {"", "v1", "secrets", ""}; }
inline ResourceRef pods() { return {"", "v1", "pods", ""}; }
inline ResourceRef events() { return {"", "v1", "events", ""}; }
inline ResourceRef leases() { return {"coordination.k8s.io", "v1", "leases", ""}; }
inline ResourceRef deployments() { return {"apps", "v1", "deployments", ""}; }
}  // namespace resources

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  /// Page size (`limit`); the client follows `continue` tokens until the list is complete. 0 = unpaged.
  std::size_t page_size = 500;
  bool operator==(const ListOptions&) const = default;
};

/// A complete list: every page's items, and the list's resourceVersion (the point to start a watch from).
struct ObjectList {
  std::string resource_version;
  std::vector<nlohmann::json> items;
};

enum class WatchEventType { Added, Modified, Deleted, Bookmark, Error };
std::string_view to_string(WatchEventType type);

/// One watch event. For Error, `object` is the metav1.Status the server sent.
struct WatchEvent {
  WatchEventType type = WatchEventType::Added;
  nlohmann::json object;
};

struct WatchOptions {
  std::string resource_version;  ///< start after this version ("" = the server's current state, with synthetic ADDEDs)
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;   ///< ask for BOOKMARK events (the informer keeps its resourceVersion fresh)
  /// `timeoutSeconds`: the server ends the watch after this long. See HttpsRestClient for why it matters.
  std::chrono::seconds timeout{10};
  bool operator==(const WatchOptions&) const = default;
};

/// Called for each event, in order, on the executor that awaits watch(). Must not block.
using WatchHandler = std::function<void(WatchEvent)>;

enum class PatchType {
  Merge,      ///< application/merge-patch+json (RFC 7386)
  Json,       ///< application/json-patch+json (RFC 6902)
  Strategic,  ///< application/strategic-merge-patch+json (built-in types only)
};
std::string_view content_type(PatchType type);

/// Kubernetes REST verbs over one API server.
///
/// Thread-safety: every method may be called concurrently from any executor. Each call resumes the
/// awaiting coroutine on its own executor; a call may complete without suspending (the fake always does).
/// Cancellation: cancelling the awaiting coroutine (per-operation cancellation) ends the call with Cancelled.
/// Every request has a per-request timeout (implementation option) and passes a client-side rate limiter.
/// `subresource` is "" or e.g. "status", "scale". Parameters are taken by value (coroutines).
class RestClient {
 public:
  virtual ~RestClient() = default;
  RestClient() = default;
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  /// GET one object (or its subresource).
  virtual net::awaitable<Result<nlohmann::json>> get(ResourceRef ref, std::string name,
                                                     std::string subresource) = 0;

  /// LIST every object, following `continue` tokens. If a continue token expires mid-list (410), the
  /// whole list is restarted once without pagination. The result's resource_version is the last page's.
  virtual net::awaitable<Result<ObjectList>> list(ResourceRef ref, ListOptions options) = 0;

  /// WATCH from options.resource_version: calls `handler` for every ADDED/MODIFIED/DELETED/BOOKMARK event
  /// and returns ok() when the server ends the watch normally (its timeout). An ERROR event ends the watch
  /// with the error it carries: Gone for 410 "too old resource version" (the caller must relist), others
  /// mapped like HTTP codes; events before it have been delivered. An HTTP 410 answer is Gone as well.
  virtual net::awaitable<Result<void>> watch(ResourceRef ref, WatchOptions options, WatchHandler handler) = 0;

  /// POST a new object into the collection; returns the stored object. Conflict if it already exists.
  virtual net::awaitable<Result<nlohmann::json>> create(ResourceRef ref, nlohmann::json object) = 0;

  /// PUT the object (or subresource). With metadata.resourceVersion set, the write is conditional:
  /// Conflict when the stored version differs (use update_with_retry). Returns the stored object.
  virtual net::awaitable<Result<nlohmann::json>> update(ResourceRef ref, std::string name, std::string subresource,
                                                        nlohmann::json object) = 0;

  /// PATCH with `patch` (text of the given type). Returns the patched object.
  virtual net::awaitable<Result<nlohmann::json>> patch(ResourceRef ref, std::string name, std::string subresource,
                                                       PatchType type, std::string patch) = 0;

  /// DELETE the object. NotFound if it does not exist.
  virtual net::awaitable<Result<void>> remove(ResourceRef ref, std::string name) = 0;
};

/// Edits an object in place; returns true to write it, false when nothing needs changing.
/// Errors returned by the mutator abort update_with_retry with that error.
using Mutator = std::function<Result<bool>(nlohmann::json&)>;

/// Read-modify-write with optimistic concurrency (client-go retry.RetryOnConflict): GET, mutate, PUT with
/// the read resourceVersion; on Conflict re-read and retry, up to `max_attempts` writes.
/// Returns the stored object (the unmodified one when the mutator declined). `client` must outlive the call.
/// Errors: the GET's or PUT's errors; Conflict when every attempt conflicted.
net::awaitable<Result<nlohmann::json>> update_with_retry(RestClient& client, ResourceRef ref, std::string name,
                                                         std::string subresource, Mutator mutate,
                                                         int max_attempts = 5);

/// How update_with_retry sends each write (ref, name, subresource, object): client.update by default; a
/// FencedWriter sends it through its fence (fence.hpp).
using Put = std::function<net::awaitable<Result<nlohmann::json>>(ResourceRef, std::string, std::string,
                                                                  nlohmann::json)>;
/// update_with_retry with the writes sent by `put` (the reads still through `client`).
net::awaitable<Result<nlohmann::json>> update_with_retry(RestClient& client, ResourceRef ref, std::string name,
                                                         std::string subresource, Mutator mutate, int max_attempts,
                                                         Put put);

}  // namespace fedmetrics::kube
