#pragma once
// Metrics about the replica's surroundings, computed at scrape time (so a member or certificate that goes
// away takes its series with it):
//
//   fedmetrics_members{state}                      gauge  members by state; every state always present
//   fedmetrics_member_state{cluster,state,reason}  gauge  1 per known cluster, in its current state
//   fedmetrics_certificate_expiration_timestamp_seconds{certificate}
//                                                  gauge  notAfter of the serving certificate and the CAs
//
// States: `ready` (a member whose last call succeeded, or that has not been called yet), `unreachable` (a
// member whose last call failed; reason: the error code, e.g. Timeout), `invalid` (a Ready Karmada cluster
// left out because of its configuration; reason: the problem, e.g. MissingSecret), `not_ready` (a Karmada
// cluster whose Ready condition is not True).
#include <functional>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "aggregation/federated_metrics_provider.hpp"
#include "clients/members/karmada_cluster_directory.hpp"

namespace fedmetrics::app {

struct MemberState {
  std::string cluster;
  std::string state;   ///< ready | unreachable | invalid | not_ready
  std::string reason;  ///< "" for ready and not_ready
  bool operator==(const MemberState&) const = default;
};

/// The states, in the order fedmetrics_members lists them.
const std::vector<std::string>& member_state_names();

/// Members by state from the provider's health and the directory's left-out clusters. Pure.
std::vector<MemberState> member_states(const std::vector<aggregation::MemberHealth>& health,
                                       const members::KarmadaClusterDirectory::LeftOut& left_out);

/// A certificate file to report the expiry of.
struct WatchedCertificate {
  std::string label;  ///< serving | client-ca | requestheader-client-ca
  std::string file;
};

/// The collectable behind the metrics above. Thread-safe: the sources are called from scrape threads.
class OperationalMetrics final : public prometheus::Collectable {
 public:
  using StateSource = std::function<std::vector<MemberState>()>;
  /// `states` may be empty (no member clusters: the member families are left out).
  OperationalMetrics(StateSource states, std::vector<WatchedCertificate> certificates);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  StateSource states_;
  std::vector<WatchedCertificate> certificates_;
};

}  // namespace fedmetrics::app
