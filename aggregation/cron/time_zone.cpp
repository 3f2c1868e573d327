#include "aggregation/cron/time_zone.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace fedmetrics::cron {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    --q;
  }
  return q;
}

std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

bool is_leap(std::int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int days_in_month(std::int64_t year, int month) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

struct Date {
  std::int64_t year;
  int month;
  int day;
};

// Proleptic Gregorian calendar over 400-year eras (the well-known days/civil conversion).
Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// ---- POSIX TZ string (Go's tzset grammar) ----

struct Cursor {
  std::string_view s;
  bool empty() const { return s.empty(); }
  char peek() const { return s.front(); }
};

std::optional<int> tz_number(Cursor& c, int min, int max) {
  if (c.empty() || c.peek() < '0' || c.peek() > '9') {
    return std::nullopt;
  }
  int num = 0;
  while (!c.empty() && c.peek() >= '0' && c.peek() <= '9') {
    num = num * 10 + (c.peek() - '0');
    if (num > max) {
      return std::nullopt;
    }
    c.s.remove_prefix(1);
  }
  if (num < min) {
    return std::nullopt;
  }
  return num;
}

// [+-]hh[:mm[:ss]], hours up to 167; returned as written (west-positive for zone offsets).
std::optional<std::int32_t> tz_offset(Cursor& c) {
  if (c.empty()) {
    return std::nullopt;
  }
  bool negative = false;
  if (c.peek() == '+' || c.peek() == '-') {
    negative = c.peek() == '-';
    c.s.remove_prefix(1);
  }
  const auto hours = tz_number(c, 0, 24 * 7);
  if (!hours) {
    return std::nullopt;
  }
  std::int32_t off = *hours * 3600;
  for (const int unit : {60, 1}) {
    if (c.empty() || c.peek() != ':') {
      break;
    }
    c.s.remove_prefix(1);
    const auto part = tz_number(c, 0, 59);
    if (!part) {
      return std::nullopt;
    }
    off += *part * unit;
  }
  return negative ? -off : off;
}

std::optional<std::string> tz_name(Cursor& c) {
  if (c.empty()) {
    return std::nullopt;
  }
  if (c.peek() == '<') {
    const auto close = c.s.find('>');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    std::string name(c.s.substr(1, close - 1));
    c.s.remove_prefix(close + 1);
    return name;
  }
  std::size_t i = 0;
  while (i < c.s.size() && !((c.s[i] >= '0' && c.s[i] <= '9') || c.s[i] == ',' || c.s[i] == '-' ||
                             c.s[i] == '+')) {
    ++i;
  }
  if (i < 3) {
    return std::nullopt;
  }
  std::string name(c.s.substr(0, i));
  c.s.remove_prefix(i);
  return name;
}

std::optional<TzRule> tz_rule(Cursor& c) {
  if (c.empty()) {
    return std::nullopt;
  }
  TzRule r;
  std::optional<int> n;
  if (c.peek() == 'J') {
    c.s.remove_prefix(1);
    r.kind = TzRule::Kind::Julian;
    n = tz_number(c, 1, 365);
    r.day = n.value_or(0);
  } else if (c.peek() == 'M') {
    c.s.remove_prefix(1);
    r.kind = TzRule::Kind::MonthWeekDay;
    const auto month = tz_number(c, 1, 12);
    if (!month || c.empty() || c.peek() != '.') {
      return std::nullopt;
    }
    c.s.remove_prefix(1);
    const auto week = tz_number(c, 1, 5);
    if (!week || c.empty() || c.peek() != '.') {
      return std::nullopt;
    }
    c.s.remove_prefix(1);
    n = tz_number(c, 0, 6);
    r.month = *month;
    r.week = *week;
    r.day = n.value_or(0);
  } else {
    r.kind = TzRule::Kind::DayOfYear;
    n = tz_number(c, 0, 365);
    r.day = n.value_or(0);
  }
  if (!n) {
    return std::nullopt;
  }
  if (c.empty() || c.peek() != '/') {
    r.time = 2 * 3600;
    return r;
  }
  c.s.remove_prefix(1);
  const auto time = tz_offset(c);
  if (!time) {
    return std::nullopt;
  }
  r.time = *time;
  return r;
}

// Seconds from the start of `year` (UTC midnight, Jan 1) to the rule's moment, for a zone at `offset`.
std::int64_t rule_instant(std::int64_t year, const TzRule& r, std::int32_t offset) {
  std::int64_t day_index = 0;  // 0-based day of the year
  switch (r.kind) {
    case TzRule::Kind::Julian:
      day_index = r.day - 1 + ((is_leap(year) && r.day >= 60) ? 1 : 0);
      break;
    case TzRule::Kind::DayOfYear:
      day_index = r.day;
      break;
    case TzRule::Kind::MonthWeekDay: {
      const std::int64_t first = days_from_civil(year, r.month, 1);
      const int first_weekday = static_cast<int>(floor_mod(first + 4, 7));
      int d = (r.day - first_weekday + 7) % 7;
      for (int week = 1; week < r.week && d + 7 < days_in_month(year, r.month); ++week) {
        d += 7;
      }
      day_index = first - days_from_civil(year, 1, 1) + d;
      break;
    }
  }
  return (days_from_civil(year, 1, 1) + day_index) * kSecondsPerDay + r.time - offset;
}

// ---- TZif (RFC 8536) ----

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool has(std::size_t n) const { return data_.size() - pos_ >= n; }
  std::string_view take(std::size_t n) {
    const auto out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint32_t u32() {
    const auto b = take(4);
    return static_cast<std::uint32_t>(static_cast<unsigned char>(b[0])) << 24 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(b[1])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(b[2])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(b[3]));
  }
  std::int64_t i64() {
    const std::uint64_t hi = u32();
    const std::uint64_t lo = u32();
    return static_cast<std::int64_t>(hi << 32 | lo);
  }
  std::string_view rest() const { return data_.substr(pos_); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

struct Header {
  char version = 0;
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

Result<Header> read_header(Reader& r) {
  if (!r.has(44) || r.take(4) != "TZif") {
    return make_error(Errc::InvalidArgument, "not a TZif file");
  }
  Header h;
  h.version = r.take(1)[0];
  if (h.version != 0 && (h.version < '2' || h.version > '4')) {
    return make_error(Errc::InvalidArgument, "unsupported TZif version");
  }
  r.take(15);
  h.isutcnt = r.u32();
  h.isstdcnt = r.u32();
  h.leapcnt = r.u32();
  h.timecnt = r.u32();
  h.typecnt = r.u32();
  h.charcnt = r.u32();
  constexpr std::uint32_t kLimit = 1u << 16;  // real files have a few thousand entries at most
  if (h.typecnt == 0 || h.typecnt > 256 || h.timecnt > kLimit || h.leapcnt > kLimit ||
      h.charcnt > kLimit || (h.isutcnt != 0 && h.isutcnt != h.typecnt) ||
      (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) {
    return make_error(Errc::InvalidArgument, "TZif header counts out of range");
  }
  return h;
}

std::size_t block_size(const Header& h, std::size_t time_size) {
  return h.timecnt * time_size + h.timecnt + h.typecnt * 6 + h.charcnt + h.leapcnt * (time_size + 4) +
         h.isstdcnt + h.isutcnt;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day) {
  year += floor_div(month - 1, 12);
  month = floor_mod(month - 1, 12) + 1;
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 + (day - 1);
}

Result<PosixTz> parse_posix_tz(std::string_view text) {
  const auto bad = [&] { return make_error(Errc::InvalidArgument, "invalid POSIX TZ string"); };
  Cursor c{text};
  PosixTz tz;
  auto std_name = tz_name(c);
  if (!std_name) {
    return bad();
  }
  const auto std_offset = tz_offset(c);
  if (!std_offset) {
    return bad();
  }
  tz.std_abbreviation = std::move(*std_name);
  tz.std_offset = -*std_offset;
  if (c.empty() || c.peek() == ',') {
    return tz;  // no DST (Go ignores anything after a comma here)
  }
  PosixTz::Dst dst;
  auto dst_name = tz_name(c);
  if (!dst_name) {
    return bad();
  }
  dst.abbreviation = std::move(*dst_name);
  if (c.empty() || c.peek() == ',') {
    dst.offset = tz.std_offset + 3600;
  } else {
    const auto off = tz_offset(c);
    if (!off) {
      return bad();
    }
    dst.offset = -*off;
  }
  std::string defaults;
  if (c.empty()) {
    defaults = ",M3.2.0,M11.1.0";  // tzcode's default rules
    c.s = defaults;
  }
  if (c.peek() != ',' && c.peek() != ';') {
    return bad();
  }
  c.s.remove_prefix(1);
  const auto start = tz_rule(c);
  if (!start || c.empty() || c.peek() != ',') {
    return bad();
  }
  c.s.remove_prefix(1);
  const auto end = tz_rule(c);
  if (!end || !c.empty()) {
    return bad();
  }
  dst.start = *start;
  dst.end = *end;
  tz.dst = std::move(dst);
  return tz;
}

TimeZone TimeZone::utc() {
  TimeZone z;
  z.name_ = "UTC";
  z.types_.push_back({0, false, "UTC"});
  return z;
}

Result<TimeZone> TimeZone::from_tzif(std::string name, std::string_view data) {
  Reader r(data);
  auto header = read_header(r);
  if (!header) {
    return header.error();
  }
  std::size_t time_size = 4;
  if (header->version != 0) {
    // Version 2+: skip the 32-bit block, the 64-bit block follows with its own header.
    const std::size_t v1 = block_size(*header, 4);
    if (!r.has(v1)) {
      return make_error(Errc::InvalidArgument, "truncated TZif file");
    }
    r.take(v1);
    header = read_header(r);
    if (!header) {
      return header.error();
    }
    time_size = 8;
  }
  const Header& h = *header;
  if (!r.has(block_size(h, time_size))) {
    return make_error(Errc::InvalidArgument, "truncated TZif file");
  }
  TimeZone z;
  z.name_ = std::move(name);
  z.transitions_.resize(h.timecnt);
  for (auto& t : z.transitions_) {
    t.at = time_size == 8 ? r.i64() : static_cast<std::int32_t>(r.u32());
  }
  for (auto& t : z.transitions_) {
    t.type = static_cast<std::uint8_t>(r.take(1)[0]);
    if (t.type >= h.typecnt) {
      return make_error(Errc::InvalidArgument, "TZif transition type out of range");
    }
  }
  for (std::size_t i = 1; i < z.transitions_.size(); ++i) {
    if (z.transitions_[i].at <= z.transitions_[i - 1].at) {
      return make_error(Errc::InvalidArgument, "TZif transitions not ascending");
    }
  }
  std::vector<std::pair<std::int32_t, std::pair<bool, std::uint8_t>>> raw(h.typecnt);
  for (auto& t : raw) {
    t.first = static_cast<std::int32_t>(r.u32());
    const auto flags = r.take(2);
    t.second = {flags[0] != 0, static_cast<std::uint8_t>(flags[1])};
    if (t.first == INT32_MIN || t.first < -25 * 3600 || t.first > 26 * 3600) {
      return make_error(Errc::InvalidArgument, "TZif offset out of range");
    }
  }
  const std::string_view chars = r.take(h.charcnt);
  for (const auto& [offset, info] : raw) {
    if (info.second >= chars.size() && !(chars.empty() && info.second == 0)) {
      return make_error(Errc::InvalidArgument, "TZif abbreviation index out of range");
    }
    std::string abbreviation;
    if (!chars.empty()) {
      const auto tail = chars.substr(info.second);
      abbreviation = std::string(tail.substr(0, tail.find('\0')));
    }
    z.types_.push_back({offset, info.first, std::move(abbreviation)});
  }
  r.take(h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt);  // leap seconds and UT/std flags: unused
  if (time_size == 8) {
    const auto footer = r.rest();
    if (footer.size() < 2 || footer.front() != '\n') {
      return make_error(Errc::InvalidArgument, "TZif footer missing");
    }
    const auto close = footer.find('\n', 1);
    if (close == std::string_view::npos) {
      return make_error(Errc::InvalidArgument, "TZif footer unterminated");
    }
    const auto tz = footer.substr(1, close - 1);
    if (!tz.empty()) {
      auto parsed = parse_posix_tz(tz);
      if (parsed) {  // Go ignores an unusable footer and keeps the table
        z.footer_ = std::move(*parsed);
      }
    }
  }
  return z;
}

std::size_t TimeZone::first_type() const {
  const bool first_used = std::any_of(transitions_.begin(), transitions_.end(),
                                      [](const Transition& t) { return t.type == 0; });
  if (!first_used) {
    return 0;
  }
  if (!transitions_.empty() && types_[transitions_.front().type].is_dst) {
    for (int i = static_cast<int>(transitions_.front().type) - 1; i >= 0; --i) {
      if (!types_[static_cast<std::size_t>(i)].is_dst) {
        return static_cast<std::size_t>(i);
      }
    }
  }
  for (std::size_t i = 0; i < types_.size(); ++i) {
    if (!types_[i].is_dst) {
      return i;
    }
  }
  return 0;
}

ZonePeriod TimeZone::from_footer(std::int64_t t, std::int64_t last_transition) const {
  const PosixTz& tz = *footer_;
  if (!tz.dst) {
    return {tz.std_offset, false, tz.std_abbreviation, last_transition, kMaxInstant};
  }
  const PosixTz::Dst& dst = *tz.dst;
  struct Change {
    std::int64_t at;
    bool to_dst;
  };
  std::vector<Change> changes;
  const std::int64_t year = civil_from_days(floor_div(t, kSecondsPerDay)).year;
  for (std::int64_t y = year - 1; y <= year + 1; ++y) {
    changes.push_back({rule_instant(y, dst.start, tz.std_offset), true});
    changes.push_back({rule_instant(y, dst.end, dst.offset), false});
  }
  std::stable_sort(changes.begin(), changes.end(),
                   [](const Change& a, const Change& b) { return a.at < b.at; });
  ZonePeriod p{tz.std_offset, false, tz.std_abbreviation, last_transition, kMaxInstant};
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (changes[i].at > t) {
      p.end = changes[i].at;
      break;
    }
    p.is_dst = changes[i].to_dst;
    p.begin = std::max(changes[i].at, last_transition);
  }
  p.offset = p.is_dst ? dst.offset : tz.std_offset;
  p.abbreviation = p.is_dst ? dst.abbreviation : tz.std_abbreviation;
  return p;
}

ZonePeriod TimeZone::lookup(std::int64_t t) const {
  if (transitions_.empty()) {
    if (footer_) {
      return from_footer(t, kMinInstant);
    }
    const Type& type = types_[first_type()];
    return {type.offset, type.is_dst, type.abbreviation, kMinInstant, kMaxInstant};
  }
  if (t < transitions_.front().at) {
    const Type& type = types_[first_type()];
    return {type.offset, type.is_dst, type.abbreviation, kMinInstant, transitions_.front().at};
  }
  // The last transition at or before t.
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t,
                                   [](std::int64_t v, const Transition& tr) { return v < tr.at; });
  const auto& tr = *std::prev(it);
  if (it == transitions_.end() && footer_) {
    return from_footer(t, tr.at);
  }
  const Type& type = types_[tr.type];
  return {type.offset, type.is_dst, type.abbreviation, tr.at, it == transitions_.end() ? kMaxInstant : it->at};
}

CivilTime TimeZone::to_civil(std::int64_t t) const {
  const ZonePeriod p = lookup(t);
  const std::int64_t local = t + p.offset;
  const std::int64_t days = floor_div(local, kSecondsPerDay);
  const std::int64_t secs = local - days * kSecondsPerDay;
  const Date d = civil_from_days(days);
  CivilTime c;
  c.year = static_cast<int>(d.year);
  c.month = d.month;
  c.day = d.day;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  c.weekday = static_cast<int>(floor_mod(days + 4, 7));
  c.offset = p.offset;
  return c;
}

std::int64_t TimeZone::from_civil(std::int64_t year, std::int64_t month, std::int64_t day, std::int64_t hour,
                                  std::int64_t minute, std::int64_t second) const {
  std::int64_t unix = days_from_civil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 + second;
  const ZonePeriod p = lookup(unix);
  if (p.offset != 0) {
    std::int32_t offset = p.offset;
    const std::int64_t utc = unix - offset;
    if (utc < p.begin || utc >= p.end) {
      offset = lookup(utc).offset;
    }
    unix -= offset;
  }
  return unix;
}

std::string format_local_rfc3339(const TimeZone& zone, std::int64_t unix_seconds) {
  const CivilTime c = zone.to_civil(unix_seconds);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute,
                c.second);
  std::string out(buf);
  if (c.offset == 0) {
    return out + "Z";
  }
  const int a = c.offset < 0 ? -c.offset : c.offset;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", c.offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return out + buf;
}

}  // namespace fedmetrics::cron
