#include "clients/base/clock.hpp"

#include <cstdio>
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

std::string format_rfc3339_micro(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto us = time_point_cast<microseconds>(t);
  auto secs = time_point_cast<seconds>(us);
  if (secs > us) secs -= seconds(1);  // floor for times before the epoch
  const auto frac = (us - secs).count();
  const std::time_t tt = system_clock::to_time_t(system_clock::time_point(secs));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac_buf[32];
  std::snprintf(frac_buf, sizeof frac_buf, ".%06lldZ", static_cast<long long>(frac));
  return std::string(buf, n) + frac_buf;
}

}  // namespace fedmetrics
