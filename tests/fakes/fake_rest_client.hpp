#pragma once
// A state-based, recording kube::RestClient: an in-memory API server with resourceVersion semantics
// (conditional PUT → Conflict, a patch carrying metadata.resourceVersion → Conflict when it differs, create
// of an existing name → Conflict, NotFound), merge/json patches, paged-free LIST of stored objects, scripted
// WATCH windows, and injected failures per verb. The `status` subresource is the object itself (as in the
// API server: GET returns the object, PUT replaces only .status and bumps the object's resourceVersion);
// other subresources (scale) are stored apart. Every call completes inline (no suspension); every call is
// recorded.
//
//   FakeRestClient api;
//   api.put_object(kube::resources::leases().in("ns"), lease_json);
//   api.fail_next("update", make_error(Errc::Conflict, "..."));
//   api.script_watch({events...}, make_error(Errc::Gone, "too old"));
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clients/kube/rest_client.hpp"

namespace fedmetrics::test {

/// Thread-safe (one mutex, never held across a suspension; the watch handler runs without it).
class FakeRestClient final : public kube::RestClient {
 public:
  struct Call {
    std::string verb;  ///< get, list, watch, create, update, patch, remove
    kube::ResourceRef ref;
    std::string name;
    std::string subresource;
    nlohmann::json body;  ///< create/update object, patch text as a JSON string, watch/list options
  };

  // --- state -----------------------------------------------------------------------------------------
  /// Stores `object` (named by metadata.name; namespace from `ref` or metadata.namespace) as if written,
  /// assigning the next resourceVersion. `subresource` stores e.g. a scale object under "name/scale".
  void put_object(const kube::ResourceRef& ref, nlohmann::json object, const std::string& subresource = "") {
    std::lock_guard lock(mu_);
    store_locked(ref, std::move(object), stored_subresource(subresource));
  }
  /// The stored object, if any.
  std::optional<nlohmann::json> object(const kube::ResourceRef& ref, const std::string& name,
                                       const std::string& subresource = "") const {
    std::lock_guard lock(mu_);
    const auto it = objects_.find(key(ref, name, stored_subresource(subresource)));
    if (it == objects_.end()) return std::nullopt;
    return it->second.object;
  }
  void erase_object(const kube::ResourceRef& ref, const std::string& name) {
    std::lock_guard lock(mu_);
    objects_.erase(key(ref, name, ""));
  }
  /// The resourceVersion the next write gets.
  std::string next_resource_version() const {
    std::lock_guard lock(mu_);
    return std::to_string(rv_ + 1);
  }

  // --- scripting -------------------------------------------------------------------------------------
  /// The next call of `verb` fails with `error` (FIFO per verb).
  void fail_next(const std::string& verb, Error error) {
    std::lock_guard lock(mu_);
    failures_[verb].push_back(std::move(error));
  }
  /// The next list returns `answer` instead of the stored objects (FIFO).
  void script_list(Result<kube::ObjectList> answer) {
    std::lock_guard lock(mu_);
    lists_.push_back(std::move(answer));
  }
  /// The next watch delivers `events`, then ends with `end` (FIFO). With no script left, watch returns
  /// Cancelled, which ends an informer's run() (so tests terminate without cancellation plumbing).
  void script_watch(std::vector<kube::WatchEvent> events, Result<void> end = ok()) {
    std::lock_guard lock(mu_);
    watches_.push_back(WatchScript{std::move(events), std::move(end)});
  }

