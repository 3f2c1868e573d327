#include "aggregation/cron/time_zone.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "aggregation/cron/zone_database.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/unit/aggregation/cron/cron_test_util.hpp"

using namespace fedmetrics;
using namespace fedmetrics::cron;
using cron::test::rfc3339_in;
using cron::test::unix_of;
using cron::test::zone;

TEST_CASE("civil days round-trip and overflow like Go's time.Date", "[unit][cron][tz]") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(days_from_civil(2024, 13, 32) == days_from_civil(2025, 2, 1));  // month 13 day 32
  CHECK(days_from_civil(2024, 0, 0) == days_from_civil(2023, 11, 30));
  const auto utc = TimeZone::utc();
  CHECK(rfc3339_in(utc, utc.from_civil(2024, 2, 30, 24, 0, 0)) == "2024-03-02T00:00:00Z");
  CHECK(utc.to_civil(951782400).weekday == 2);  // 2000-02-29 was a Tuesday
}

TEST_CASE("POSIX TZ footers parse as Go's tzset reads them", "[unit][cron][tz]") {
  using K = TzRule::Kind;
  auto berlin = parse_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3");
  REQUIRE(berlin);
  CHECK(berlin->std_abbreviation == "CET");
  CHECK(berlin->std_offset == 3600);
  REQUIRE(berlin->dst);
  CHECK(berlin->dst->offset == 7200);  // default: std + 1h
  CHECK(berlin->dst->start.kind == K::MonthWeekDay);
  CHECK(berlin->dst->start.month == 3);
  CHECK(berlin->dst->start.week == 5);
  CHECK(berlin->dst->start.time == 7200);
  CHECK(berlin->dst->end.time == 3 * 3600);

  auto kolkata = parse_posix_tz("IST-5:30");
  REQUIRE(kolkata);
  CHECK(kolkata->std_offset == 5 * 3600 + 1800);
  CHECK(!kolkata->dst);

  auto quoted = parse_posix_tz("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");  // Australia/Lord_Howe
  REQUIRE(quoted);
  CHECK(quoted->std_abbreviation == "+1030");
  CHECK(quoted->dst->offset == 11 * 3600);

  auto extended = parse_posix_tz("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");  // America/Nuuk: negative rule time
  REQUIRE(extended);
  CHECK(extended->dst->start.time == -3600);

  auto julian = parse_posix_tz("EST5EDT,J60/2,300");
  REQUIRE(julian);
  CHECK(julian->dst->start.kind == K::Julian);
  CHECK(julian->dst->end.kind == K::DayOfYear);

  auto defaults = parse_posix_tz("EST5EDT");
  REQUIRE(defaults);
  CHECK(defaults->dst->start.month == 3);
  CHECK(defaults->dst->end.month == 11);

  for (const char* bad : {"", "E5", "EST", "EST5EDT,M3.2.0", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
                          "EST5EDT,J0,J100", "EST5EDT,M3.2.0,M11.1.0x", "<EST5", "EST200"}) {
    INFO(bad);
    CHECK(!parse_posix_tz(bad));
  }
}

TEST_CASE("system zones: offsets around transitions, and the footer rule past 2037", "[unit][cron][tz]") {
  const auto ny = zone("America/New_York");
  CHECK(ny->lookup(unix_of("2024-03-10T06:59:59Z")).offset == -5 * 3600);
  CHECK(ny->lookup(unix_of("2024-03-10T07:00:00Z")).offset == -4 * 3600);
  CHECK(ny->lookup(unix_of("2024-03-10T07:00:00Z")).abbreviation == "EDT");
  CHECK(ny->lookup(unix_of("2024-03-10T07:00:00Z")).begin == unix_of("2024-03-10T07:00:00Z"));
  CHECK(ny->lookup(unix_of("2024-03-10T07:00:00Z")).end == unix_of("2024-11-03T06:00:00Z"));
  // The TZif table ends in 2037; Go (and so Karmada) continue with the footer rule.
  CHECK(ny->lookup(unix_of("2040-07-01T16:00:00Z")).offset == -4 * 3600);
  CHECK(ny->lookup(unix_of("2040-12-01T16:00:00Z")).offset == -5 * 3600);
  CHECK(ny->lookup(unix_of("2040-03-11T07:00:00Z")).begin == unix_of("2040-03-11T07:00:00Z"));
  // Southern hemisphere: DST across the new year.
  const auto sydney = zone("Australia/Sydney");
  CHECK(sydney->lookup(unix_of("2041-01-15T00:00:00Z")).offset == 11 * 3600);
  CHECK(sydney->lookup(unix_of("2041-06-15T00:00:00Z")).offset == 10 * 3600);
  const auto kathmandu = zone("Asia/Kathmandu");
  CHECK(kathmandu->lookup(unix_of("2030-01-01T00:00:00Z")).offset == 5 * 3600 + 45 * 60);
  // Before the first transition: local mean time.
  CHECK(ny->lookup(unix_of("1800-01-01T00:00:00Z")).offset == -(4 * 3600 + 56 * 60 + 2));
}

