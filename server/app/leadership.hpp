#pragma once
// Leader election for the work only one replica may do (the FederatedHPA loop). API serving never depends
// on it: every replica serves. Exposes kube's leader_election_master_status gauge.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "clients/base/clock.hpp"
#include "clients/base/net.hpp"
#include "clients/kube/leader_elector.hpp"
#include "clients/kube/ownership.hpp"
#include "clients/kube/rest_client.hpp"

namespace prometheus {
class Registry;
}

namespace fedmetrics::app {

class Leadership {
 public:
  /// `client`, `clock`, `registry` and `ownership` must outlive this. Throws std::invalid_argument on a bad
  /// config. While this replica leads, `ownership` (if given) holds a fence that expires at the renew
  /// deadline unless renewed: granted when leading starts, extended on every renewal, revoked when it stops
  /// (lost, released, or shut down).
  Leadership(kube::RestClient& client, const Clock& clock, kube::LeaderElectionConfig config,
             prometheus::Registry& registry, kube::WholeOwnership* ownership = nullptr);
  ~Leadership();
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  /// Starts campaigning on `executor` (its own strand).
  void start(net::any_io_executor executor);
  /// Stops campaigning and, if leading, releases the lease so another replica takes over at once.
  /// Bounded: gives up after `limit`.
  net::awaitable<void> stop(std::chrono::milliseconds limit);

  bool is_leader() const;
  std::string leader() const;

  /// "<hostname>_<random hex>": unique per process, readable in `kubectl get lease`.
  static std::string default_identity();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace fedmetrics::app
