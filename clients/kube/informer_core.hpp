#pragma once
// The pure core of an informer (client-go's reflector + store), with no I/O and no clock:
//   ObjectStore   objects by namespace/name, updated by a full list (replace) or one watch event (apply),
//                 each returning the deltas handlers should see;
//   InformerCore  the list/watch state machine: what to do next after a list or a watch ends (watch again,
//                 relist at once on 410 Gone, back off on failures), and the synced flag.
// Informer (informer.hpp) drives it against a RestClient. Neither type is thread-safe.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "clients/kube/rate_limit.hpp"
#include "clients/kube/rest_client.hpp"

namespace fedmetrics::kube {

/// Objects are shared immutably between the store, snapshots and handlers.
using ObjectPtr = std::shared_ptr<const nlohmann::json>;

/// "namespace/name", or "name" for cluster-scoped objects (client-go MetaNamespaceKeyFunc).
[[nodiscard]] std::string object_key(const nlohmann::json& object);

enum class DeltaType { Added, Updated, Deleted };

/// A change handlers see. `object` is the new state (the last known state for Deleted); `old` is the
/// previous state for Updated and Deleted.
struct Delta {
  DeltaType type = DeltaType::Added;
  ObjectPtr object;
  ObjectPtr old;
};

class ObjectStore {
 public:
  /// Replaces the contents with a full list: Added for new keys, Updated for keys whose resourceVersion
  /// changed, Deleted for keys no longer listed (deletions missed while the watch was down).
  std::vector<Delta> replace(std::vector<nlohmann::json> items, std::string resource_version);

  /// Applies one event. ADDED of a known key is an update, MODIFIED of an unknown key an add (events can
  /// overlap a relist); DELETED of an unknown key changes nothing. BOOKMARK only advances the
  /// resourceVersion. ERROR is ignored (the watch loop handles it). Every event carrying a resourceVersion
  /// advances the store's.
  std::optional<Delta> apply(const WatchEvent& event);

  [[nodiscard]] ObjectPtr get(std::string_view namespace_name, std::string_view name) const;
  /// Objects in `namespace_name` ("" = all), ordered by key.
  [[nodiscard]] std::vector<ObjectPtr> list(std::string_view namespace_name = {}) const;
  const std::string& resource_version() const { return resource_version_; }
  std::size_t size() const { return objects_.size(); }

 private:
  std::map<std::string, ObjectPtr, std::less<>> objects_;
  std::string resource_version_;
};

/// The next step of the list/watch loop.
struct NextAction {
  enum Kind { List, Watch, Stop };
  Kind kind = List;
  std::chrono::milliseconds delay{0};  ///< wait this long before the step
  bool operator==(const NextAction&) const = default;
};

class InformerCore {
 public:
  explicit InformerCore(BackoffPolicy policy = {}, Backoff::JitterSource jitter = {});

  /// The first step: a list.
  NextAction start() const { return {NextAction::List, std::chrono::milliseconds(0)}; }

  /// After a list: on success the store is replaced (its deltas are appended to `deltas`), the informer
  /// is synced, backoff resets and the next step is a watch from the list's resourceVersion. On failure:
  /// list again after a backoff delay. Cancelled → Stop.
  NextAction on_list(Result<ObjectList> result, std::vector<Delta>& deltas);

  /// One watch event (ADDED/MODIFIED/DELETED/BOOKMARK) → the store.
  std::optional<Delta> on_event(const WatchEvent& event) { return store_.apply(event); }

  /// After a watch ends. ok (the server's timeout) → watch again at once from the store's resourceVersion.
  /// Gone (410: the version was compacted away) → relist at once (after a backoff delay if the previous
  /// watch ended with Gone too, so a server that keeps answering 410 cannot spin the loop). Unavailable/Timeout (connection trouble)
  /// → watch again after backoff. Cancelled → Stop. Anything else (auth, decoding) → relist after backoff.
  NextAction on_watch_end(const Result<void>& result);

  /// True once the first list has succeeded (stays true: the cache is then usable, possibly stale).
  bool synced() const { return synced_; }
  const ObjectStore& store() const { return store_; }
  /// Lists completed successfully so far.
  int lists() const { return lists_; }
  int backoff_attempts() const { return backoff_.attempts(); }

 private:
  ObjectStore store_;
  Backoff backoff_;
  bool synced_ = false;
  int lists_ = 0;
  int gone_streak_ = 0;
};

}  // namespace fedmetrics::kube
