#pragma once
// Keeps one MemberClient per member across directory changes: a client is rebuilt only when that member's
// configuration changed, so unchanged members keep their warm connection pools and discovery caches.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "clients/base/result.hpp"
#include "clients/members/cluster_directory.hpp"
#include "clients/members/member_client.hpp"

namespace fedmetrics::members {

/// Builds a client for one member; throws (std::exception) on an unusable configuration.
using MemberClientFactory = std::function<std::shared_ptr<MemberClient>(const MemberCluster&)>;

/// One member of a snapshot with its client, or why no client could be built (bad CA file, ...).
struct MemberHandle {
  MemberCluster cluster;
  std::shared_ptr<MemberClient> client;  ///< null when `error` is set
  std::optional<Error> error;
};

/// Thread-safe: clients_for() may be called concurrently; the factory runs under the cache mutex (it does
/// no network I/O, only reads PEM files).
class MemberClientCache {
 public:
  explicit MemberClientCache(MemberClientFactory factory);
  MemberClientCache(const MemberClientCache&) = delete;
  MemberClientCache& operator=(const MemberClientCache&) = delete;

  /// Clients for `members`, in the same order. Reuses the cached client of every member whose
  /// MemberCluster is unchanged; builds new ones otherwise; forgets members no longer present.
  /// A factory failure is returned per member as an Unavailable error "member <name>: <reason>" (retried
  /// on the next call).
  std::vector<MemberHandle> clients_for(const MemberList& members);

  /// How many clients were built so far (tests: reuse is visible as no increase).
  std::size_t builds() const;

 private:
  MemberClientFactory factory_;
  mutable std::mutex mu_;
  std::map<std::string, std::pair<MemberCluster, std::shared_ptr<MemberClient>>> clients_;
  std::size_t builds_ = 0;
};

}  // namespace fedmetrics::members