TEST_CASE("wall times in gaps and overlaps resolve as Go's time.Date", "[unit][cron][tz]") {
  // Expected values printed by Go 1.26 time.Date over the same zoneinfo files.
  struct Row {
    const char* zone;
    int y, m, d, h, mi;
    const char* want;
  };
  const Row rows[] = {
      {"America/New_York", 2024, 3, 10, 2, 30, "2024-03-10T01:30:00-05:00"},   // gap: earlier instant
      {"America/New_York", 2024, 11, 3, 1, 30, "2024-11-03T01:30:00-04:00"},   // overlap: first (EDT)
      {"Europe/Berlin", 2024, 3, 31, 2, 30, "2024-03-31T03:30:00+02:00"},      // gap: later instant
      {"Europe/Berlin", 2024, 10, 27, 2, 30, "2024-10-27T02:30:00+01:00"},     // overlap: second (CET)
      {"Europe/London", 2024, 3, 31, 1, 30, "2024-03-31T02:30:00+01:00"},
      {"Europe/London", 2024, 10, 27, 1, 30, "2024-10-27T01:30:00Z"},
      {"America/New_York", 2040, 3, 11, 2, 30, "2040-03-11T01:30:00-05:00"},   // footer rule
      {"America/New_York", 2040, 7, 1, 12, 0, "2040-07-01T12:00:00-04:00"},
      {"Australia/Sydney", 2024, 10, 6, 2, 30, "2024-10-06T03:30:00+11:00"},
      {"Australia/Sydney", 2024, 4, 7, 2, 30, "2024-04-07T02:30:00+10:00"},
      {"Pacific/Apia", 2011, 12, 30, 0, 0, "2011-12-29T00:00:00-10:00"},       // a day that never was
      {"America/New_York", 2024, 13, 32, 25, 61, "2025-02-02T02:01:00-05:00"}, // overflowing fields
  };
  for (const auto& r : rows) {
    INFO(r.zone << " " << r.y << "-" << r.m << "-" << r.d << " " << r.h << ":" << r.mi);
    const auto z = zone(r.zone);
    const auto t = z->from_civil(r.y, r.m, r.d, r.h, r.mi, 0);
    CHECK(rfc3339_in(*z, t) == r.want);
    CHECK(t == unix_of(r.want));
  }
}

TEST_CASE("malformed TZif data is refused", "[unit][cron][tz]") {
  std::ifstream in(std::string(kSystemZoneinfoDir) + "/Europe/Berlin", std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(good.size() > 100);
  REQUIRE(TimeZone::from_tzif("Europe/Berlin", good));
  CHECK(!TimeZone::from_tzif("x", ""));
  CHECK(!TimeZone::from_tzif("x", "TZif2"));
  CHECK(!TimeZone::from_tzif("x", "NotTZif" + good));
  for (const std::size_t cut : {44, 60, 500, 1000}) {
    INFO("truncated at " << cut);
    CHECK(!TimeZone::from_tzif("x", good.substr(0, cut)));
  }
  std::string no_footer = good.substr(0, good.rfind('\n', good.size() - 2));
  CHECK(!TimeZone::from_tzif("x", no_footer));
}

TEST_CASE("zone names resolve as Go's LoadLocation, and never outside the zoneinfo directory",
          "[unit][cron][tz]") {
  const ZoneDatabase db;
  for (const char* name : {"", "UTC"}) {
    auto z = db.load(name);
    REQUIRE(z);
    CHECK((*z)->lookup(0).offset == 0);
  }
  REQUIRE(db.load("Local"));
  for (const char* name : {"Europe/Berlin", "US/Eastern", "Etc/GMT+5", "EST5EDT", "Asia/Kolkata"}) {
    INFO(name);
    CHECK(db.load(name));
  }
  CHECK((*db.load("Etc/GMT+5"))->lookup(0).offset == -5 * 3600);
  for (const char* name : {"Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Europe/../Europe/Berlin",
                           "Europe//Berlin", "zone.tab", "Europe", "europe berlin", "Europe/Berlin\n"}) {
    INFO(name);
    auto z = db.load(name);
    REQUIRE(!z);
    CHECK(z.error().code == Errc::InvalidArgument);
    CHECK(z.error().message == "unknown time zone " + std::string(name));
  }
  CHECK(*db.load("Europe/Berlin") == *db.load("Europe/Berlin"));  // cached
}
