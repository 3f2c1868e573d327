#include "clients/base/clock.hpp"

#include <ctime>
#include <string>

namespace fedmetrics {

std::chrono::steady_clock::time_point SteadyClock::steady_now() const { return std::chrono::steady_clock::now(); }
std::chrono::system_clock::time_point SteadyClock::system_now() const { return std::chrono::system_clock::now(); }

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

}  // namespace fedmetrics
