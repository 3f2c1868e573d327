#include "server/api/audit_log.hpp"

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace fedmetrics::api {

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path) {
  if (path == "-") return std::unique_ptr<AuditLog>(new AuditLog(stdout, false));
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return make_error(Errc::InvalidArgument, "--audit-log-path " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(f, true));
}

AuditLog::~AuditLog() {
  if (owned_) std::fclose(file_);
}

std::string AuditLog::to_json(const AuditRecord& r) {
  nlohmann::ordered_json j{{"ts", r.timestamp},      {"user", r.user},     {"groups", r.groups},
                           {"authn", r.authentication}, {"verb", r.verb},   {"path", r.path},
                           {"code", r.code},          {"latencyMs", r.latency_ms}, {"members", r.members},
                           {"remote", r.remote}};
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void AuditLog::write(const AuditRecord& record) {
  const std::string line = to_json(record) + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace fedmetrics::api
