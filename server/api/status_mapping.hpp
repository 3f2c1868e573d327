#pragma once
// The one place where an fedmetrics::Error becomes an HTTP code and a metav1.Status body.
#include <string>

#include "clients/base/error.hpp"
#include "clients/kubeapi/status.hpp"
#include "server/http/message.hpp"

namespace fedmetrics::api {

/// InvalidArgument 400, Unauthorized 401, Forbidden 403, NotFound 404, Conflict 409, Gone 410,
/// TooLarge 413, Unavailable/Timeout/ProtocolError 503 (every member failed: try again), Cancelled 503,
/// Internal 500.
kubeapi::Status status_for(const Error& error);

/// A Status response for `code` with the Kubernetes reason for that code; a 429 carries Retry-After: 1.
http::Response status_response(int code, std::string message);
http::Response status_response(const kubeapi::Status& status);
/// 200 with a JSON body.
http::Response json_response(std::string body);

}  // namespace fedmetrics::api
