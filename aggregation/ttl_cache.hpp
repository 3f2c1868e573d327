#pragma once
// The result cache of merged answers: every entry lives for the same TTL, on the injected Clock; the
// storage (least recently used out when full) is the project's one cache, clients/base/lru_cache.hpp.
#include <chrono>
#include <cstddef>
#include <optional>

#include "clients/base/clock.hpp"
#include "clients/base/lru_cache.hpp"

namespace fedmetrics::aggregation {

/// Thread-safe. A TTL of zero disables the cache (get() always misses, put() stores nothing).
/// When full, the least recently used entry goes.
template <class K, class V>
class TtlCache {
 public:
  TtlCache(const Clock& clock, std::chrono::milliseconds ttl, std::size_t max_entries = 10'000)
      : ttl_(ttl), max_entries_(max_entries), entries_(clock, max_entries) {}
  TtlCache(const TtlCache&) = delete;
  TtlCache& operator=(const TtlCache&) = delete;

  bool enabled() const { return ttl_.count() > 0 && max_entries_ > 0; }

  /// A copy of the live value for `key`, or nullopt (missing or expired; expired entries are erased).
  std::optional<V> get(const K& key) {
    if (!enabled()) return std::nullopt;
    return entries_.get(key);
  }

  void put(K key, V value) {
    if (!enabled()) return;
    entries_.put(key, std::move(value), ttl_);
  }

  std::size_t size() const { return entries_.size(); }

 private:
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  LruCache<K, V> entries_;
};

}  // namespace fedmetrics::aggregation
