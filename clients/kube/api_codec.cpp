#include "clients/kube/api_codec.hpp"

#include "clients/kubeapi/status.hpp"
#include "clients/transport/https_client.hpp"

namespace fedmetrics::kube {
namespace {

using transport::escape_path_segment;
using transport::escape_query_value;

void add_query(std::string& target, bool& first, std::string_view key, std::string_view value) {
  target += first ? '?' : '&';
  first = false;
  target += key;
  target += '=';
  target += escape_query_value(value);
}

Error protocol(std::string message) { return make_error(Errc::ProtocolError, std::move(message)); }

}  // namespace

std::string_view to_string(WatchEventType type) {
  switch (type) {
    case WatchEventType::Added: return "ADDED";
    case WatchEventType::Modified: return "MODIFIED";
    case WatchEventType::Deleted: return "DELETED";
    case WatchEventType::Bookmark: return "BOOKMARK";
    case WatchEventType::Error: return "ERROR";
  }
  return "?";
}

std::string_view content_type(PatchType type) {
  switch (type) {
    case PatchType::Merge: return "application/merge-patch+json";
    case PatchType::Json: return "application/json-patch+json";
    case PatchType::Strategic: return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

std::string collection_path(const ResourceRef& ref) {
  std::string path = ref.group.empty() ? "/api/" + escape_path_segment(ref.version)
                                       : "/apis/" + escape_path_segment(ref.group) + "/" +
                                             escape_path_segment(ref.version);
  if (!ref.namespace_name.empty()) path += "/namespaces/" + escape_path_segment(ref.namespace_name);
  path += "/" + escape_path_segment(ref.resource);
  return path;
}

std::string object_path(const ResourceRef& ref, std::string_view name, std::string_view subresource) {
  std::string path = collection_path(ref) + "/" + escape_path_segment(name);
  if (!subresource.empty()) path += "/" + escape_path_segment(subresource);
  return path;
}

std::string list_target(const ResourceRef& ref, const ListOptions& options, std::string_view continue_token) {
  std::string target = collection_path(ref);
  bool first = true;
  if (!options.label_selector.empty()) add_query(target, first, "labelSelector", options.label_selector);
  if (!options.field_selector.empty()) add_query(target, first, "fieldSelector", options.field_selector);
  if (options.page_size > 0) add_query(target, first, "limit", std::to_string(options.page_size));
  if (!continue_token.empty()) add_query(target, first, "continue", continue_token);
  return target;
}

std::string watch_target(const ResourceRef& ref, const WatchOptions& options) {
  std::string target = collection_path(ref);
  bool first = true;
  add_query(target, first, "watch", "1");
  if (!options.resource_version.empty()) add_query(target, first, "resourceVersion", options.resource_version);
  if (options.allow_bookmarks) add_query(target, first, "allowWatchBookmarks", "true");
  if (options.timeout.count() > 0) add_query(target, first, "timeoutSeconds", std::to_string(options.timeout.count()));
  if (!options.label_selector.empty()) add_query(target, first, "labelSelector", options.label_selector);
  if (!options.field_selector.empty()) add_query(target, first, "fieldSelector", options.field_selector);
  return target;
}

Errc errc_for_http_status(int status) {
  switch (status) {
    case 400:
    case 422: return Errc::InvalidArgument;
    case 401: return Errc::Unauthorized;
    case 403: return Errc::Forbidden;
    case 404: return Errc::NotFound;
    case 409: return Errc::Conflict;
    case 410: return Errc::Gone;
    case 413: return Errc::TooLarge;
    case 504: return Errc::Timeout;
    default: break;
  }
  if (status == 429 || status >= 500) return Errc::Unavailable;
  if (status >= 200 && status < 300) return Errc::Internal;
  return Errc::ProtocolError;  // 1xx/3xx and unassigned 4xx: nothing we asked for
}

Error error_from_response(int status, std::string_view body, std::string_view what) {
  std::string message;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.value("kind", "") == "Status" && j.contains("message") &&
      j["message"].is_string()) {
    message = j["message"].get<std::string>();
  } else if (!body.empty()) {
    message = "\"" + std::string(body.substr(0, 200)) + (body.size() > 200 ? "…\"" : "\"");
  } else {
    message = "empty body";
  }
  std::string reason = kubeapi::reason_for_code(status);
  if (!j.is_discarded() && j.is_object() && j.contains("reason") && j["reason"].is_string()) {
    reason = j["reason"].get<std::string>();
  }
  return make_error(errc_for_http_status(status), std::string(what) + ": " + std::to_string(status) +
                                                      (reason.empty() ? "" : " " + reason) + ": " + message);
}

Error error_from_status_object(const nlohmann::json& status, std::string_view what) {
  int code = 500;
  std::string reason;
  std::string message = "watch error";
  if (status.is_object()) {
    if (status.contains("code") && status["code"].is_number_integer()) code = status["code"].get<int>();
    if (status.contains("reason") && status["reason"].is_string()) reason = status["reason"].get<std::string>();
    if (status.contains("message") && status["message"].is_string()) message = status["message"].get<std::string>();
  }
  // "Expired"/"Gone" with a missing code are still a too-old resourceVersion (apimachinery IsResourceExpired).
  Errc errc = errc_for_http_status(code);
  if (reason == "Expired" || reason == "Gone") errc = Errc::Gone;
  if (errc == Errc::Internal) errc = Errc::ProtocolError;
  return make_error(errc, std::string(what) + ": watch ERROR " + std::to_string(code) +
                              (reason.empty() ? "" : " " + reason) + ": " + message);
}

std::string resource_version_of(const nlohmann::json& object) {
  if (!object.is_object()) return "";
  const auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  const auto rv = m->find("resourceVersion");
  if (rv == m->end() || !rv->is_string()) return "";
  return rv->get<std::string>();
}

Result<ListPage> decode_list_page(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return protocol("list: invalid JSON");
  ListPage page;
  if (auto m = j.find("metadata"); m != j.end() && m->is_object()) {
    page.resource_version = m->value("resourceVersion", "");
    page.continue_token = m->value("continue", "");
  }
  auto items = j.find("items");
  if (items == j.end() || items->is_null()) return page;
  if (!items->is_array()) return protocol("list: items is not a list");
  page.items.reserve(items->size());
  for (auto& item : *items) {
    if (!item.is_object()) return protocol("list: an item is not an object");
    page.items.push_back(std::move(item));
  }
  return page;
}

Result<WatchEvent> decode_watch_event(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return protocol("watch event: invalid JSON");
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return protocol("watch event: missing type");
  WatchEvent e;
  const auto t = type->get<std::string>();
  if (t == "ADDED") {
    e.type = WatchEventType::Added;
  } else if (t == "MODIFIED") {
    e.type = WatchEventType::Modified;
  } else if (t == "DELETED") {
    e.type = WatchEventType::Deleted;
  } else if (t == "BOOKMARK") {
    e.type = WatchEventType::Bookmark;
  } else if (t == "ERROR") {
    e.type = WatchEventType::Error;
  } else {
    return protocol("watch event: unknown type \"" + t + "\"");
  }
  auto object = j.find("object");
  if (object == j.end() || !object->is_object()) return protocol("watch event " + t + ": missing object");
  e.object = std::move(*object);
  return e;
}

Result<std::vector<WatchEvent>> decode_watch_stream(std::string_view body) {
  std::vector<WatchEvent> out;
  std::size_t index = 0;
  while (!body.empty()) {
    const auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) continue;
    ++index;
    auto e = decode_watch_event(line);
    if (!e) return protocol("watch stream event " + std::to_string(index) + ": " + e.error().message);
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace fedmetrics::kube
