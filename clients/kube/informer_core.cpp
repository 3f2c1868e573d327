#include "clients/kube/informer_core.hpp"

#include <set>

#include "clients/kube/api_codec.hpp"

namespace fedmetrics::kube {
namespace {

std::string meta_string(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  const auto v = m->find(key);
  if (v == m->end() || !v->is_string()) return "";
  return v->get<std::string>();
}

}  // namespace

std::string object_key(const nlohmann::json& object) {
  const std::string ns = meta_string(object, "namespace");
  const std::string name = meta_string(object, "name");
  return ns.empty() ? name : ns + "/" + name;
}

std::vector<Delta> ObjectStore::replace(std::vector<nlohmann::json> items, std::string resource_version) {
  std::vector<Delta> deltas;
  std::map<std::string, ObjectPtr, std::less<>> next;
  for (auto& item : items) {
    auto key = object_key(item);
    auto object = std::make_shared<const nlohmann::json>(std::move(item));
    if (const auto it = objects_.find(key); it == objects_.end()) {
      deltas.push_back({DeltaType::Added, object, nullptr});
    } else if (resource_version_of(*it->second) != resource_version_of(*object)) {
      deltas.push_back({DeltaType::Updated, object, it->second});
    }
    next.insert_or_assign(std::move(key), std::move(object));
  }
  for (const auto& [key, object] : objects_) {
    if (!next.contains(key)) deltas.push_back({DeltaType::Deleted, object, object});
  }
  objects_ = std::move(next);
  resource_version_ = std::move(resource_version);
  return deltas;
}

std::optional<Delta> ObjectStore::apply(const WatchEvent& event) {
  if (event.type == WatchEventType::Error) return std::nullopt;
  if (auto rv = resource_version_of(event.object); !rv.empty()) resource_version_ = std::move(rv);
  if (event.type == WatchEventType::Bookmark) return std::nullopt;
  auto key = object_key(event.object);
  const auto it = objects_.find(key);
  if (event.type == WatchEventType::Deleted) {
    if (it == objects_.end()) return std::nullopt;
    Delta d{DeltaType::Deleted, std::make_shared<const nlohmann::json>(event.object), it->second};
    objects_.erase(it);
    return d;
  }
  auto object = std::make_shared<const nlohmann::json>(event.object);
  if (it == objects_.end()) {
    objects_.emplace(std::move(key), object);
    return Delta{DeltaType::Added, std::move(object), nullptr};
  }
  Delta d{DeltaType::Updated, object, it->second};
  it->second = std::move(object);
  return d;
}

ObjectPtr ObjectStore::get(std::string_view namespace_name, std::string_view name) const {
  const std::string key =
      namespace_name.empty() ? std::string(name) : std::string(namespace_name) + "/" + std::string(name);
  const auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> ObjectStore::list(std::string_view namespace_name) const {
  std::vector<ObjectPtr> out;
  if (namespace_name.empty()) {
    out.reserve(objects_.size());
    for (const auto& [key, object] : objects_) out.push_back(object);
    return out;
  }
  const std::string prefix = std::string(namespace_name) + "/";
  for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.starts_with(prefix); ++it) {
    out.push_back(it->second);
  }
  return out;
}

InformerCore::InformerCore(BackoffPolicy policy, Backoff::JitterSource jitter)
    : backoff_(policy, std::move(jitter)) {}

NextAction InformerCore::on_list(Result<ObjectList> result, std::vector<Delta>& deltas) {
  if (!result) {
    if (result.error().code == Errc::Cancelled) return {NextAction::Stop, std::chrono::milliseconds(0)};
    return {NextAction::List, backoff_.next()};
  }
  auto d = store_.replace(std::move(result->items), std::move(result->resource_version));
  deltas.insert(deltas.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
  synced_ = true;
  ++lists_;
  backoff_.reset();
  return {NextAction::Watch, std::chrono::milliseconds(0)};
}

NextAction InformerCore::on_watch_end(const Result<void>& result) {
  if (result) {
    backoff_.reset();
    gone_streak_ = 0;
    // Without a resourceVersion a watch would start from "now" and miss changes: list instead.
    if (store_.resource_version().empty()) return {NextAction::List, std::chrono::milliseconds(0)};
    return {NextAction::Watch, std::chrono::milliseconds(0)};
  }
  switch (result.error().code) {
    case Errc::Cancelled: return {NextAction::Stop, std::chrono::milliseconds(0)};
    case Errc::Gone:
      return {NextAction::List, gone_streak_++ == 0 ? std::chrono::milliseconds(0) : backoff_.next()};
    case Errc::Unavailable:
    case Errc::Timeout: return {NextAction::Watch, backoff_.next()};
    default: return {NextAction::List, backoff_.next()};
  }
}

}  // namespace fedmetrics::kube
