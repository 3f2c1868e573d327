#pragma once
// Cron schedules of CronFederatedHPA rules: the syntax Karmada accepts end to end, and the execution times
// its scheduler produces. Pure (no I/O, no clock).
//
// Karmada checks a schedule twice with two libraries: the webhook with adhocore/gronx (IsValid), the
// controller with go-co-op/gocron, which hands "CRON_TZ=<zone> <schedule>" to robfig/cron/v3's
// ParseStandard. A schedule one accepts and the other rejects is either refused at admission or admitted
// and then fails at run time (StartRuleFailed, karmada-reference.md §6.2). fedmetrics accepts exactly the
// schedules both accept:
//   - five fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12) day-of-week (0-6, 0 = Sunday);
//   - each field a comma list of items: `*`, `?` (= `*`), N, N-M, and a step on any of them (`*/S`, `N-M/S`,
//     `N/S` = N-max/S); S >= 1; numbers may carry a leading `+` or zeros (Go's Atoi);
//   - names, case-insensitive, as whole range ends in their own field only: jan..dec, sun..sat;
//   - descriptors @yearly @annually @monthly @weekly @daily @hourly (lower case);
//   - fields separated by spaces or tabs, which may also lead and trail.
// Refused although one library takes it: seconds or year fields, L W #, 7 for Sunday, @midnight,
// @every <duration>, @always, @5minutes and the like, upper-case descriptors, names in another field
// (gronx turns "MON" into 1 anywhere), `?/S`, `*-N`, empty list items, a day-of-month or month 0, and a
// leading TZ=/CRON_TZ= (gronx rejects these; robfig would take them or read them differently).
//
// Semantics are robfig's (they decide when the scheduler fires): day-of-month and day-of-week are ANDed
// when either field is `*`/`?` (or a `*`/`?` item without a step > 1), ORed otherwise; `*/S` starts at
// the field's minimum (day-of-month `*/5` = 1,6,11,...). next_after() walks fields in the zone's wall clock
// the way robfig's SpecSchedule.Next does, so DST behaves as in Karmada:
//   - a time in a skipped hour (spring forward) does not run that day (02:30 daily: no run on the day);
//   - a time in a repeated hour (fall back) runs twice, once per offset (01:30 EDT and 01:30 EST);
//   - a search that finds nothing within five years ends (Feb 30): no next execution.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregation/cron/time_zone.hpp"
#include "clients/base/result.hpp"

namespace fedmetrics::cron {

using Seconds = std::chrono::sys_seconds;

/// A parsed schedule: one bit per allowed value of each field.
struct CronSchedule {
  std::uint64_t minutes = 0;  ///< bits 0..59
  std::uint64_t hours = 0;    ///< bits 0..23
  std::uint64_t days = 0;     ///< bits 1..31
  std::uint64_t months = 0;   ///< bits 1..12
  std::uint64_t weekdays = 0; ///< bits 0..6
  bool days_star = false;     ///< day-of-month had a `*`/`?` item (no step > 1)
  bool weekdays_star = false;

  bool operator==(const CronSchedule&) const = default;

  /// The next execution strictly after `after` (whole seconds; robfig's Next): nullopt when none falls
  /// within five years of it.
  std::optional<Seconds> next_after(const TimeZone& zone, Seconds after) const;

  /// Canonical text: five numeric fields of comma lists and ranges (`0 8 * * 1-5`); parses back to an
  /// equal schedule.
  std::string to_string() const;
};

/// Parses a schedule. Errors: InvalidArgument with the reason (field name and the offending item).
[[nodiscard]] Result<CronSchedule> parse_cron(std::string_view text);

/// Executions in [from, to), at most `limit` (the controller's sequence: each is next_after the previous).
std::vector<Seconds> executions_between(const CronSchedule& schedule, const TimeZone& zone, Seconds from,
                                        Seconds to, std::size_t limit);

}  // namespace fedmetrics::cron
