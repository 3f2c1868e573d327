#pragma once
// Helpers shared by the cron unit tests: RFC 3339 with offset <-> Unix seconds, and the system zones.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "aggregation/cron/cron_schedule.hpp"
#include "aggregation/cron/zone_database.hpp"

namespace fedmetrics::cron::test {

/// "2024-03-11T02:30:00-04:00" or "...Z" -> Unix seconds.
inline std::int64_t unix_of(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6) {
    throw std::invalid_argument("bad time " + text);
  }
  std::int64_t offset = 0;
  const std::string tz = text.substr(static_cast<std::size_t>(n));
  if (tz != "Z") {
    int oh = 0, om = 0;
    if (tz.size() != 6 || std::sscanf(tz.c_str() + 1, "%2d:%2d", &oh, &om) != 2) {
      throw std::invalid_argument("bad offset " + text);
    }
    offset = (tz[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
}

/// Unix seconds -> RFC 3339 in `zone` with its offset ("Z" for 0), as Go's time.RFC3339 prints.
inline std::string rfc3339_in(const TimeZone& zone, std::int64_t t) { return format_local_rfc3339(zone, t); }

inline const ZoneDatabase& system_zones() {
  static const ZoneDatabase db;
  return db;
}

inline std::shared_ptr<const TimeZone> zone(const std::string& name) {
  auto z = system_zones().load(name);
  if (!z) {
    throw std::runtime_error("zone " + name + ": " + z.error().message);
  }
  return *z;
}

inline Seconds at(const std::string& text) { return Seconds{std::chrono::seconds{unix_of(text)}}; }

}  // namespace fedmetrics::cron::test
