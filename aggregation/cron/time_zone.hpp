#pragma once
// IANA time zones for CronFederatedHPA schedules, read from the system zoneinfo (TZif, RFC 8536) — g++ 12
// has no std::chrono::tzdb. Pure: TimeZone::from_tzif parses bytes; zone_database.hpp reads the files.
//
// The semantics are Go's `time` package, because Karmada's scheduler (gocron over robfig/cron) computes
// schedules with it: `lookup` is Go's Location.lookup (the period that contains an instant, the POSIX TZ
// footer extending the table past its last transition, so 2038+ is right), and `from_civil` is Go's
// time.Date (field overflow normalised; a wall time in a DST gap or overlap resolved exactly as Go does,
// which depends on the sign of the offset: see from_civil). Times are Unix seconds (int64).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clients/base/result.hpp"

namespace fedmetrics::cron {

/// The zone's state over [begin, end): the offset east of UTC, DST flag and abbreviation.
struct ZonePeriod {
  std::int32_t offset = 0;  ///< seconds east of UTC
  bool is_dst = false;
  std::string abbreviation;
  std::int64_t begin = 0;  ///< Unix seconds; kMinInstant when unbounded
  std::int64_t end = 0;    ///< exclusive; kMaxInstant when unbounded
};

/// Wall-clock fields of an instant in a zone.
struct CivilTime {
  int year = 1970;
  int month = 1;  ///< 1..12
  int day = 1;    ///< 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int weekday = 4;  ///< 0 = Sunday .. 6 = Saturday
  std::int32_t offset = 0;

  bool operator==(const CivilTime&) const = default;
};

inline constexpr std::int64_t kMinInstant = INT64_MIN / 2;
inline constexpr std::int64_t kMaxInstant = INT64_MAX / 2;

/// One POSIX TZ rule date ("Mm.w.d", "Jn" or "n") with its local time of day.
struct TzRule {
  enum class Kind { Julian, DayOfYear, MonthWeekDay } kind = Kind::MonthWeekDay;
  int day = 0;    ///< Jn: 1..365; n: 0..365; M: weekday 0..6
  int week = 0;   ///< M: 1..5 (5 = last)
  int month = 0;  ///< M: 1..12
  std::int32_t time = 7200;  ///< seconds after local midnight, -167h..167h (RFC 8536 §3.3.1)
};

/// The TZif footer: a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3").
struct PosixTz {
  std::string std_abbreviation;
  std::int32_t std_offset = 0;  ///< seconds east of UTC (the string's sign is west-positive)
  struct Dst {
    std::string abbreviation;
    std::int32_t offset = 0;
    TzRule start;
    TzRule end;
  };
  std::optional<Dst> dst;
};

/// Parses a POSIX TZ string as Go's tzset does (default DST offset std+1h, default rules M3.2.0,M11.1.0).
/// Errors: InvalidArgument.
[[nodiscard]] Result<PosixTz> parse_posix_tz(std::string_view text);

/// An immutable time zone; cheap to share (const methods are thread-safe).
class TimeZone {
 public:
  /// UTC (offset 0, "UTC").
  static TimeZone utc();

  /// Parses TZif v1..v4 bytes (RFC 8536; leap-second records skipped, as Go does). `name` is what
  /// name() reports. Errors: InvalidArgument for anything that is not a well-formed TZif file.
  [[nodiscard]] static Result<TimeZone> from_tzif(std::string name, std::string_view data);

  const std::string& name() const { return name_; }

  /// The period containing `unix_seconds` (Go's Location.lookup: before the first transition the
  /// tzcode "first zone"; from the last transition on, the footer's rule when there is one).
  ZonePeriod lookup(std::int64_t unix_seconds) const;

  /// Wall-clock fields of an instant.
  CivilTime to_civil(std::int64_t unix_seconds) const;

  /// The instant of a wall-clock time, Go's time.Date: fields may overflow (month 13, day 32, hour 24,
  /// minute -1 ...) and are normalised first. A wall time that does not exist (DST gap) or exists twice
  /// (overlap) resolves as Go does: take the offset at the wall time read as UTC; if the result leaves that
  /// offset's period, take the offset at the result instead. (America/New_York: gap 02:30 -> 01:30 EST,
  /// overlap 01:30 -> EDT; Europe/Berlin: gap 02:30 -> 03:30 CEST, overlap 02:30 -> CET.)
  std::int64_t from_civil(std::int64_t year, std::int64_t month, std::int64_t day, std::int64_t hour,
                          std::int64_t minute, std::int64_t second) const;

 private:
  struct Type {
    std::int32_t offset = 0;
    bool is_dst = false;
    std::string abbreviation;
  };
  struct Transition {
    std::int64_t at = 0;
    std::uint8_t type = 0;
  };

  TimeZone() = default;
  std::size_t first_type() const;
  ZonePeriod from_footer(std::int64_t unix_seconds, std::int64_t last_transition) const;

  std::string name_;
  std::vector<Type> types_;
  std::vector<Transition> transitions_;
  std::optional<PosixTz> footer_;
};

/// RFC 3339 of an instant as the zone's wall clock with its offset ("2024-03-10T03:00:00-04:00"; "Z" for
/// offset 0), as Go's time.RFC3339 prints. Whole seconds.
std::string format_local_rfc3339(const TimeZone& zone, std::int64_t unix_seconds);

/// Days since 1970-01-01 of a proleptic Gregorian date (month and day may overflow, as in Go).
std::int64_t days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day);

}  // namespace fedmetrics::cron
