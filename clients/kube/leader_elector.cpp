#include "clients/kube/leader_elector.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>

#include "clients/base/log.hpp"

namespace fedmetrics::kube {
namespace {

double jitter_sample() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

LeaderElector::LeaderElector(RestClient& client, const Clock& clock, LeaderElectionConfig config,
                             LeaderCallbacks callbacks)
    : client_(client), clock_(clock), config_(std::move(config)), callbacks_(std::move(callbacks)) {
  if (auto v = validate(config_); !v) throw std::invalid_argument(v.error().message);
}

bool LeaderElector::is_leader() const {
  std::lock_guard lock(mu_);
  return state_.leading;
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mu_);
  return observed_holder(state_);
}

void LeaderElector::stop_leading() {
  {
    std::lock_guard lock(mu_);
    if (!state_.leading) return;
    state_.leading = false;
  }
  log::warning("stopped leading", {{"lease", config_.lease_namespace + "/" + config_.lease_name},
                                   {"identity", config_.identity}});
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
}

bool LeaderElector::deadline_passed_now() const {
  std::lock_guard lock(mu_);
  return renew_deadline_passed(state_, clock_.steady_now(), config_);
}

void LeaderElector::note_holder(const std::string& holder) {
  {
    std::lock_guard lock(mu_);
    if (holder == last_holder_) return;
    last_holder_ = holder;
  }
  if (!holder.empty()) {
    log::info("new leader", {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"holder", holder}});
  }
  if (callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
}

net::awaitable<Result<bool>> LeaderElector::try_acquire_or_renew() {
  const ResourceRef ref = resources::leases().in(config_.lease_namespace);
  ResourceRef get_ref = ref;
  std::string get_name = config_.lease_name;
  std::string get_sub;
  auto got = co_await client_.get(std::move(get_ref), std::move(get_name), std::move(get_sub));
  std::optional<Lease> current;
  if (got) {
    auto lease = decode<Lease>(*got);
    if (!lease) co_return lease.error();
    current = std::move(*lease);
  } else if (got.error().code != Errc::NotFound) {
    if (deadline_passed_now()) stop_leading();
    co_return got.error();
  }

  LeaseDecision decision;
  std::string resource_version;
  {
    std::lock_guard lock(mu_);
    decision = decide_lease(state_, current, clock_.steady_now(), clock_.system_now(), config_);
    resource_version = state_.observed_resource_version;
  }
  if (current) note_holder(current->spec.holder_identity);
  if (decision.action == LeaseAction::Wait) {
    // Someone else holds a lease we believed ours: they judged it expired, so we must already have stopped.
    stop_leading();
    co_return false;
  }

  Lease desired;
  desired.metadata.name = config_.lease_name;
  desired.metadata.namespace_name = config_.lease_namespace;
  desired.spec = decision.desired;
  Result<nlohmann::json> written = make_error(Errc::Internal, "unset");
  if (decision.action == LeaseAction::Create) {
    ResourceRef create_ref = ref;
    nlohmann::json body = desired;
    written = co_await client_.create(std::move(create_ref), std::move(body));
  } else {
    desired.metadata.resource_version = resource_version;  // conditional on what we read
    ResourceRef put_ref = ref;
    std::string put_name = config_.lease_name;
    std::string put_sub;
    nlohmann::json body = desired;
    written = co_await client_.update(std::move(put_ref), std::move(put_name), std::move(put_sub), std::move(body));
  }
  if (!written) {
    if (deadline_passed_now()) stop_leading();
    co_return written.error();
  }
  auto stored = decode<Lease>(*written);
  if (!stored) co_return stored.error();
  bool started = false;
  SteadyTime renewed{};
  {
    std::lock_guard lock(mu_);
    renewed = clock_.steady_now();
    started = record_write(state_, *stored, renewed);
  }
  note_holder(config_.identity);
  if (started) {
    log::info("started leading", {{"lease", config_.lease_namespace + "/" + config_.lease_name},
                                  {"identity", config_.identity}});
    if (callbacks_.on_started_leading) callbacks_.on_started_leading();
  }
  if (callbacks_.on_renewed) callbacks_.on_renewed(renewed);
  co_return true;
}

net::awaitable<void> LeaderElector::run() {
  using namespace net::experimental::awaitable_operators;
  auto executor = co_await net::this_coro::executor;
  for (;;) {
    if ((co_await net::this_coro::cancellation_state).cancelled() != net::cancellation_type::none) break;
    // Bound the attempt: while leading, by the time left before the renew deadline.
    auto budget = config_.renew_deadline;
    bool leading = false;
    SteadyTime last_renew{};
    {
      std::lock_guard lock(mu_);
      leading = state_.leading;
      last_renew = state_.last_renew;
    }
    if (leading) {
      budget = std::chrono::duration_cast<std::chrono::milliseconds>(last_renew + config_.renew_deadline -
                                                                     clock_.steady_now());
      budget = std::max(budget, std::chrono::milliseconds(1));
    }
    net::steady_timer bound(executor);
    bound.expires_after(budget);
    auto attempt = try_acquire_or_renew();
    auto expiry = bound.async_wait(net::as_tuple(net::use_awaitable));
    auto either = co_await (std::move(attempt) || std::move(expiry));
    if (either.index() == 0) {
      const auto& r = std::get<0>(either);
      if (!r && r.error().code == Errc::Cancelled) break;
      if (!r) {
        log::verbose(1, "lease attempt failed", {{"lease", config_.lease_name}, {"error", r.error().message}});
      }
    } else {
      log::verbose(1, "lease attempt timed out", {{"lease", config_.lease_name}});
    }
    bool deadline_passed = false;
    {
      std::lock_guard lock(mu_);
      deadline_passed = renew_deadline_passed(state_, clock_.steady_now(), config_);
      leading = state_.leading;
      last_renew = state_.last_renew;
    }
    if (deadline_passed) {
      stop_leading();
      leading = false;
    }

    auto wait = config_.retry_period;
    if (leading) {
      const auto to_deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
          last_renew + config_.renew_deadline - clock_.steady_now());
      wait = std::clamp(to_deadline, std::chrono::milliseconds(0), wait);
    } else {
      wait = std::chrono::milliseconds(
          static_cast<std::int64_t>(static_cast<double>(wait.count()) * (1.0 + 1.2 * jitter_sample())));
    }
    net::steady_timer timer(executor);
    timer.expires_after(wait);
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (ec) break;
  }
  stop_leading();
}

net::awaitable<Result<void>> LeaderElector::release() {
  Lease lease;
  {
    std::lock_guard lock(mu_);
    if (!state_.leading || !state_.observed) co_return ok();
    lease.spec = *state_.observed;
    lease.metadata.resource_version = state_.observed_resource_version;
  }
  lease.metadata.name = config_.lease_name;
  lease.metadata.namespace_name = config_.lease_namespace;
  lease.spec.holder_identity.clear();
  lease.spec.lease_duration_seconds = 1;
  lease.spec.renew_time = clock_.system_now();
  ResourceRef ref = resources::leases().in(config_.lease_namespace);
  std::string name = config_.lease_name;
  std::string sub;
  nlohmann::json body = lease;
  auto written = co_await client_.update(std::move(ref), std::move(name), std::move(sub), std::move(body));
  stop_leading();
  if (!written) co_return written.error();
  co_return ok();
}

}  // namespace fedmetrics::kube