  // --- recorded calls --------------------------------------------------------------------------------
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int count(const std::string& verb) const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& c : calls_) n += c.verb == verb ? 1 : 0;
    return n;
  }

  // kube::RestClient
  net::awaitable<Result<nlohmann::json>> get(kube::ResourceRef ref, std::string name,
                                             std::string subresource) override {
    std::lock_guard lock(mu_);
    record("get", ref, name, subresource, nullptr);
    if (auto e = take_failure("get")) co_return *e;
    const auto it = objects_.find(key(ref, name, stored_subresource(subresource)));
    if (it == objects_.end()) co_return not_found(ref, name);
    co_return kube::json_value(it->second.object);
  }

  net::awaitable<Result<kube::ObjectList>> list(kube::ResourceRef ref, kube::ListOptions options) override {
    std::lock_guard lock(mu_);
    record("list", ref, "", "", nlohmann::json{{"labelSelector", options.label_selector}});
    if (auto e = take_failure("list")) co_return *e;
    if (!lists_.empty()) {
      auto answer = std::move(lists_.front());
      lists_.pop_front();
      co_return answer;
    }
    kube::ObjectList out;
    out.resource_version = std::to_string(rv_);
    for (const auto& [k, stored] : objects_) {
      if (stored.collection == collection(ref) &&
          (ref.namespace_name.empty() || stored.namespace_name == ref.namespace_name) && stored.subresource.empty()) {
        out.items.push_back(stored.object);
      }
    }
    co_return out;
  }

  net::awaitable<Result<void>> watch(kube::ResourceRef ref, kube::WatchOptions options,
                                     kube::WatchHandler handler) override {
    WatchScript script;
    {
      std::lock_guard lock(mu_);
      record("watch", ref, "", "", nlohmann::json{{"resourceVersion", options.resource_version}});
      if (auto e = take_failure("watch")) co_return *e;
      if (watches_.empty()) co_return make_error(Errc::Cancelled, "fake watch: no script left");
      script = std::move(watches_.front());
      watches_.pop_front();
    }
    for (auto& e : script.events) handler(std::move(e));
    co_return script.end;
  }

  net::awaitable<Result<nlohmann::json>> create(kube::ResourceRef ref, nlohmann::json object) override {
    std::lock_guard lock(mu_);
    record("create", ref, name_of(object), "", object);
    if (auto e = take_failure("create")) co_return *e;
    if (objects_.contains(key(ref, name_of(object), ""))) {
      co_return make_error(Errc::Conflict, ref.resource + " \"" + name_of(object) + "\" already exists");
    }
    co_return kube::json_value(store_locked(ref, std::move(object), ""));
  }

  net::awaitable<Result<nlohmann::json>> update(kube::ResourceRef ref, std::string name, std::string subresource,
                                                nlohmann::json object) override {
    std::lock_guard lock(mu_);
    record("update", ref, name, subresource, object);
    if (auto e = take_failure("update")) co_return *e;
    const auto it = objects_.find(key(ref, name, stored_subresource(subresource)));
    if (it == objects_.end()) co_return not_found(ref, name);
    const std::string sent = object.is_object() && object.contains("metadata")
                                 ? object["metadata"].value("resourceVersion", "")
                                 : std::string();
    const std::string stored = it->second.object["metadata"].value("resourceVersion", "");
    if (!sent.empty() && sent != stored) {
      co_return make_error(Errc::Conflict, "Operation cannot be fulfilled on " + ref.resource + " \"" + name +
                                               "\": the object has been modified; please apply your changes to "
                                               "the latest version and try again");
    }
    object["metadata"]["name"] = name;
    if (subresource == "status") {
      nlohmann::json whole = it->second.object;
      whole["status"] = object.contains("status") ? object["status"] : nlohmann::json::object();
      co_return kube::json_value(store_locked(ref, std::move(whole), ""));
    }
    co_return kube::json_value(store_locked(ref, std::move(object), subresource));
  }

  net::awaitable<Result<nlohmann::json>> patch(kube::ResourceRef ref, std::string name, std::string subresource,
                                               kube::PatchType type, std::string patch_text) override {
    std::lock_guard lock(mu_);
    record("patch", ref, name, subresource, nlohmann::json(patch_text));
    if (auto e = take_failure("patch")) co_return *e;
    const auto it = objects_.find(key(ref, name, stored_subresource(subresource)));
    if (it == objects_.end()) co_return not_found(ref, name);
    const auto p = nlohmann::json::parse(patch_text, nullptr, false);
    if (p.is_discarded()) co_return make_error(Errc::InvalidArgument, "fake patch: invalid JSON");
    // A resourceVersion in a patch is a precondition (optimistic locking through PATCH).
    if (type == kube::PatchType::Merge && p.contains("metadata") && p["metadata"].is_object() &&
        p["metadata"].contains("resourceVersion") &&
        p["metadata"]["resourceVersion"] != it->second.object["metadata"].value("resourceVersion", "")) {
      co_return make_error(Errc::Conflict, "Operation cannot be fulfilled on " + ref.resource + " \"" + name +
                                               "\": the object has been modified; please apply your changes to "
                                               "the latest version and try again");
    }
    nlohmann::json patched = it->second.object;
    try {
      if (type == kube::PatchType::Json) {
        patched = patched.patch(p);
      } else {
        patched.merge_patch(p);
      }
    } catch (const nlohmann::json::exception& e) {
      co_return make_error(Errc::InvalidArgument, std::string("fake patch: ") + e.what());
    }
    co_return kube::json_value(store_locked(ref, std::move(patched), stored_subresource(subresource)));
  }

  net::awaitable<Result<void>> remove(kube::ResourceRef ref, std::string name) override {
    std::lock_guard lock(mu_);
    record("remove", ref, name, "", nullptr);
    if (auto e = take_failure("remove")) co_return *e;
    if (objects_.erase(key(ref, name, "")) == 0) co_return not_found(ref, name);
    co_return ok();
  }

 private:
  struct Stored {
    std::string collection;
    std::string namespace_name;
    std::string subresource;
    nlohmann::json object;
  };
  struct WatchScript {
    std::vector<kube::WatchEvent> events;
    Result<void> end = ok();
  };

  static std::string stored_subresource(const std::string& subresource) {
    return subresource == "status" ? std::string() : subresource;
  }
  static std::string collection(const kube::ResourceRef& ref) { return ref.group + "/" + ref.version + "/" + ref.resource; }
  static std::string key(const kube::ResourceRef& ref, const std::string& name, const std::string& subresource) {
    return collection(ref) + "|" + ref.namespace_name + "|" + name + (subresource.empty() ? "" : "/" + subresource);
  }
  static std::string name_of(const nlohmann::json& object) {
    if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return "";
    return object["metadata"].value("name", "");
  }
  static Error not_found(const kube::ResourceRef& ref, const std::string& name) {
    return make_error(Errc::NotFound, ref.resource + " \"" + name + "\" not found");
  }

  nlohmann::json store_locked(const kube::ResourceRef& ref, nlohmann::json object, const std::string& subresource) {
    kube::ResourceRef r = ref;
    if (r.namespace_name.empty() && object.contains("metadata")) {
      r.namespace_name = object["metadata"].value("namespace", "");
    }
    if (!r.namespace_name.empty()) object["metadata"]["namespace"] = r.namespace_name;
    object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    objects_[key(r, name_of(object), subresource)] = Stored{collection(r), r.namespace_name, subresource, object};
    return object;
  }

  std::optional<Error> take_failure(const std::string& verb) {
    auto it = failures_.find(verb);
    if (it == failures_.end() || it->second.empty()) return std::nullopt;
    Error e = std::move(it->second.front());
    it->second.pop_front();
    return e;
  }

  void record(const std::string& verb, const kube::ResourceRef& ref, const std::string& name,
              const std::string& subresource, nlohmann::json body) {
    calls_.push_back(Call{verb, ref, name, subresource, std::move(body)});
  }

  mutable std::mutex mu_;
  std::map<std::string, Stored> objects_;
  std::int64_t rv_ = 100;
  std::map<std::string, std::deque<Error>> failures_;
  std::deque<Result<kube::ObjectList>> lists_;
  std::deque<WatchScript> watches_;
  std::vector<Call> calls_;
};

}  // namespace fedmetrics::test
