#include "server/api/status_mapping.hpp"

namespace fedmetrics::api {

kubeapi::Status status_for(const Error& error) {
  int code = 500;
  switch (error.code) {
    case Errc::InvalidArgument: code = 400; break;
    case Errc::Unauthorized: code = 401; break;
    case Errc::Forbidden: code = 403; break;
    case Errc::NotFound: code = 404; break;
    case Errc::Conflict: code = 409; break;
    case Errc::Gone: code = 410; break;
    case Errc::TooLarge: code = 413; break;
    case Errc::Timeout:
    case Errc::Unavailable:
    case Errc::ProtocolError:
    case Errc::Cancelled: code = 503; break;
    case Errc::Throttled: code = 429; break;
    case Errc::Internal: code = 500; break;
  }
  kubeapi::Status status{code, kubeapi::reason_for_code(code), error.message, std::nullopt};
  if (code == 503 || code == 429) status.details = kubeapi::StatusDetails{{}, {}, {}, {}, 1};
  return status;
}

http::Response status_response(const kubeapi::Status& status) {
  http::Response r;
  r.status = status.code;
  r.body = kubeapi::encode_status(status);
  if (status.details && status.details->retry_after_seconds > 0) {
    r.headers.add("Retry-After", std::to_string(status.details->retry_after_seconds));
  }
  return r;
}

http::Response status_response(int code, std::string message) {
  kubeapi::Status status{code, kubeapi::reason_for_code(code), std::move(message), std::nullopt};
  // A 429 always says when to come back (kube's max-in-flight filter sends Retry-After: 1).
  if (code == 429) status.details = kubeapi::StatusDetails{{}, {}, {}, {}, 1};
  return status_response(status);
}

http::Response json_response(std::string body) {
  http::Response r;
  r.body = std::move(body);
  return r;
}

}  // namespace fedmetrics::api
