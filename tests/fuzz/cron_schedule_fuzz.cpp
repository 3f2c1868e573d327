// libFuzzer target: parse_cron (aggregation/cron/cron_schedule.hpp), the CronFederatedHPA schedule parser.
// Invariants: errors are InvalidArgument; an accepted schedule's canonical text re-parses to an equal
// schedule and is a fixed point; next_after (UTC and America/New_York) is later than its start, and its
// wall-clock fields satisfy the schedule; successive executions strictly increase.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aggregation/cron/cron_schedule.hpp"
#include "aggregation/cron/zone_database.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace fedmetrics;
using namespace fedmetrics::cron;

namespace {

bool bit(std::uint64_t bits, int v) { return (bits >> v & 1) != 0; }

void check_matches(const CronSchedule& s, const TimeZone& zone, Seconds t, const std::string& text) {
  const CivilTime c = zone.to_civil(t.time_since_epoch().count());
  const bool dom = bit(s.days, c.day);
  const bool dow = bit(s.weekdays, c.weekday);
  const bool day = (s.days_star || s.weekdays_star) ? (dom && dow) : (dom || dow);
  FUZZ_CHECK(c.second == 0 && bit(s.minutes, c.minute) && bit(s.hours, c.hour) && bit(s.months, c.month) && day,
             "execution does not match \"" + text + "\" in " + zone.name());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ZoneDatabase zones;
  static const std::shared_ptr<const TimeZone> new_york = [] {
    auto z = zones.load("America/New_York");
    return z ? *z : std::make_shared<const TimeZone>(TimeZone::utc());
  }();
  static const TimeZone utc = TimeZone::utc();

  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_cron(text);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code == Errc::InvalidArgument, parsed.error().message);
    return 0;
  }
  const std::string canonical = parsed->to_string();
  const auto again = parse_cron(canonical);
  FUZZ_CHECK(again.has_value(), "canonical form does not re-parse: \"" + canonical + "\"");
  FUZZ_CHECK(*again == *parsed, "canonical form re-parses differently: \"" + canonical + "\"");
  FUZZ_CHECK(again->to_string() == canonical, "to_string is not a fixed point: \"" + canonical + "\"");

  // 2024-03-09T12:00:00Z: the New York spring-forward weekend follows.
  for (const TimeZone* zone : {&utc, new_york.get()}) {
    Seconds t{std::chrono::seconds{1709985600}};
    for (int i = 0; i < 4; ++i) {
      const auto next = parsed->next_after(*zone, t);
      if (!next) {
        break;
      }
      FUZZ_CHECK(*next > t, "next_after went backwards for \"" + text + "\"");
      FUZZ_CHECK(*next - t <= std::chrono::hours{24 * 366 * 6}, "next_after beyond six years for \"" + text + "\"");
      check_matches(*parsed, *zone, *next, text);
      t = *next;
    }
  }
  return 0;
}
