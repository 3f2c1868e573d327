#pragma once
// A small thread-safe map whose entries expire after a fixed TTL, on the injected Clock
// ("snapshot under the lock, act outside": values are copied out).
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>

#include "clients/base/clock.hpp"

namespace fedmetrics::aggregation {

/// Thread-safe. A TTL of zero disables the cache (get() always misses, put() stores nothing).
/// When full, expired entries are dropped first, then the entry closest to expiry.
template <class K, class V>
class TtlCache {
 public:
  TtlCache(const Clock& clock, std::chrono::milliseconds ttl, std::size_t max_entries = 10'000)
      : clock_(clock), ttl_(ttl), max_entries_(max_entries) {}
  TtlCache(const TtlCache&) = delete;
  TtlCache& operator=(const TtlCache&) = delete;

  bool enabled() const { return ttl_.count() > 0 && max_entries_ > 0; }

  /// A copy of the live value for `key`, or nullopt (missing or expired; expired entries are erased).
  std::optional<V> get(const K& key) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (clock_.steady_now() >= it->second.expiry) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void put(K key, V value) {
    if (!enabled()) return;
    const auto now = clock_.steady_now();
    std::lock_guard lock(mu_);
    if (entries_.size() >= max_entries_ && !entries_.contains(key)) {
      std::erase_if(entries_, [&](const auto& kv) { return now >= kv.second.expiry; });
      if (entries_.size() >= max_entries_) {
        auto oldest = entries_.begin();
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
          if (it->second.expiry < oldest->second.expiry) oldest = it;
        }
        entries_.erase(oldest);
      }
    }
    entries_.insert_or_assign(std::move(key), Entry{std::move(value), now + ttl_});
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    V value;
    std::chrono::steady_clock::time_point expiry;
  };
  const Clock& clock_;
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  mutable std::mutex mu_;
  std::map<K, Entry> entries_;
};

}  // namespace fedmetrics::aggregation
