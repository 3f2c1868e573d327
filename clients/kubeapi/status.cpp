#include "clients/kubeapi/status.hpp"

#include <nlohmann/json.hpp>

namespace fedmetrics::kubeapi {

std::string encode_status(const Status& status) {
  nlohmann::ordered_json j;
  j["kind"] = "Status";
  j["apiVersion"] = "v1";
  j["metadata"] = nlohmann::ordered_json::object();
  j["status"] = "Failure";
  if (!status.message.empty()) j["message"] = status.message;
  if (!status.reason.empty()) j["reason"] = status.reason;
  if (status.details) {
    nlohmann::ordered_json d = nlohmann::ordered_json::object();
    if (!status.details->name.empty()) d["name"] = status.details->name;
    if (!status.details->group.empty()) d["group"] = status.details->group;
    if (!status.details->kind.empty()) d["kind"] = status.details->kind;
    if (!status.details->causes.empty()) {
      auto causes = nlohmann::ordered_json::array();
      for (const auto& c : status.details->causes) {
        nlohmann::ordered_json cj = nlohmann::ordered_json::object();
        if (!c.reason.empty()) cj["reason"] = c.reason;
        if (!c.message.empty()) cj["message"] = c.message;
        if (!c.field.empty()) cj["field"] = c.field;
        causes.push_back(std::move(cj));
      }
      d["causes"] = std::move(causes);
    }
    if (status.details->retry_after_seconds > 0) d["retryAfterSeconds"] = status.details->retry_after_seconds;
    j["details"] = std::move(d);
  }
  j["code"] = status.code;
  // Replace invalid UTF-8 (messages may quote user input) instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string reason_for_code(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "";
  }
}

}  // namespace fedmetrics::kubeapi
