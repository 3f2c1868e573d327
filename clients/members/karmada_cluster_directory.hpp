#pragma once
// A ClusterDirectory fed by the Karmada control plane (karmada-reference.md §1.3): the members are the
// `Cluster` objects (cluster.karmada.io/v1alpha1) whose Ready condition is True, reached at spec.apiEndpoint
// (mode apiserver) with the credentials of the Secret named by spec.secretRef:
//
//   Cluster.spec.apiEndpoint                   → MemberCluster::endpoint (required)
//   Cluster.spec.secretRef {namespace, name}   → Secret data `token` (required, non-empty) → token
//                                                 Secret data `caBundle` (PEM; required unless insecure) → ca_data
//   Cluster.spec.insecureSkipTLSVerification   → insecure_skip_tls_verify (caBundle then ignored, as Karmada)
//   Cluster.spec.proxyURL / proxyHeader        → proxy_url (http:// only) / proxy_headers
//   Cluster.status.conditions[Ready] == True   → the only readiness test (Karmada's IsClusterReady)
//
// A Ready cluster whose endpoint, secret reference, Secret, token, caBundle or proxy URL is missing or invalid
// is left out and logged (warning, with cluster=) once per distinct problem; it comes back by itself when
// fixed. A cluster whose Secret watch has not synced yet is left out silently (it is not a problem yet).
//
// Changes take effect without a restart: a cluster going NotReady leaves the next snapshot, a Ready one
// joins it, and a changed token, CA, endpoint, insecure flag or proxy produces a different MemberCluster
// value, so MemberClientCache (keyed by the whole value) rebuilds that member's client and keeps the others.
//
// WATCH DESIGN (which Secrets are read). Karmada's adapter watches every Secret in every namespace of the
// control plane. This directory watches only the Secrets that Cluster objects reference: one small
// kube::Informer per referenced Secret (namespace + fieldSelector metadata.name=<name>), started when the
// first Cluster references it and stopped when the last reference goes away. Clusters that are not Ready keep
// their Secret watched, so a cluster turning Ready needs no extra round trip.
//   + needs `get/list/watch` only on those Secrets' names (RBAC resourceNames-friendly), never caches
//     unrelated Secrets in memory, and a Secret churn elsewhere costs nothing;
//   − one list+watch loop per referenced Secret: with HttpsRestClient's bounded watch windows
//     (https_rest_client.hpp) that is one request per `watch_window` per Secret. Fine for tens of members;
//     for hundreds, a per-namespace Secret informer (Karmada keeps them all in one namespace) would be the
//     cheaper variant behind the same class.
//
// LATENCY. HttpsRestClient delivers a watch window's events when the window ends, so a change on the control
// plane reaches the snapshot after at most `watch_window` (plus one request). Options::watch_window sets it.
//
// Threading: every informer, the recompute and the settle tick run on one strand of the executor given to
// start(); snapshot(), generation() and synced() are thread-safe and never block on I/O.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clients/base/net.hpp"
#include "clients/kube/objects.hpp"
#include "clients/kube/rest_client.hpp"
#include "clients/members/cluster_directory.hpp"

namespace fedmetrics::members {

/// A Secret on the control plane, as a Cluster references it.
struct SecretKey {
  std::string namespace_name;
  std::string name;
  auto operator<=>(const SecretKey&) const = default;
  bool operator==(const SecretKey&) const = default;
};

/// Why a Ready cluster is not a member.
enum class ClusterProblemKind {
  MissingEndpoint,   ///< spec.apiEndpoint empty
  InvalidEndpoint,   ///< spec.apiEndpoint not an http(s) URL the transport accepts
  MissingSecretRef,  ///< spec.secretRef absent or with an empty name/namespace
  MissingSecret,     ///< the referenced Secret does not exist
  MissingToken,      ///< the Secret has no non-empty `token`
  MissingCaBundle,   ///< no `caBundle` and not insecureSkipTLSVerification
  InvalidCaBundle,   ///< `caBundle` is not PEM
  InvalidProxy,      ///< spec.proxyURL is not http://host:port
};

/// The enumerator's name ("MissingSecret"), for metric labels.
std::string_view to_string(ClusterProblemKind kind);

struct ClusterProblem {
  std::string cluster;
  ClusterProblemKind kind = ClusterProblemKind::MissingEndpoint;
  std::string message;  ///< human-readable, names the field (never contains the token)
  std::optional<SecretKey> secret;  ///< the referenced Secret, when there is a reference
  bool operator==(const ClusterProblem&) const = default;
};

/// The result of compute_members.
struct MemberComputation {
  MemberList members;                    ///< Ready, valid clusters, sorted by name
  std::vector<ClusterProblem> problems;  ///< Ready clusters left out, sorted by cluster name
  std::vector<std::string> not_ready;    ///< clusters left out because they are not Ready, sorted
};

/// The pure core: the member list from Cluster and Secret values (no I/O, no clock). Secrets are matched by
/// namespace/name; a Secret not in `secrets` is MissingSecret. Deleting clusters (deletionTimestamp set)
/// are left out like NotReady ones.
[[nodiscard]] MemberComputation compute_members(const std::vector<kube::Cluster>& clusters,
                                                const std::vector<kube::Secret>& secrets);

/// The Secrets the clusters reference (every cluster with a complete secretRef, Ready or not), sorted.
[[nodiscard]] std::vector<SecretKey> referenced_secrets(const std::vector<kube::Cluster>& clusters);

struct KarmadaClusterDirectoryOptions {
  /// Length of each list/watch window of the Cluster and Secret informers: the longest a change on the
  /// control plane takes to reach snapshot() (rounded up to whole seconds, at least 1 s).
  std::chrono::milliseconds watch_window{5'000};
  /// How often the directory re-checks while something is pending (an informer not synced yet), so an
  /// empty first list (no Clusters, an absent Secret) is noticed without an event.
  std::chrono::milliseconds settle_interval{250};
};

/// Thread-safe (see ClusterDirectory). `client` (the control plane) must outlive the directory and every
/// coroutine started by start(): owned by the composition root, destroyed after the io_context has stopped.
class KarmadaClusterDirectory final : public ClusterDirectory {
 public:
  explicit KarmadaClusterDirectory(kube::RestClient& client, KarmadaClusterDirectoryOptions options = {});
  ~KarmadaClusterDirectory() override;  ///< stop()

  // ClusterDirectory
  std::shared_ptr<const MemberList> snapshot() const override;
  std::uint64_t generation() const override;

  /// True once the Cluster informer has listed and every referenced Secret's informer has listed (for
  /// /readyz). Stays true afterwards unless a newly referenced Secret has not been listed yet.
  bool synced() const;

  /// The clusters left out of the last snapshot, for metrics (members by state): Ready clusters with a
  /// problem (a Secret still being listed is not a problem yet), and clusters that are not Ready. Empty
  /// until the Cluster informer has synced. Thread-safe.
  struct LeftOut {
    std::vector<ClusterProblem> problems;  ///< sorted by cluster
    std::vector<std::string> not_ready;    ///< sorted
  };
  LeftOut left_out() const;

  /// Starts the Cluster informer (and, as Clusters reference them, the Secret informers) on a strand of
  /// `executor`. Call once; later calls are ignored.
  void start(net::any_io_executor executor);
  /// Cancels every informer and the settle tick; their coroutines finish on the executor shortly after.
  /// The last snapshot stays readable. Idempotent; safe from any thread.
  void stop();

  struct State;  ///< implementation detail (karmada_cluster_directory.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace fedmetrics::members
