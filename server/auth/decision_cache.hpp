#pragma once
// A small TTL cache for authentication and authorization decisions (upstream caches both for 10 s).
// Thread-safe; bounded: when full, expired entries are dropped first, then everything (a rare reset is
// cheaper than an LRU here).
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "clients/base/clock.hpp"

namespace fedmetrics::auth {

template <class V>
class DecisionCache {
 public:
  DecisionCache(const Clock& clock, std::size_t max_entries) : clock_(clock), max_entries_(max_entries) {}

  std::optional<V> get(const std::string& key) const {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || clock_.steady_now() >= it->second.expires) return std::nullopt;
    return it->second.value;
  }

  void put(const std::string& key, V value, std::chrono::milliseconds ttl) {
    if (ttl.count() <= 0) return;
    std::lock_guard lock(mu_);
    const auto now = clock_.steady_now();
    if (entries_.size() >= max_entries_) {
      std::erase_if(entries_, [&](const auto& e) { return now >= e.second.expires; });
      if (entries_.size() >= max_entries_) entries_.clear();
    }
    entries_[key] = Entry{std::move(value), now + ttl};
  }

 private:
  struct Entry {
    V value;
    std::chrono::steady_clock::time_point expires;
  };
  const Clock& clock_;
  std::size_t max_entries_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace fedmetrics::auth
