#include "server/app/leadership.hpp"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <random>

#include "clients/base/log.hpp"

namespace fedmetrics::app {

struct Leadership::State {
  State(kube::RestClient& c, const Clock& clock, kube::LeaderElectionConfig config, prometheus::Gauge& g,
        kube::WholeOwnership* own)
      : client(c),
        lease_ref(kube::resources::leases().in(config.lease_namespace)),
        lease_name(config.lease_name),
        gauge(g),
        ownership(own),
        renew_deadline(config.renew_deadline),
        elector(client, clock, config,
                kube::LeaderCallbacks{[this] { leading(true); }, [this] { leading(false); },
                                      [this](const std::string& holder) {
                                        log::info("leader observed", {{"lease", lease}, {"holder", holder}});
                                      },
                                      [this](kube::SteadyTime renewed) { this->renewed(renewed); }}),
        lease(config.lease_namespace + "/" + config.lease_name),
        identity(config.identity) {}

  void leading(bool now) {
    gauge.Set(now ? 1 : 0);
    log::info(now ? "started leading" : "stopped leading", {{"lease", lease}, {"identity", identity}});
    if (ownership == nullptr) return;
    if (now) {
      std::lock_guard lock(mu);
      fence = ownership->grant();
    } else {
      {
        std::lock_guard lock(mu);
        fence.reset();
      }
      ownership->revoke();
    }
  }

  // The fence is good until the renew deadline: the elector stops leading by then at the latest.
  void renewed(kube::SteadyTime at) {
    std::lock_guard lock(mu);
    if (fence) fence->hold_until(at + renew_deadline);
  }

  kube::RestClient& client;
  kube::ResourceRef lease_ref;
  std::string lease_name;
  prometheus::Gauge& gauge;
  kube::WholeOwnership* ownership;
  std::chrono::milliseconds renew_deadline;
  std::mutex mu;  // guards fence
  kube::FencePtr fence;
  kube::LeaderElector elector;
  std::string lease;
  std::string identity;
  std::optional<net::strand<net::any_io_executor>> strand;
  net::cancellation_signal cancel;  // touched only on the strand
  std::atomic<bool> running{false};
};

Leadership::Leadership(kube::RestClient& client, const Clock& clock, kube::LeaderElectionConfig config,
                       prometheus::Registry& registry, kube::WholeOwnership* ownership) {
  auto& gauge = prometheus::BuildGauge()
                    .Name("fedmetrics_leader_election_master_status")
                    .Help("1 while this replica holds the leader lease, 0 otherwise (kube's leader_election_master_status).")
                    .Register(registry)
                    .Add({{"name", config.lease_name}});
  state_ = std::make_shared<State>(client, clock, std::move(config), gauge, ownership);
}

Leadership::~Leadership() = default;

void Leadership::start(net::any_io_executor executor) {
  auto st = state_;
  st->strand.emplace(net::make_strand(executor));
  st->running = true;
  net::co_spawn(*st->strand, st->elector.run(),
                net::bind_cancellation_slot(st->cancel.slot(), [st](std::exception_ptr e) {
                  st->running = false;
                  if (!e) return;
                  try {
                    std::rethrow_exception(e);
                  } catch (const std::exception& ex) {
                    log::error("leader election stopped", {{"error", ex.what()}});
                  }
                }));
}

net::awaitable<void> Leadership::stop(std::chrono::milliseconds limit) {
  auto st = state_;
  if (!st->strand) co_return;
  net::post(*st->strand, [st] { st->cancel.emit(net::cancellation_type::terminal); });
  net::steady_timer timer(co_await net::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (st->running.load() && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  }
  if (st->running.load()) co_return;  // could not stop in time: leave the lease to expire
  // The elector has stopped (and called on_stopped_leading if it led). If the lease still names us, hand it
  // over at once, as client-go's ReleaseOnCancel does: empty holder, 1 s duration.
  const std::string no_subresource;  // named: no temporaries in co_await calls (g++ 12, see kube_member_client)
  auto lease = co_await st->client.get(st->lease_ref, st->lease_name, no_subresource);
  if (!lease || lease->value("/spec/holderIdentity"_json_pointer, std::string()) != st->identity) co_return;
  (*lease)["spec"]["holderIdentity"] = "";
  (*lease)["spec"]["leaseDurationSeconds"] = 1;
  auto written = co_await st->client.update(st->lease_ref, st->lease_name, no_subresource, std::move(*lease));
  if (!written) {
    log::warning("releasing the leader lease failed", {{"lease", st->lease}, {"error", written.error().message}});
  } else {
    log::info("released the leader lease", {{"lease", st->lease}});
  }
}

bool Leadership::is_leader() const { return state_->elector.is_leader(); }
std::string Leadership::leader() const { return state_->elector.leader(); }

std::string Leadership::default_identity() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
  return std::string(host) + "_" + suffix;
}

}  // namespace fedmetrics::app
