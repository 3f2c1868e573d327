#include "aggregation/cron/cron_schedule.hpp"

#include <array>
#include <limits>
#include <utility>

namespace fedmetrics::cron {
namespace {

struct Field {
  const char* name;
  int min;
  int max;
  std::array<const char*, 12> names;  ///< names[i] is value min_name + i; empty when the field has none
  int first_named = 0;
};

constexpr std::array<Field, 5> kFields{{
    {"minute", 0, 59, {}, 0},
    {"hour", 0, 23, {}, 0},
    {"day-of-month", 1, 31, {}, 0},
    {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}, 1},
    {"day-of-week", 0, 6, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}, 0},
}};

struct Descriptor {
  const char* name;
  const char* expansion;
};
constexpr std::array<Descriptor, 6> kDescriptors{{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

bool is_blank(char c) { return c == ' ' || c == '\t'; }
// Inside a schedule both libraries split on these (gronx's \s, a subset of Go's unicode.IsSpace).
bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

Error invalid(std::string message) { return make_error(Errc::InvalidArgument, std::move(message)); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Go's Atoi restricted to what survives robfig's splitting: [+]digits, no overflow of int64.
std::optional<std::int64_t> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return std::nullopt;
  }
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    if (v > (std::numeric_limits<std::int64_t>::max() - (c - '0')) / 10) {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<std::int64_t> parse_value(std::string_view s, const Field& f) {
  if (s.size() == 3 && f.names[0] != nullptr) {
    for (std::size_t i = 0; i < f.names.size() && f.names[i] != nullptr; ++i) {
      const std::string_view name(f.names[i]);
      if (lower(s[0]) == name[0] && lower(s[1]) == name[1] && lower(s[2]) == name[2]) {
        return f.first_named + static_cast<int>(i);
      }
    }
  }
  return parse_number(s);
}

std::vector<std::string_view> split_on(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = text.find(sep, start);
    out.push_back(text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) {
      return out;
    }
    start = pos + 1;
  }
}

std::string not_a_number(const Field& f) { return f.names[0] != nullptr ? ": not a number or a name" : ": not a number"; }

// One list item as robfig/cron's getRange reads it: (`*`|`?`|v[-v])[/step]. robfig ignores whatever
// follows `*-` or `?-`; gronx_accepts_field() refuses those forms unless gronx never reaches them.
Result<void> parse_item(std::string_view item, const Field& f, std::uint64_t& bits, bool& star) {
  const auto where = [&] { return std::string(f.name) + " item \"" + std::string(item) + "\""; };
  const auto range_and_step = split_on(item, '/');
  if (range_and_step.size() > 2) {
    return invalid(where() + ": more than one '/'");
  }
  const auto low_and_high = split_on(range_and_step[0], '-');
  std::int64_t start = f.min;
  std::int64_t end = f.max;
  bool is_star = false;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    is_star = true;
  } else {
    if (low_and_high.size() > 2) {
      return invalid(where() + ": more than one '-'");
    }
    const auto low = parse_value(low_and_high[0], f);
    if (!low) {
      return invalid(where() + not_a_number(f));
    }
    start = end = *low;
    if (low_and_high.size() == 2) {
      const auto high = parse_value(low_and_high[1], f);
      if (!high) {
        return invalid(where() + not_a_number(f));
      }
      end = *high;
    }
  }
  std::int64_t step = 1;
  if (range_and_step.size() == 2) {
    const auto parsed = parse_number(range_and_step[1]);
    if (!parsed) {
      return invalid(where() + ": the step is not a number");
    }
    step = *parsed;
    if (low_and_high.size() == 1) {
      end = f.max;  // "N/S" means N-max/S
    }
  }
  if (start < f.min || end > f.max) {
    return invalid(where() + ": out of range " + std::to_string(f.min) + "-" + std::to_string(f.max));
  }
  if (start > end) {
    return invalid(where() + ": the range starts after it ends");
  }
  if (step == 0) {
    return invalid(where() + ": the step must be at least 1");
  }
  for (std::int64_t v = start; v <= end; v += step) {
    bits |= std::uint64_t{1} << v;
    if (step > end) {
      break;
    }
  }
  if (is_star && step == 1) {
    star = true;
  }
  return ok();
}

// ---- gronx (Karmada's webhook) ----
// gronx.IsValid checks each field against the current time and stops at the first list item that is
// due, so what it reports depends on the clock and on the order of the items. fedmetrics accepts a field
// only if gronx accepts it at every value the field can take, i.e. at every instant.

constexpr std::array<std::pair<const char*, const char*>, 19> kGronxLiterals{{
    {"SUN", "0"}, {"MON", "1"}, {"TUE", "2"}, {"WED", "3"}, {"THU", "4"}, {"FRI", "5"}, {"SAT", "6"},
    {"JAN", "1"}, {"FEB", "2"}, {"MAR", "3"}, {"APR", "4"}, {"MAY", "5"}, {"JUN", "6"}, {"JUL", "7"},
    {"AUG", "8"}, {"SEP", "9"}, {"OCT", "10"}, {"NOV", "11"}, {"DEC", "12"},
}};

std::string gronx_text(std::string_view field) {
  std::string upper;
  for (const char c : field) {
    upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  std::string out;
  for (std::size_t i = 0; i < upper.size();) {
    bool replaced = false;
    for (const auto& [name, number] : kGronxLiterals) {
      if (upper.compare(i, 3, name) == 0) {
        out += number;
        i += 3;
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      out += upper[i++];
    }
  }
  return out;
}

// Go's strconv.Atoi.
std::optional<std::int64_t> go_atoi(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  const auto v = parse_number(s);
  if (!v || (!s.empty() && s.front() == '+')) {
    return std::nullopt;
  }
  return negative ? -*v : *v;
}

struct Due {
  bool due = false;
  bool error = false;
};

// gronx's isOffsetDue for one item at one value of the field (pos 1..5 = minute..weekday).
Due gronx_due(std::string_view item, std::int64_t val, int pos, int low, int high) {
  const bool weekday = pos == 5;
  if (item == "*" || item == "?") {
    return {true, false};
  }
  if (item.find('/') != std::string_view::npos) {
    const auto parts = split_on(item, '/');
    const auto step = go_atoi(parts[1]);
    if (!step || *step == 0) {
      return {false, true};
    }
    if (item.rfind("*/", 0) == 0 || item.rfind("0/", 0) == 0) {
      return {val % *step == 0, false};
    }
    const auto sub = split_on(parts[0], '-');
    const auto start = go_atoi(sub[0]);
    std::optional<std::int64_t> end = val;
    if (sub.size() > 1) {
      end = go_atoi(sub[1]);
    }
    if (!start || !end || (sub.size() > 1 && *end < *start) || *start < low || *end > high) {
      return {false, true};
    }
    for (std::int64_t i = *start; i <= *end && i <= val; i += *step) {
      if (i == val) {
        return {true, false};
      }
      if (*step < 0 || *step > std::numeric_limits<std::int64_t>::max() - i) {
        return {false, true};  // gronx's loop would overflow and spin: the webhook never answers
      }
    }
    return {false, false};
  }
  if (item.find('-') != std::string_view::npos) {
    std::string text(item);
    if (weekday && text.find("7-") != std::string::npos) {
      text.replace(text.find("7-"), 2, "0-");
    }
    const auto parts = split_on(text, '-');
    const auto start = go_atoi(parts[0]);
    const auto end = go_atoi(parts[1]);
    if (!start || !end || *end < *start || *start < low || *end > high) {
      return {false, true};
    }
    return {*start <= val && val <= *end, false};
  }
  if (!weekday && (val == 0 || item == "0")) {
    return {item == "0" && val == 0, false};
  }
  const auto n = go_atoi(item);
  if (!n || *n < low || *n > high) {
    return {false, true};
  }
  return {*n == val || (weekday && *n == 7 && val == 0), false};
}

bool gronx_accepts_field(std::string_view field, std::size_t index) {
  static constexpr std::array<std::array<int, 2>, 5> kBounds{{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}};
  const std::string text = gronx_text(field);
  const auto items = split_on(text, ',');
  const int pos = static_cast<int>(index) + 1;  // gronx puts seconds first
  const auto [low, high] = kBounds[index];
  for (int val = kFields[index].min; val <= kFields[index].max; ++val) {
    for (const auto item : items) {
      const Due d = gronx_due(item, val, pos, low, high);
      if (d.error) {
        return false;
      }
      if (d.due) {
        break;
      }
    }
  }
  return true;
}

Result<void> parse_field(std::string_view text, std::size_t index, std::uint64_t& bits, bool& star) {
  const Field& f = kFields[index];
  for (const auto item : split_on(text, ',')) {
    if (item.empty()) {
      continue;  // robfig skips empty items; gronx decides below
    }
    if (auto r = parse_item(item, f, bits, star); !r) {
      return r;
    }
  }
  if (!gronx_accepts_field(text, index)) {
    return invalid(std::string("the ") + f.name + " field \"" + std::string(text) +
                   "\" is refused by Karmada's webhook (gronx): an empty item, a step on '?', or '*-'/'?-'");
  }
  return ok();
}

bool has(std::uint64_t bits, int v) { return (bits >> v & 1) != 0; }

// `*` for a full field, except a day field without a star item, whose star-ness changes the day rule.
std::string field_to_string(std::uint64_t bits, int min, int max, bool star, bool star_matters) {
  std::uint64_t full = 0;
  for (int v = min; v <= max; ++v) {
    full |= std::uint64_t{1} << v;
  }
  if (star || (bits == full && !star_matters)) {
    return "*";
  }
  std::string out;
  for (int v = min; v <= max; ++v) {
    if (!has(bits, v)) {
      continue;
    }
    int w = v;
    while (w + 1 <= max && has(bits, w + 1)) {
      ++w;
    }
    if (!out.empty()) {
      out += ',';
    }
    out += std::to_string(v);
    if (w > v) {
      out += '-' + std::to_string(w);
    }
    v = w;
  }
  return out;
}

}  // namespace

Result<CronSchedule> parse_cron(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_blank(text.back())) {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return invalid("empty schedule");
  }
  if (is_separator(text.front()) || is_separator(text.back())) {
    return invalid("a schedule may start or end with spaces and tabs only");
  }
  if (text.front() == '@') {
    for (const auto& d : kDescriptors) {
      if (text == d.name) {
        return parse_cron(d.expansion);
      }
    }
    return invalid("unsupported descriptor \"" + std::string(text) +
                   "\" (supported: @yearly @annually @monthly @weekly @daily @hourly)");
  }
  std::array<std::string_view, 5> fields;
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t begin = i;
    while (i < text.size() && !is_separator(text[i])) {
      const char c = text[i];
      const bool allowed = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           c == '*' || c == '?' || c == ',' || c == '-' || c == '/' || c == '+';
      if (!allowed) {
        return invalid("unexpected character '" + std::string(1, c) + "' in schedule");
      }
      ++i;
    }
    if (count == fields.size()) {
      return invalid("expected exactly 5 fields (minute hour day-of-month month day-of-week), found more");
    }
    fields[count++] = text.substr(begin, i - begin);
    while (i < text.size() && is_separator(text[i])) {
      ++i;
    }
  }
  if (count != fields.size()) {
    return invalid("expected exactly 5 fields (minute hour day-of-month month day-of-week), found " +
                   std::to_string(count));
  }
  CronSchedule s;
  std::array<std::uint64_t*, 5> bits{&s.minutes, &s.hours, &s.days, &s.months, &s.weekdays};
  std::array<bool, 5> stars{};
  for (std::size_t f = 0; f < fields.size(); ++f) {
    if (auto r = parse_field(fields[f], f, *bits[f], stars[f]); !r) {
      return r.error();
    }
  }
  s.days_star = stars[2];
  s.weekdays_star = stars[4];
  return s;
}

