#include "server/http/in_flight_limit.hpp"

namespace fedmetrics::http {

InFlightLimit::Slot::~Slot() {
  if (limit_ != nullptr) limit_->in_flight_.fetch_sub(1);
}

InFlightLimit::Slot& InFlightLimit::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (limit_ != nullptr) limit_->in_flight_.fetch_sub(1);
    limit_ = other.limit_;
    other.limit_ = nullptr;
  }
  return *this;
}

std::optional<InFlightLimit::Slot> InFlightLimit::try_acquire() {
  std::size_t held = in_flight_.load();
  do {
    if (limit_ != 0 && held >= limit_) return std::nullopt;
  } while (!in_flight_.compare_exchange_weak(held, held + 1));
  return Slot(this);
}

}  // namespace fedmetrics::http
