#pragma once
// --audit-log-path: one JSON line per request (who, what, outcome, how long, which members answered).
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "clients/base/result.hpp"

namespace fedmetrics::api {

struct AuditRecord {
  std::string timestamp;               ///< RFC 3339 UTC, when the answer was sent
  std::string user;
  std::vector<std::string> groups;
  std::string authentication;          ///< requestheader | x509 | token | anonymous | none
  std::string verb;                    ///< HTTP method
  std::string path;                    ///< request target as received (no credentials in it)
  int code = 0;
  double latency_ms = 0;
  std::vector<std::string> members;    ///< member clusters whose answers were merged
  std::string remote;
};

/// Appends records as JSON lines; thread-safe. Each line is flushed, so a crash loses nothing written.
class AuditLog {
 public:
  /// `path` "-" writes to stdout. Errors: InvalidArgument naming the path when it cannot be opened.
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void write(const AuditRecord& record);
  /// The JSON line for a record (without the newline).
  static std::string to_json(const AuditRecord& record);

 private:
  explicit AuditLog(std::FILE* file, bool owned) : file_(file), owned_(owned) {}
  std::mutex mu_;
  std::FILE* file_;
  bool owned_;
};

}  // namespace fedmetrics::api
