#pragma once
// The one in-memory cache of the project: entries live for their TTL, and at most `max_entries` are kept,
// the least recently used going first. Used for authentication and authorization decisions (server/auth)
// and for merged metric answers (aggregation::TtlCache).
//
// Why LRU and not "clear when full" (what the decision caches did): a stranger can make us cache decisions
// for as many random tokens or paths as the review rate allows. A whole-cache reset let that flood evict
// every good entry, and each legitimate client paid a review again (issue #12 item 2). Here a flood only
// pushes out entries nobody used while `max_entries` new ones came in; an entry in use moves to the front.
//
// Thread-safe: every method takes one mutex, held only for the call (no suspension inside); values are
// copied out ("snapshot under the lock, act outside").
#include <chrono>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "clients/base/clock.hpp"

namespace fedmetrics {

template <class K, class V>
class LruCache {
 public:
  /// `clock` must outlive the cache. max_entries < 1 is treated as 1.
  LruCache(const Clock& clock, std::size_t max_entries)
      : clock_(clock), max_entries_(max_entries < 1 ? 1 : max_entries) {}
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  /// A copy of the value stored for `key` if it has not expired (the entry becomes the most recently
  /// used; its TTL is not extended); an expired entry is dropped.
  std::optional<V> get(const K& key) {
    std::lock_guard lock(mu_);
    const auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    if (clock_.steady_now() >= it->second->expires) {
      lru_.erase(it->second);
      index_.erase(it);
      return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->value;
  }

  /// Stores `value` for `ttl` (ttl <= 0: not stored) as the most recently used entry, replacing an entry
  /// of the same key. When full, the least recently used entry goes (expired or not); nothing else.
  void put(const K& key, V value, std::chrono::milliseconds ttl) {
    if (ttl.count() <= 0) return;
    std::lock_guard lock(mu_);
    const auto expires = clock_.steady_now() + ttl;
    if (const auto it = index_.find(key); it != index_.end()) {
      it->second->value = std::move(value);
      it->second->expires = expires;
      lru_.splice(lru_.begin(), lru_, it->second);
      return;
    }
    if (index_.size() >= max_entries_) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
    lru_.push_front(Entry{key, std::move(value), expires});
    index_.emplace(key, lru_.begin());
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return index_.size();
  }

 private:
  struct Entry {
    K key;
    V value;
    std::chrono::steady_clock::time_point expires;
  };
  const Clock& clock_;
  const std::size_t max_entries_;
  mutable std::mutex mu_;  // guards lru_ and index_
  std::list<Entry> lru_;   // most recently used first
  std::unordered_map<K, typename std::list<Entry>::iterator> index_;
};

}  // namespace fedmetrics
