#include "clients/kube/fence.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "clients/kube/api_codec.hpp"

namespace fedmetrics::kube {

// A channel, not a timer: revoke() may run on any thread, and a buffered send cannot be lost between a
// waiter's registration and the start of its receive.
struct Fence::Waiter {
  explicit Waiter(net::any_io_executor ex) : channel(std::move(ex), 1) {}
  net::experimental::concurrent_channel<void(boost::system::error_code)> channel;
};

Fence::Fence(std::string what, const Clock& clock) : what_(std::move(what)), clock_(clock) {}

void Fence::hold_until(SteadyTime until) {
  std::lock_guard lock(mu_);
  if (!revoked_) expiry_ = until;
}

void Fence::revoke() {
  std::vector<std::shared_ptr<Waiter>> wake;
  {
    std::lock_guard lock(mu_);
    if (revoked_) return;
    revoked_ = true;
    for (auto& w : waiters_) {
      if (auto s = w.lock()) wake.push_back(std::move(s));
    }
    waiters_.clear();
  }
  for (auto& w : wake) w->channel.try_send(boost::system::error_code{});
}

bool Fence::held() const {
  const auto now = clock_.steady_now();
  std::lock_guard lock(mu_);
  return !revoked_ && now < expiry_;
}

Fence::SteadyTime Fence::expiry() const {
  std::lock_guard lock(mu_);
  return expiry_;
}

std::chrono::steady_clock::duration Fence::remaining() const {
  const auto now = clock_.steady_now();
  std::lock_guard lock(mu_);
  if (expiry_ == SteadyTime::max()) return std::chrono::steady_clock::duration::max();
  return std::max(std::chrono::steady_clock::duration::zero(), expiry_ - now);
}

net::awaitable<void> Fence::revoked() {
  auto self = shared_from_this();
  auto waiter = std::make_shared<Waiter>(co_await net::this_coro::executor);
  {
    std::lock_guard lock(mu_);
    if (revoked_) co_return;
    std::erase_if(waiters_, [](const std::weak_ptr<Waiter>& w) { return w.expired(); });
    waiters_.push_back(waiter);
  }
  co_await waiter->channel.async_receive(net::as_tuple(net::use_awaitable));
}

net::awaitable<Result<nlohmann::json>> FencedWriter::fenced(std::string what, Write write) {
  using namespace net::experimental::awaitable_operators;
  auto fence = fence_;
  if (!fence->held()) co_return make_error(Errc::Cancelled, fence->what() + " is no longer held: " + what + " not written");
  const auto remaining = fence->remaining();
  if (remaining == std::chrono::steady_clock::duration::max()) co_return co_await write();
  // Bounded by the expiry: past it, another replica may own the object.
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(remaining);
  auto op = write();
  auto wait = timer.async_wait(net::as_tuple(net::use_awaitable));
  auto either = co_await (std::move(op) || std::move(wait));
  if (either.index() == 1) co_return make_error(Errc::Cancelled, fence->what() + " expired while writing " + what);
  co_return std::move(std::get<0>(either));
}

net::awaitable<Result<Scale>> FencedWriter::update_scale(ResourceRef ref, std::string name, Scale read,
                                                         std::int32_t replicas) {
  if (read.metadata.resource_version.empty()) {
    co_return make_error(Errc::InvalidArgument, "scale of " + name + ": no resourceVersion to write against");
  }
  read.spec_replicas = replicas;
  nlohmann::json body = read;
  RestClient& client = client_;
  Write write = [&client, ref, name, sub = std::string("scale"), body]() { return client.update(ref, name, sub, body); };
  const std::string what = ref.resource + "/" + name + "/scale";
  auto stored = co_await fenced(what, std::move(write));
  if (!stored) co_return stored.error();
  co_return decode<Scale>(*stored);
}

net::awaitable<Result<nlohmann::json>> FencedWriter::update(ResourceRef ref, std::string name, std::string subresource,
                                                            nlohmann::json object) {
  if (resource_version_of(object).empty()) {
    co_return make_error(Errc::InvalidArgument, ref.resource + "/" + name + ": no resourceVersion to write against");
  }
  RestClient& client = client_;
  Write write = [&client, ref, name, subresource, object]() { return client.update(ref, name, subresource, object); };
  const std::string what = ref.resource + "/" + name + (subresource.empty() ? "" : "/" + subresource);
  co_return co_await fenced(what, std::move(write));
}

net::awaitable<Result<nlohmann::json>> FencedWriter::merge_patch(ResourceRef ref, std::string name,
                                                                 std::string subresource, std::string resource_version,
                                                                 nlohmann::json patch) {
  if (resource_version.empty()) {
    co_return make_error(Errc::InvalidArgument, ref.resource + "/" + name + ": no resourceVersion to patch against");
  }
  patch["metadata"]["resourceVersion"] = resource_version;
  RestClient& client = client_;
  Write write = [&client, ref, name, subresource, text = patch.dump()]() {
    return client.patch(ref, name, subresource, PatchType::Merge, text);
  };
  const std::string what = ref.resource + "/" + name + (subresource.empty() ? "" : "/" + subresource);
  co_return co_await fenced(what, std::move(write));
}

net::awaitable<Result<nlohmann::json>> FencedWriter::update_with_retry(ResourceRef ref, std::string name,
                                                                       std::string subresource, Mutator mutate,
                                                                       int max_attempts) {
  Put put = [this](ResourceRef r, std::string n, std::string sub, nlohmann::json object) {
    return update(std::move(r), std::move(n), std::move(sub), std::move(object));
  };
  co_return co_await kube::update_with_retry(client_, std::move(ref), std::move(name), std::move(subresource),
                                             std::move(mutate), max_attempts, std::move(put));
}

net::awaitable<Result<nlohmann::json>> FencedWriter::create(ResourceRef ref, nlohmann::json object) {
  RestClient& client = client_;
  Write write = [&client, ref, object]() { return client.create(ref, object); };
  const std::string what = "a new " + ref.resource + " object";
  co_return co_await fenced(what, std::move(write));
}

}  // namespace fedmetrics::kube
