#include "aggregation/cron/zone_database.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>

namespace fedmetrics::cron {
namespace {

constexpr std::uintmax_t kMaxZoneFileBytes = 1 << 20;  // real TZif files are a few KiB

std::optional<std::string> read_small_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) > kMaxZoneFileBytes ||
      ec) {
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Error unknown(std::string_view name) {
  return make_error(Errc::InvalidArgument, "unknown time zone " + std::string(name));
}

}  // namespace

bool is_safe_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/') {
    return false;
  }
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                    c == '_' || c == '-' || c == '+' || c == '.';
    if (!ok) {
      return false;
    }
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto slash = name.find('/', start);
    const auto segment = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return false;
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return true;
}

ZoneDatabase::ZoneDatabase(std::filesystem::path dir) : dir_(std::move(dir)) {}

Result<std::shared_ptr<const TimeZone>> ZoneDatabase::load(std::string_view name) const {
  {
    const std::lock_guard lock(mutex_);
    if (const auto it = cache_.find(name); it != cache_.end()) {
      return it->second;
    }
  }
  auto zone = load_uncached(std::string(name));
  if (zone) {
    const std::lock_guard lock(mutex_);
    cache_.emplace(std::string(name), *zone);
  }
  return zone;
}

Result<std::shared_ptr<const TimeZone>> ZoneDatabase::load_uncached(const std::string& name) const {
  if (name.empty() || name == "UTC") {
    return std::make_shared<const TimeZone>(TimeZone::utc());
  }
  if (name == "Local") {
    // Go's initLocal: $TZ unset -> /etc/localtime; "" -> UTC; ":name" or "name" -> that zone; else UTC.
    const char* tz = std::getenv("TZ");
    std::optional<std::string> data;
    if (tz == nullptr) {
      data = read_small_file("/etc/localtime");
    } else {
      std::string_view v(tz);
      if (!v.empty() && v.front() == ':') {
        v.remove_prefix(1);
      }
      if (!v.empty() && v.front() == '/') {
        data = read_small_file(std::filesystem::path(v));
      } else if (is_safe_zone_name(v) && v != "UTC") {
        data = read_small_file(dir_ / std::string(v));
      }
    }
    if (data) {
      if (auto zone = TimeZone::from_tzif("Local", *data)) {
        return std::make_shared<const TimeZone>(std::move(*zone));
      }
    }
    return std::make_shared<const TimeZone>(TimeZone::utc());
  }
  if (!is_safe_zone_name(name)) {
    return unknown(name);
  }
  const auto data = read_small_file(dir_ / name);
  if (!data) {
    return unknown(name);
  }
  auto zone = TimeZone::from_tzif(name, *data);
  if (!zone) {
    return unknown(name);
  }
  return std::make_shared<const TimeZone>(std::move(*zone));
}

}  // namespace fedmetrics::cron
