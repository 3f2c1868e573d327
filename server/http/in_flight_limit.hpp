#pragma once
// A server-wide bound on the requests being handled at once (kube-apiserver's --max-requests-inflight):
// a request either gets a slot at once or is refused at once. Nobody waits for a slot, so a flood costs
// the server the answer of a 429 and nothing else, and the requests already admitted are not slowed by
// a queue in front of them. Which requests count (kube exempts health probes) is the caller's choice.
#include <atomic>
#include <cstddef>
#include <optional>

namespace fedmetrics::http {

/// Thread-safe (one atomic counter); slots may be released on any thread.
class InFlightLimit {
 public:
  /// A granted slot; released when destroyed. Move-only; the limit must outlive it.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : limit_(other.limit_) { other.limit_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class InFlightLimit;
    explicit Slot(InFlightLimit* limit) : limit_(limit) {}
    InFlightLimit* limit_;
  };

  /// At most `limit` slots at once; 0 means no limit (kube: "a zero value disables the limit").
  explicit InFlightLimit(std::size_t limit) : limit_(limit) {}
  InFlightLimit(const InFlightLimit&) = delete;
  InFlightLimit& operator=(const InFlightLimit&) = delete;

  /// A slot if fewer than `limit` are held now, else nullopt (the caller answers 429).
  [[nodiscard]] std::optional<Slot> try_acquire();

  std::size_t in_flight() const { return in_flight_.load(); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> in_flight_{0};
};

}  // namespace fedmetrics::http
