#pragma once
// Which objects this replica may act on right now, as fences (fence.hpp). The FederatedHPA loop asks it
// before every evaluation, and so can any controller whose objects are owned the same way (the
// CronFederatedHPA controller): one answer per namespace/name, one fence per unit of ownership.
//
//   WholeOwnership    one fence for every object: a single replica (granted once, never expires), or the
//                     holder of the leader lease (granted on acquiring it, extended on every renewal,
//                     revoked on losing it).
//
// A controller keeps the fence it was given at the start of a piece of work, writes only through a
// FencedWriter on it, and stops the work when the fence is revoked (`co_await (work || fence->revoked())`).
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "clients/base/clock.hpp"
#include "clients/kube/fence.hpp"

namespace fedmetrics::kube {

/// Thread-safe.
class Ownership {
 public:
  Ownership() = default;
  virtual ~Ownership() = default;
  Ownership(const Ownership&) = delete;
  Ownership& operator=(const Ownership&) = delete;

  /// The fence of `namespace_name/name` if this replica owns the object now (the fence is held), else
  /// nullptr. Cheap: no I/O.
  [[nodiscard]] virtual FencePtr fence_for(std::string_view namespace_name, std::string_view name) const = 0;

  /// `callback` runs whenever ownership changed (a fence was granted or revoked), on the thread that
  /// changed it, with no lock held; it must not block (post work elsewhere). Register before ownership can
  /// change (before starting the lease holder).
  virtual void on_change(std::function<void()> callback) = 0;
};

/// One fence for every object.
class WholeOwnership final : public Ownership {
 public:
  /// `what` names the fences ("lease ns/name", "this replica"). `clock` must outlive this.
  WholeOwnership(std::string what, const Clock& clock) : what_(std::move(what)), clock_(clock) {}

  /// A new fence, held from now on (a previous one is revoked first). The lease holder keeps it to call
  /// hold_until() after each renewal.
  FencePtr grant();
  /// Revokes the current fence, if any.
  void revoke();

  // kube::Ownership
  [[nodiscard]] FencePtr fence_for(std::string_view namespace_name, std::string_view name) const override;
  void on_change(std::function<void()> callback) override;

 private:
  void notify();

  std::string what_;
  const Clock& clock_;
  mutable std::mutex mu_;  // guards fence_ and callbacks_
  FencePtr fence_;
  std::vector<std::function<void()>> callbacks_;
};

}  // namespace fedmetrics::kube
