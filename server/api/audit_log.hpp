#pragma once
// --audit-log-path: audit.k8s.io/v1 Event objects, one JSON per line, as kube-apiserver's log backend writes
// them, filtered by the audit policy (audit_policy.hpp), with lumberjack's size rotation
// (--audit-log-maxsize/maxbackup/maxage):
//   {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"…","stage":"ResponseComplete",
//    "requestURI":"/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?…","verb":"list",
//    "user":{"username":"system:serviceaccount:…","groups":[…]},"sourceIPs":["127.0.0.1"],"userAgent":"…",
//    "objectRef":{"resource":"pods","namespace":"default","name":"*","apiGroup":"custom.metrics.k8s.io",
//                 "apiVersion":"v1beta2","subresource":"http_requests"},
//    "responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"…","stageTimestamp":"…",
//    "annotations":{"fedmetrics.io/members":"member1,member2","fedmetrics.io/authentication":"requestheader"}}
// Level Request adds nothing for these GET-only APIs (no request body); RequestResponse adds
// responseObject (the JSON answer).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "clients/base/result.hpp"
#include "server/api/audit_policy.hpp"
#include "server/auth/request_attributes.hpp"

namespace fedmetrics::api {

/// One audit event (one stage of one request).
struct AuditEvent {
  AuditLevel level = AuditLevel::Metadata;
  std::string audit_id;
  std::string stage;        ///< RequestReceived | ResponseComplete
  std::string request_uri;  ///< the request target as received
  auth::RequestAttributes request;  ///< user, verb, and the object for resource requests
  std::vector<std::string> source_ips;
  std::string user_agent;
  int code = 0;             ///< ResponseComplete only
  std::string response_body;  ///< the answer (JSON for API reads), for RequestResponse and error statuses
  std::chrono::system_clock::time_point received;
  std::chrono::system_clock::time_point stage_time;
  std::vector<std::pair<std::string, std::string>> annotations;
};

/// The Event's JSON line (without the newline). Pure.
std::string audit_event_json(const AuditEvent& event);

/// --audit-log-maxsize/maxbackup/maxage (lumberjack's semantics, as kube-apiserver uses it).
struct AuditLogRotation {
  std::uint64_t max_size_bytes = 100ull << 20;  ///< rotate before a write would pass this (0 flag = 100 MB)
  int max_backups = 0;                          ///< rotated files kept; 0 = all
  int max_age_days = 0;                         ///< rotated files older than this removed; 0 = never
};

/// A rotated file: `<stem>-<UTC time as 2006-01-02T15-04-05.000><ext>` beside the log.
std::string audit_backup_name(const std::string& path, std::chrono::system_clock::time_point when);
/// Which backups to delete: beyond the newest max_backups, and older than max_age_days. Pure.
std::vector<std::string> audit_backups_to_remove(
    std::vector<std::pair<std::string, std::chrono::system_clock::time_point>> backups,
    std::chrono::system_clock::time_point now, const AuditLogRotation& rotation);

/// The audit log: policy + rotating writer. Thread-safe; each line is written and flushed under a mutex, so
/// lines never interleave and a crash loses nothing written.
class AuditLog {
 public:
  /// `path` "-" writes to stdout (no rotation). Errors: InvalidArgument naming the path.
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path, AuditPolicy policy,
                                                AuditLogRotation rotation = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// The policy's decision for a request.
  AuditDecision decide(const auth::RequestAttributes& request) const { return evaluate(policy_, request); }
  void write(const AuditEvent& event);

 private:
  AuditLog(std::string path, std::FILE* file, bool owned, AuditPolicy policy, AuditLogRotation rotation);
  void rotate();  // under mu_

  std::string path_;
  AuditPolicy policy_;
  AuditLogRotation rotation_;
  std::mutex mu_;
  std::FILE* file_;
  bool owned_;
  std::uint64_t size_ = 0;
};

/// A random UUID (version 4), for auditID when the request carries no Audit-ID header.
std::string new_audit_id();

}  // namespace fedmetrics::api
