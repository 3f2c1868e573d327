#include "clients/kube/ownership.hpp"

namespace fedmetrics::kube {

FencePtr WholeOwnership::grant() {
  auto fence = std::make_shared<Fence>(what_, clock_);
  FencePtr previous;
  {
    std::lock_guard lock(mu_);
    previous = std::exchange(fence_, fence);
  }
  if (previous) previous->revoke();
  notify();
  return fence;
}

void WholeOwnership::revoke() {
  FencePtr previous;
  {
    std::lock_guard lock(mu_);
    previous = std::exchange(fence_, nullptr);
  }
  if (!previous) return;
  previous->revoke();
  notify();
}

FencePtr WholeOwnership::fence_for(std::string_view, std::string_view) const {
  std::lock_guard lock(mu_);
  return fence_ && fence_->held() ? fence_ : nullptr;
}

void WholeOwnership::on_change(std::function<void()> callback) {
  std::lock_guard lock(mu_);
  callbacks_.push_back(std::move(callback));
}

void WholeOwnership::notify() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mu_);
    callbacks = callbacks_;
  }
  for (const auto& c : callbacks) c();
}

}  // namespace fedmetrics::kube
