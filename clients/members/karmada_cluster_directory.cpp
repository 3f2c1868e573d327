#include "clients/members/karmada_cluster_directory.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <variant>

#include "clients/base/log.hpp"
#include "clients/kube/informer.hpp"
#include "clients/transport/https_client.hpp"

namespace fedmetrics::members {
namespace {

std::string describe(const SecretKey& key) { return key.namespace_name + "/" + key.name; }

std::string describe(const MemberList& members) {
  std::string out;
  for (const auto& m : members) out += (out.empty() ? "" : ",") + m.name;
  return out;
}

/// The member for one Ready cluster, or the first reason it cannot be one.
std::variant<MemberCluster, ClusterProblem> member_of(const kube::Cluster& cluster,
                                                       const std::map<SecretKey, const kube::Secret*>& secrets) {
  const std::string& name = cluster.metadata.name;
  std::optional<SecretKey> key;
  if (cluster.secret_ref && !cluster.secret_ref->name.empty() && !cluster.secret_ref->namespace_name.empty()) {
    key = SecretKey{cluster.secret_ref->namespace_name, cluster.secret_ref->name};
  }
  auto problem = [&](ClusterProblemKind kind, std::string message) {
    return ClusterProblem{name, kind, std::move(message), key};
  };
  if (cluster.api_endpoint.empty()) return problem(ClusterProblemKind::MissingEndpoint, "spec.apiEndpoint is empty");
  {
    transport::HttpsClientOptions parsed;
    if (auto r = transport::parse_endpoint_url(cluster.api_endpoint, parsed); !r) {
      return problem(ClusterProblemKind::InvalidEndpoint, "spec.apiEndpoint: " + r.error().message);
    }
  }
  if (!cluster.proxy_url.empty() && cluster.proxy_url.rfind("http://", 0) != 0) {
    return problem(ClusterProblemKind::InvalidProxy,
                   "spec.proxyURL: only http:// proxies are supported, got \"" + cluster.proxy_url + "\"");
  }
  if (!key) return problem(ClusterProblemKind::MissingSecretRef, "spec.secretRef needs a namespace and a name");
  const auto it = secrets.find(*key);
  if (it == secrets.end()) {
    return problem(ClusterProblemKind::MissingSecret, "secret " + describe(*key) + " not found");
  }
  const kube::Secret& secret = *it->second;
  MemberCluster m;
  m.name = name;
  m.endpoint = cluster.api_endpoint;
  m.mode = MemberMode::ApiServer;
  m.token = secret.value("token").value_or("");
  if (m.token.empty()) return problem(ClusterProblemKind::MissingToken, "secret " + describe(*key) + ": no token");
  m.insecure_skip_tls_verify = cluster.insecure_skip_tls_verification;
  if (!m.insecure_skip_tls_verify) {
    // Karmada uses caBundle only when TLS is verified; with insecureSkipTLSVerification it is ignored.
    m.ca_data = secret.value("caBundle").value_or("");
    if (m.ca_data.empty()) {
      return problem(ClusterProblemKind::MissingCaBundle,
                     "secret " + describe(*key) + ": no caBundle (and spec.insecureSkipTLSVerification is false)");
    }
    if (m.ca_data.find("-----BEGIN") == std::string::npos) {
      return problem(ClusterProblemKind::InvalidCaBundle, "secret " + describe(*key) + ": caBundle is not PEM");
    }
  }
  m.proxy_url = cluster.proxy_url;
  m.proxy_headers = cluster.proxy_header;
  return m;
}

}  // namespace

MemberComputation compute_members(const std::vector<kube::Cluster>& clusters,
                                  const std::vector<kube::Secret>& secrets) {
  std::map<SecretKey, const kube::Secret*> by_key;
  for (const auto& s : secrets) by_key.emplace(SecretKey{s.metadata.namespace_name, s.metadata.name}, &s);
  std::vector<const kube::Cluster*> sorted;
  for (const auto& c : clusters) sorted.push_back(&c);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->metadata.name < b->metadata.name; });
  MemberComputation out;
  for (const auto* c : sorted) {
    if (!c->is_ready() || c->metadata.deletion_timestamp) {
      out.not_ready.push_back(c->metadata.name);
      continue;
    }
    auto m = member_of(*c, by_key);
    if (auto* member = std::get_if<MemberCluster>(&m)) {
      out.members.push_back(std::move(*member));
    } else {
      out.problems.push_back(std::move(std::get<ClusterProblem>(m)));
    }
  }
  return out;
}

