#pragma once
// The set of member clusters, behind an interface so a watch-based directory (Karmada Cluster objects) can
// replace the static file one later (STYLE.md §11).
#include <cstdint>
#include <memory>
#include <vector>

#include "clients/members/member_cluster.hpp"

namespace fedmetrics::members {

using MemberList = std::vector<MemberCluster>;

/// Source of the current member set.
///
/// Thread-safety: snapshot() and generation() may be called concurrently from any thread; they never block
/// on I/O (a mutex-protected pointer copy). The returned snapshot is immutable and stays valid for as long
/// as the caller holds it, even across later changes.
class ClusterDirectory {
 public:
  ClusterDirectory() = default;
  virtual ~ClusterDirectory() = default;
  ClusterDirectory(const ClusterDirectory&) = delete;
  ClusterDirectory& operator=(const ClusterDirectory&) = delete;

  /// The members right now, sorted by name. Never null (possibly empty).
  virtual std::shared_ptr<const MemberList> snapshot() const = 0;
  /// Incremented on every change of the member set; lets callers cheaply detect changes.
  virtual std::uint64_t generation() const = 0;
};

}  // namespace fedmetrics::members
