#pragma once
// metav1.Status, the body of every error answer (aggregated-api.md §2.1).
#include <optional>
#include <string>
#include <vector>

namespace fedmetrics::kubeapi {

struct StatusCause {
  std::string reason;
  std::string message;
  std::string field;
  bool operator==(const StatusCause&) const = default;
};

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
  std::vector<StatusCause> causes;
  int retry_after_seconds = 0;
  bool operator==(const StatusDetails&) const = default;
};

struct Status {
  int code = 500;
  std::string reason;   ///< NotFound, BadRequest, ... ; empty for "unknown" (omitted on the wire)
  std::string message;
  std::optional<StatusDetails> details;
  bool operator==(const Status&) const = default;
};

/// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",...}
std::string encode_status(const Status& status);

/// The reason Kubernetes uses for an HTTP code: 400 BadRequest, 401 Unauthorized, 403 Forbidden,
/// 404 NotFound, 405 MethodNotAllowed, 406 NotAcceptable, 409 Conflict, 410 Gone,
/// 413 RequestEntityTooLarge, 429 TooManyRequests, 500 InternalError, 503 ServiceUnavailable,
/// 504 Timeout; otherwise empty.
std::string reason_for_code(int code);

}  // namespace fedmetrics::kubeapi