std::vector<SecretKey> referenced_secrets(const std::vector<kube::Cluster>& clusters) {
  std::set<SecretKey> keys;
  for (const auto& c : clusters) {
    if (c.secret_ref && !c.secret_ref->name.empty() && !c.secret_ref->namespace_name.empty()) {
      keys.insert(SecretKey{c.secret_ref->namespace_name, c.secret_ref->name});
    }
  }
  return {keys.begin(), keys.end()};
}

// Everything below the mutex line is confined to `strand` once start() has run.
struct KarmadaClusterDirectory::State : std::enable_shared_from_this<State> {
  struct Watch {
    std::shared_ptr<kube::Informer> informer;
    std::shared_ptr<net::cancellation_signal> cancel;
  };

  State(kube::RestClient& c, KarmadaClusterDirectoryOptions o) : client(c), options(o) {}

  kube::RestClient& client;
  KarmadaClusterDirectoryOptions options;

  mutable std::mutex mu;  // guards members and left_out
  std::shared_ptr<const MemberList> members = std::make_shared<const MemberList>();
  KarmadaClusterDirectory::LeftOut left_out;
  std::atomic<std::uint64_t> generation{0};
  std::atomic<bool> synced{false};
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::optional<net::strand<net::any_io_executor>> strand;  // written once in start(), before `started`

  // --- strand-confined ---
  Watch clusters;
  std::map<SecretKey, Watch> secrets;
  std::map<std::string, std::string> reported;  // cluster → the problem last logged for it
  bool recompute_scheduled = false;
  bool pending = true;  // something has not synced yet: the settle tick keeps recomputing
  std::shared_ptr<net::steady_timer> tick;

  kube::InformerOptions informer_options(std::string field_selector) const {
    kube::InformerOptions o;
    o.field_selector = std::move(field_selector);
    const auto ms = std::max<std::int64_t>(options.watch_window.count(), 1);
    o.watch_timeout = std::chrono::seconds((ms + 999) / 1000);
    return o;
  }

  /// Creates an informer whose deltas schedule a recompute, and runs it on the strand until cancelled.
  Watch watch(kube::ResourceRef ref, std::string field_selector, std::string what) {
    Watch w;
    w.informer = std::make_shared<kube::Informer>(client, std::move(ref), informer_options(std::move(field_selector)));
    w.cancel = std::make_shared<net::cancellation_signal>();
    std::weak_ptr<State> weak = weak_from_this();
    w.informer->add_handler([weak](const kube::Delta&) {
      if (auto self = weak.lock()) self->schedule_recompute();
    });
    auto informer = w.informer;
    auto cancel = w.cancel;
    net::co_spawn(*strand, run_informer(std::move(informer)),
                  net::bind_cancellation_slot(cancel->slot(), [cancel, what](std::exception_ptr e) {
                    if (!e) return;
                    try {
                      std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                      log::error("member directory informer failed", {{"resource", what}, {"error", ex.what()}});
                    }
                  }));
    return w;
  }

  static net::awaitable<void> run_informer(std::shared_ptr<kube::Informer> informer) { co_await informer->run(); }

  static void cancel(Watch& w) {
    if (w.cancel) w.cancel->emit(net::cancellation_type::terminal);
  }

  // Deltas arrive in bursts (a list delivers one per object): coalesce them into one recompute.
  void schedule_recompute() {
    if (recompute_scheduled || stopped.load()) return;
    recompute_scheduled = true;
    net::post(*strand, [self = shared_from_this()] { self->recompute(); });
  }

  void recompute() {
    recompute_scheduled = false;
    if (stopped.load() || !clusters.informer) return;
    const bool clusters_synced = clusters.informer->synced();
    const auto cluster_list = clusters.informer->list_as<kube::Cluster>();

    // Watch exactly the referenced Secrets.
    const auto refs = referenced_secrets(cluster_list);
    const std::set<SecretKey> wanted(refs.begin(), refs.end());
    for (auto it = secrets.begin(); it != secrets.end();) {
      if (wanted.contains(it->first)) {
        ++it;
        continue;
      }
      log::verbose(2, "member directory stops watching secret", {{"secret", describe(it->first)}});
      cancel(it->second);
      it = secrets.erase(it);
    }
    for (const auto& key : wanted) {
      if (secrets.contains(key)) continue;
      log::verbose(2, "member directory watches secret", {{"secret", describe(key)}});
      secrets.emplace(key, watch(kube::resources::secrets().in(key.namespace_name), "metadata.name=" + key.name,
                                 "secret " + describe(key)));
    }

    std::vector<kube::Secret> secret_list;
    std::set<SecretKey> unsynced;
    for (const auto& [key, w] : secrets) {
      if (!w.informer->synced()) {
        unsynced.insert(key);
        continue;
      }
      for (auto& s : w.informer->list_as<kube::Secret>(key.namespace_name)) {
        if (s.metadata.name == key.name) secret_list.push_back(std::move(s));
      }
    }

    auto computed = compute_members(cluster_list, secret_list);
    report(computed, unsynced, clusters_synced);
    publish(std::move(computed.members));
    pending = !clusters_synced || !unsynced.empty();
    synced.store(!pending);
  }

