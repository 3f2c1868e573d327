#include "server/api/audit_log.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "clients/base/clock.hpp"
#include "clients/base/log.hpp"

namespace fedmetrics::api {
namespace {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr const char* kBackupTimeFormat = "%Y-%m-%dT%H-%M-%S";  // lumberjack: 2006-01-02T15-04-05.000

std::pair<std::string, std::string> stem_and_ext(const std::string& path) {
  const fs::path p(path);
  const std::string ext = p.extension().string();
  return {path.substr(0, path.size() - ext.size()), ext};
}

json response_status(const AuditEvent& e) {
  json status{{"metadata", json::object()}, {"code", e.code}};
  if (e.code >= 400) {
    // The Status the client got, as kube-apiserver copies it (status, message, reason).
    const auto body = json::parse(e.response_body, nullptr, false);
    if (body.is_object() && body.value("kind", "") == "Status") {
      for (const char* key : {"status", "message", "reason"}) {
        if (body.contains(key)) status[key] = body[key];
      }
    }
  }
  return status;
}

}  // namespace

std::string audit_event_json(const AuditEvent& e) {
  const auto& r = e.request;
  json user{{"username", r.user.name}};
  if (!r.user.uid.empty()) user["uid"] = r.user.uid;
  if (!r.user.groups.empty()) user["groups"] = r.user.groups;
  if (!r.user.extra.empty()) user["extra"] = r.user.extra;
  json j{{"kind", "Event"},         {"apiVersion", "audit.k8s.io/v1"}, {"level", to_string(e.level)},
         {"auditID", e.audit_id},   {"stage", e.stage},                {"requestURI", e.request_uri},
         {"verb", r.verb},          {"user", std::move(user)},         {"sourceIPs", e.source_ips}};
  if (!e.user_agent.empty()) j["userAgent"] = e.user_agent;
  if (r.resource_request) {
    json ref = json::object();
    auto put = [&ref](const char* key, const std::string& value) {
      if (!value.empty()) ref[key] = value;
    };
    put("resource", r.resource);
    put("namespace", r.namespace_);
    put("name", r.name);
    put("apiGroup", r.api_group);
    put("apiVersion", r.api_version);
    put("subresource", r.subresource);
    j["objectRef"] = std::move(ref);
  }
  if (e.stage == "ResponseComplete") j["responseStatus"] = response_status(e);
  if (e.level == AuditLevel::RequestResponse && e.stage == "ResponseComplete") {
    auto body = json::parse(e.response_body, nullptr, false);
    if (!body.is_discarded() && body.is_object()) j["responseObject"] = std::move(body);
  }
  j["requestReceivedTimestamp"] = format_rfc3339_micro(e.received);
  j["stageTimestamp"] = format_rfc3339_micro(e.stage_time);
  if (!e.annotations.empty()) {
    json a = json::object();
    for (const auto& [k, v] : e.annotations) a[k] = v;
    j["annotations"] = std::move(a);
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string audit_backup_name(const std::string& path, std::chrono::system_clock::time_point when) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(when);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  const auto n = std::strftime(buf, sizeof buf, kBackupTimeFormat, &tm);
  const auto [stem, ext] = stem_and_ext(path);
  return fmt::format("{}-{}.{:03}{}", stem, std::string_view(buf, n), millis, ext);
}

std::vector<std::string> audit_backups_to_remove(
    std::vector<std::pair<std::string, std::chrono::system_clock::time_point>> backups,
    std::chrono::system_clock::time_point now, const AuditLogRotation& rotation) {
  std::sort(backups.begin(), backups.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < backups.size(); ++i) {
    const bool too_many = rotation.max_backups > 0 && i >= static_cast<std::size_t>(rotation.max_backups);
    const bool too_old = rotation.max_age_days > 0 && now - backups[i].second > std::chrono::hours(24) * rotation.max_age_days;
    if (too_many || too_old) out.push_back(backups[i].first);
  }
  return out;
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path, AuditPolicy policy,
                                                 AuditLogRotation rotation) {
  if (path == "-") return std::unique_ptr<AuditLog>(new AuditLog(path, stdout, false, std::move(policy), rotation));
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return make_error(Errc::InvalidArgument, "--audit-log-path " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(path, f, true, std::move(policy), rotation));
}

AuditLog::AuditLog(std::string path, std::FILE* file, bool owned, AuditPolicy policy, AuditLogRotation rotation)
    : path_(std::move(path)), policy_(std::move(policy)), rotation_(rotation), file_(file), owned_(owned) {
  struct stat st{};
  if (owned_ && ::fstat(fileno(file_), &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
}

AuditLog::~AuditLog() {
  if (owned_) std::fclose(file_);
}

void AuditLog::write(const AuditEvent& event) {
  const std::string line = audit_event_json(event) + "\n";
  std::lock_guard lock(mu_);
  if (owned_ && size_ > 0 && size_ + line.size() > rotation_.max_size_bytes) rotate();
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
  size_ += line.size();
}

void AuditLog::rotate() {
  const auto now = std::chrono::system_clock::now();
  std::fclose(file_);
  std::error_code ec;
  fs::rename(path_, audit_backup_name(path_, now), ec);
  if (ec) log::error("audit log rotation failed", {{"err", ec.message()}, {"path", path_}});
  file_ = std::fopen(path_.c_str(), "a");
  if (file_ == nullptr) {
    // Keep auditing somewhere rather than crash: the operator sees the error line.
    log::error("cannot reopen the audit log; writing audit events to stderr", {{"path", path_}});
    file_ = stderr;
    owned_ = false;
  }
  size_ = 0;
  // Remove what the limits no longer keep.
  const auto [stem, ext] = stem_and_ext(path_);
  const std::string prefix = fs::path(stem).filename().string() + "-";
  std::vector<std::pair<std::string, std::chrono::system_clock::time_point>> backups;
  const fs::path dir = fs::path(path_).parent_path().empty() ? fs::path(".") : fs::path(path_).parent_path();
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + ext.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - ext.size(), ext.size(), ext) != 0) {
      continue;
    }
    std::tm tm{};
    const std::string stamp = name.substr(prefix.size(), name.size() - prefix.size() - ext.size());
    const char* end = strptime(stamp.c_str(), kBackupTimeFormat, &tm);
    if (end == nullptr || *end != '.') continue;
    backups.emplace_back(entry.path().string(), std::chrono::system_clock::from_time_t(timegm(&tm)));
  }
  for (const auto& old : audit_backups_to_remove(std::move(backups), now, rotation_)) fs::remove(old, ec);
}

std::string new_audit_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t a = rng(), b = rng();
  // Version 4, variant 10xx.
  const std::uint64_t hi = (a & 0xffffffffffff0fffull) | 0x0000000000004000ull;
  const std::uint64_t lo = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffull);
}

}  // namespace fedmetrics::api
