#pragma once
// Time zones by IANA name from the system zoneinfo directory (Debian's tzdata: /usr/share/zoneinfo), with
// the name rules of Go's time.LoadLocation that Karmada's webhook and scheduler use.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "aggregation/cron/time_zone.hpp"
#include "clients/base/result.hpp"

namespace fedmetrics::cron {

inline constexpr const char* kSystemZoneinfoDir = "/usr/share/zoneinfo";

/// Loads and caches zones. Thread-safe; a zone once loaded stays for the life of the process (like Go,
/// which also reads tzdata once per name).
class ZoneDatabase {
 public:
  explicit ZoneDatabase(std::filesystem::path dir = kSystemZoneinfoDir);
  ZoneDatabase(const ZoneDatabase&) = delete;
  ZoneDatabase& operator=(const ZoneDatabase&) = delete;

  /// The zone called `name`, as Go's time.LoadLocation resolves it: "" and "UTC" are UTC; "Local" is the
  /// process zone ($TZ, else /etc/localtime, else UTC); anything else is a file under the directory.
  /// Names are restricted to the characters of IANA names (letters, digits, "/_-+.") without ".."
  /// segments or a leading "/", so no name reaches outside the directory.
  /// Errors: InvalidArgument "unknown time zone NAME" (no such zone, or not a TZif file).
  [[nodiscard]] Result<std::shared_ptr<const TimeZone>> load(std::string_view name) const;

 private:
  Result<std::shared_ptr<const TimeZone>> load_uncached(const std::string& name) const;

  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache_;
};

/// Whether `name` is acceptable as a zone name (see ZoneDatabase::load). Pure.
bool is_safe_zone_name(std::string_view name);

}  // namespace fedmetrics::cron