  /// Logs each problem once until it changes; a Secret still being listed is not a problem yet.
  void report(const MemberComputation& computed, const std::set<SecretKey>& unsynced, bool clusters_synced) {
    if (!clusters_synced) return;
    std::map<std::string, std::string> now;
    KarmadaClusterDirectory::LeftOut out{{}, computed.not_ready};
    for (const auto& p : computed.problems) {
      if (p.kind == ClusterProblemKind::MissingSecret && p.secret && unsynced.contains(*p.secret)) continue;
      out.problems.push_back(p);
      now[p.cluster] = p.message;
      const auto it = reported.find(p.cluster);
      if (it == reported.end() || it->second != p.message) {
        log::warning("member cluster left out", {{"cluster", p.cluster}, {"problem", p.message}});
      }
    }
    for (const auto& [cluster, message] : reported) {
      if (!now.contains(cluster)) log::info("member cluster problem cleared", {{"cluster", cluster}});
    }
    reported = std::move(now);
    std::lock_guard lock(mu);
    left_out = std::move(out);
  }

  void publish(MemberList next_members) {
    auto next = std::make_shared<const MemberList>(std::move(next_members));
    {
      std::lock_guard lock(mu);
      if (*next == *members) return;
      members = next;
      generation.fetch_add(1);
    }
    log::info("member clusters changed", {{"source", "karmada"}, {"members", describe(*next)}});
  }

  static net::awaitable<void> settle_loop(std::shared_ptr<State> self) {
    auto timer = self->tick;
    while (!self->stopped.load()) {
      timer->expires_after(self->options.settle_interval);
      auto [ec] = co_await timer->async_wait(net::as_tuple(net::use_awaitable));
      if (ec || self->stopped.load()) co_return;
      if (self->pending) self->recompute();
    }
  }

  void start_on_strand() {
    if (stopped.load()) return;
    clusters = watch(kube::resources::clusters(), "", "clusters.cluster.karmada.io");
    tick = std::make_shared<net::steady_timer>(*strand);
    net::co_spawn(*strand, settle_loop(shared_from_this()), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("member directory settle loop failed", {{"error", ex.what()}});
      }
    });
  }

  void stop_on_strand() {
    cancel(clusters);
    for (auto& [key, w] : secrets) cancel(w);
    secrets.clear();
    if (tick) tick->cancel();
  }
};

KarmadaClusterDirectory::KarmadaClusterDirectory(kube::RestClient& client, KarmadaClusterDirectoryOptions options)
    : state_(std::make_shared<State>(client, options)) {}

KarmadaClusterDirectory::~KarmadaClusterDirectory() { stop(); }

std::shared_ptr<const MemberList> KarmadaClusterDirectory::snapshot() const {
  std::lock_guard lock(state_->mu);
  return state_->members;
}

std::uint64_t KarmadaClusterDirectory::generation() const { return state_->generation.load(); }

bool KarmadaClusterDirectory::synced() const { return state_->synced.load(); }

std::string_view to_string(ClusterProblemKind kind) {
  switch (kind) {
    case ClusterProblemKind::MissingEndpoint: return "MissingEndpoint";
    case ClusterProblemKind::InvalidEndpoint: return "InvalidEndpoint";
    case ClusterProblemKind::MissingSecretRef: return "MissingSecretRef";
    case ClusterProblemKind::MissingSecret: return "MissingSecret";
    case ClusterProblemKind::MissingToken: return "MissingToken";
    case ClusterProblemKind::MissingCaBundle: return "MissingCaBundle";
    case ClusterProblemKind::InvalidCaBundle: return "InvalidCaBundle";
    case ClusterProblemKind::InvalidProxy: return "InvalidProxy";
  }
  return "Unknown";
}

KarmadaClusterDirectory::LeftOut KarmadaClusterDirectory::left_out() const {
  std::lock_guard lock(state_->mu);
  return state_->left_out;
}

void KarmadaClusterDirectory::start(net::any_io_executor executor) {
  if (state_->started.load() || state_->stopped.load()) return;
  state_->strand.emplace(net::make_strand(executor));
  state_->started.store(true);
  net::post(*state_->strand, [state = state_] { state->start_on_strand(); });
}

void KarmadaClusterDirectory::stop() {
  if (state_->stopped.exchange(true) || !state_->started.load()) return;
  net::post(*state_->strand, [state = state_] { state->stop_on_strand(); });
}

}  // namespace fedmetrics::members
