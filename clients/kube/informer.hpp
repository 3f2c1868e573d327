#pragma once
// A shared-informer-like cache of one resource: list, then watch from the list's resourceVersion, forever;
// relist on 410 Gone; reconnect with exponential backoff and jitter; a synced() flag; delta callbacks; a
// thread-safe snapshot by namespace/name. The decisions live in the pure InformerCore (informer_core.hpp).
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "clients/kube/informer_core.hpp"
#include "clients/kube/objects.hpp"
#include "clients/kube/rest_client.hpp"

namespace fedmetrics::kube {

struct InformerOptions {
  std::string label_selector;
  std::string field_selector;
  std::size_t page_size = 500;
  /// Length of each watch window (see HttpsRestClient: the maximum event latency).
  std::chrono::seconds watch_timeout{10};
  BackoffPolicy backoff;
  Backoff::JitterSource jitter;  ///< empty = random
};

/// Called for each delta, after the store has been updated, on run()'s executor, with no lock held.
/// Must not block; may read the informer (get/list).
using DeltaHandler = std::function<void(const Delta&)>;

/// Thread-safety: get/list/synced/resource_version may be called from any thread at any time (snapshot
/// under a mutex, never held across a suspension or a handler call). add_handler must be called before
/// run(). run() must be awaited by one coroutine at a time. `client` must outlive the informer.
class Informer {
 public:
  Informer(RestClient& client, ResourceRef ref, InformerOptions options = {});
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void add_handler(DeltaHandler handler);

  /// Lists and watches until cancelled (per-operation cancellation of the awaiting coroutine) or until the
  /// client answers Cancelled. Failures are logged and retried, never returned. Keep the informer alive
  /// until run() has returned.
  net::awaitable<void> run();

  /// True once the first list has been stored.
  bool synced() const { return synced_.load(); }
  [[nodiscard]] ObjectPtr get(std::string_view namespace_name, std::string_view name) const;
  /// Objects in `namespace_name` ("" = all), ordered by namespace/name.
  [[nodiscard]] std::vector<ObjectPtr> list(std::string_view namespace_name = {}) const;
  /// Decoded snapshot; objects that fail to decode are skipped (and logged).
  template <class T>
  [[nodiscard]] std::vector<T> list_as(std::string_view namespace_name = {}) const {
    std::vector<T> out;
    for (const auto& o : list(namespace_name)) {
      if (auto v = decode<T>(*o)) out.push_back(std::move(*v));
    }
    return out;
  }
  std::string resource_version() const;
  /// Successful lists so far (1 after the initial sync; more after relists).
  int lists() const;

  const ResourceRef& resource() const { return ref_; }

 private:
  void deliver(const std::vector<Delta>& deltas) const;

  RestClient& client_;
  ResourceRef ref_;
  InformerOptions options_;
  std::vector<DeltaHandler> handlers_;
  std::atomic<bool> synced_{false};
  mutable std::mutex mu_;  // guards core_
  InformerCore core_;
};

}  // namespace fedmetrics::kube