std::string CronSchedule::to_string() const {
  return field_to_string(minutes, 0, 59, false, false) + ' ' + field_to_string(hours, 0, 23, false, false) +
         ' ' + field_to_string(days, 1, 31, days_star, true) + ' ' + field_to_string(months, 1, 12, false, false) +
         ' ' + field_to_string(weekdays, 0, 6, weekdays_star, true);
}

std::optional<Seconds> CronSchedule::next_after(const TimeZone& zone, Seconds after) const {
  if (minutes == 0 || hours == 0 || days == 0 || months == 0 || weekdays == 0) {
    return std::nullopt;  // cannot happen for a parsed schedule; guards a hand-built one
  }
  const auto day_matches = [&](const CivilTime& c) {
    const bool dom = has(days, c.day);
    const bool dow = has(weekdays, c.weekday);
    return (days_star || weekdays_star) ? (dom && dow) : (dom || dow);
  };
  const auto add_date = [&](std::int64_t t, int months_to_add, int days_to_add) {
    const CivilTime c = zone.to_civil(t);
    return zone.from_civil(c.year, c.month + months_to_add, c.day + days_to_add, c.hour, c.minute, c.second);
  };
  // Truncation is on absolute time, as Go's Time.Truncate (the zero time is a whole number of minutes).
  const auto truncate_minute = [](std::int64_t t) { return t - (((t % 60) + 60) % 60); };

  std::int64_t t = after.time_since_epoch().count() + 1;
  const int year_limit = zone.to_civil(t).year + 5;
  bool added = false;  // once a field was advanced, the lower fields start from their minimum
  // A safety net only: five years of a real schedule take a few thousand steps.
  int budget = 200000;
  for (;;) {
    CivilTime c = zone.to_civil(t);
    if (c.year > year_limit || --budget < 0) {
      return std::nullopt;
    }
    bool wrapped = false;
    while (!has(months, c.month)) {
      if (--budget < 0) {
        return std::nullopt;
      }
      if (!added) {
        added = true;
        t = zone.from_civil(c.year, c.month, 1, 0, 0, 0);
      }
      t = add_date(t, 1, 0);
      c = zone.to_civil(t);
      if (c.month == 1) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) {
      continue;
    }
    while (!day_matches(c)) {
      if (--budget < 0) {
        return std::nullopt;
      }
      if (!added) {
        added = true;
        t = zone.from_civil(c.year, c.month, c.day, 0, 0, 0);
      }
      const std::int64_t before = t;
      t = add_date(t, 0, 1);
      c = zone.to_civil(t);
      // Midnight may not exist (DST at 00:00): step back to the day's start.
      if (c.hour != 0) {
        t += c.hour > 12 ? (24 - c.hour) * 3600 : -c.hour * 3600;
        c = zone.to_civil(t);
      }
      // A whole calendar day that does not exist (Pacific/Apia 2011-12-30) resolves back onto the day
      // before, and robfig's Next never returns; fedmetrics steps over the missing day instead.
      if (t <= before) {
        t = before + 86400;
        c = zone.to_civil(t);
      }
      if (c.day == 1) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) {
      continue;
    }
    while (!has(hours, c.hour)) {
      if (--budget < 0) {
        return std::nullopt;
      }
      if (!added) {
        added = true;
        t = zone.from_civil(c.year, c.month, c.day, c.hour, 0, 0);
      }
      t += 3600;
      c = zone.to_civil(t);
      if (c.hour == 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) {
      continue;
    }
    while (!has(minutes, c.minute)) {
      if (--budget < 0) {
        return std::nullopt;
      }
      if (!added) {
        added = true;
        t = truncate_minute(t);
      }
      t += 60;
      c = zone.to_civil(t);
      if (c.minute == 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) {
      continue;
    }
    while (c.second != 0) {  // the seconds field is always 0
      if (--budget < 0) {
        return std::nullopt;
      }
      added = true;
      t += 1;
      c = zone.to_civil(t);
      if (c.second == 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) {
      continue;
    }
    return Seconds{std::chrono::seconds{t}};
  }
}

std::vector<Seconds> executions_between(const CronSchedule& schedule, const TimeZone& zone, Seconds from,
                                        Seconds to, std::size_t limit) {
  std::vector<Seconds> out;
  Seconds t = from - std::chrono::seconds{1};
  while (out.size() < limit) {
    const auto next = schedule.next_after(zone, t);
    if (!next || *next >= to) {
      break;
    }
    out.push_back(*next);
    t = *next;
  }
  return out;
}

}  // namespace fedmetrics::cron
