#pragma once
// A ClusterDirectory whose member set the test replaces at will.
#include <atomic>
#include <mutex>

#include "clients/members/cluster_directory.hpp"

namespace fedmetrics::test {

/// Thread-safe. set() replaces the members and bumps the generation.
class FakeClusterDirectory final : public members::ClusterDirectory {
 public:
  FakeClusterDirectory() = default;
  explicit FakeClusterDirectory(members::MemberList members) { set(std::move(members)); }

  void set(members::MemberList members) {
    std::lock_guard lock(mu_);
    members_ = std::make_shared<const members::MemberList>(std::move(members));
    ++generation_;
  }

  // members::ClusterDirectory
  std::shared_ptr<const members::MemberList> snapshot() const override {
    std::lock_guard lock(mu_);
    return members_;
  }
  std::uint64_t generation() const override { return generation_.load(); }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const members::MemberList> members_ = std::make_shared<const members::MemberList>();
  std::atomic<std::uint64_t> generation_{0};
};

/// A MemberCluster with just a name and a placeholder endpoint.
inline members::MemberCluster member_named(std::string name) {
  members::MemberCluster m;
  m.name = std::move(name);
  m.endpoint = "https://" + m.name + ".invalid:6443";
  return m;
}

}  // namespace fedmetrics::test
