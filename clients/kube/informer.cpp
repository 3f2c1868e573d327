#include "clients/kube/informer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "clients/base/log.hpp"
#include "clients/kube/api_codec.hpp"

namespace fedmetrics::kube {
namespace {

std::string describe(const ResourceRef& ref) {
  return (ref.group.empty() ? ref.resource : ref.resource + "." + ref.group) +
         (ref.namespace_name.empty() ? "" : " in " + ref.namespace_name);
}

}  // namespace

Informer::Informer(RestClient& client, ResourceRef ref, InformerOptions options)
    : client_(client), ref_(std::move(ref)), options_(std::move(options)), core_(options_.backoff, options_.jitter) {}

void Informer::add_handler(DeltaHandler handler) { handlers_.push_back(std::move(handler)); }

void Informer::deliver(const std::vector<Delta>& deltas) const {
  for (const auto& d : deltas) {
    for (const auto& h : handlers_) h(d);
  }
}

net::awaitable<void> Informer::run() {
  const std::string what = describe(ref_);
  auto executor = co_await net::this_coro::executor;
  NextAction next;
  {
    std::lock_guard lock(mu_);
    next = core_.start();
  }
  while (next.kind != NextAction::Stop) {
    if (next.delay.count() > 0) {
      net::steady_timer timer(executor);
      timer.expires_after(next.delay);
      auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
      if (ec) break;  // cancelled
    }
    if ((co_await net::this_coro::cancellation_state).cancelled() != net::cancellation_type::none) break;

    if (next.kind == NextAction::List) {
      ListOptions list_options{options_.label_selector, options_.field_selector, options_.page_size};
      ResourceRef ref = ref_;
      auto listed = co_await client_.list(std::move(ref), std::move(list_options));
      if (!listed && listed.error().code != Errc::Cancelled) {
        log::warning("informer list failed", {{"resource", what}, {"error", listed.error().message}});
      }
      std::vector<Delta> deltas;
      {
        std::lock_guard lock(mu_);
        next = core_.on_list(std::move(listed), deltas);
        synced_.store(core_.synced());
      }
      deliver(deltas);
      continue;
    }

    WatchOptions watch_options;
    {
      std::lock_guard lock(mu_);
      watch_options.resource_version = core_.store().resource_version();
    }
    watch_options.label_selector = options_.label_selector;
    watch_options.field_selector = options_.field_selector;
    watch_options.allow_bookmarks = true;
    watch_options.timeout = options_.watch_timeout;
    // Plain (non-coroutine) callback: applies each event and notifies handlers outside the lock.
    WatchHandler on_event = [this](WatchEvent event) {
      std::optional<Delta> delta;
      {
        std::lock_guard lock(mu_);
        delta = core_.on_event(event);
      }
      if (delta) deliver({*delta});
    };
    ResourceRef ref = ref_;
    auto watched = co_await client_.watch(std::move(ref), std::move(watch_options), std::move(on_event));
    if (!watched && watched.error().code == Errc::Gone) {
      log::verbose(2, "informer watch expired, relisting", {{"resource", what}});
    } else if (!watched && watched.error().code != Errc::Cancelled) {
      log::warning("informer watch failed", {{"resource", what}, {"error", watched.error().message}});
    }
    {
      std::lock_guard lock(mu_);
      next = core_.on_watch_end(watched);
    }
  }
}

ObjectPtr Informer::get(std::string_view namespace_name, std::string_view name) const {
  std::lock_guard lock(mu_);
  return core_.store().get(namespace_name, name);
}

std::vector<ObjectPtr> Informer::list(std::string_view namespace_name) const {
  std::lock_guard lock(mu_);
  return core_.store().list(namespace_name);
}

std::string Informer::resource_version() const {
  std::lock_guard lock(mu_);
  return core_.store().resource_version();
}

int Informer::lists() const {
  std::lock_guard lock(mu_);
  return core_.lists();
}

}  // namespace fedmetrics::kube
