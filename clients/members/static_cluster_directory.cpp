#include "clients/members/static_cluster_directory.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "clients/base/log.hpp"

namespace fedmetrics::members {
namespace {

// Accepts PEM as-is; anything else is taken as base64 of PEM (the form Kubernetes Secrets and kubeconfig
// *-data fields use). Returns nullopt when it is neither.
std::optional<std::string> pem_or_base64(const std::string& text) {
  if (text.find("-----BEGIN") != std::string::npos) return text;
  std::string out;
  int bits = 0;
  unsigned value = 0;
  for (const char c : text) {
    int d;
    if (c >= 'A' && c <= 'Z') {
      d = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      d = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      d = c - '0' + 52;
    } else if (c == '+') {
      d = 62;
    } else if (c == '/') {
      d = 63;
    } else if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      continue;
    } else {
      return std::nullopt;
    }
    value = (value << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
    }
  }
  if (out.find("-----BEGIN") == std::string::npos) return std::nullopt;
  return out;
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 253) return false;
  for (const char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return n.front() != '-' && n.front() != '.' && n.back() != '-' && n.back() != '.';
}

const std::set<std::string>& known_keys() {
  static const std::set<std::string> keys = {
      "name",         "endpoint",       "mode",           "caFile",        "caData",
      "token",        "tokenFile",      "clientCertFile", "clientCertData", "clientKeyFile",
      "clientKeyData", "insecureSkipTLSVerify", "tlsServerName", "proxyURL",  "proxyHeader"};
  return keys;
}

class Parser {
 public:
  Parser(std::string_view source, const std::filesystem::path& base_dir) : source_(source), base_dir_(base_dir) {}

  Result<MemberList> parse(std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      return make_error(Errc::InvalidArgument,
                        source_ + ": invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                            std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (!root.IsMap() || !root["members"]) {
      return make_error(Errc::InvalidArgument, source_ + ": expected a mapping with a \"members\" list");
    }
    const YAML::Node list = root["members"];
    MemberList out;
    if (list.IsNull()) return out;
    if (!list.IsSequence()) return make_error(Errc::InvalidArgument, source_ + ": members: must be a list");
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = "members[" + std::to_string(i) + "]";
      const YAML::Node node = list[i];
      if (!node.IsMap()) {
        problem(at, "must be a mapping");
        continue;
      }
      MemberCluster m = parse_member(node, at);
      if (!m.name.empty() && !names.insert(m.name).second) problem(at + ".name", "duplicate name \"" + m.name + "\"");
      out.push_back(std::move(m));
    }
    if (!problems_.empty()) return make_error(Errc::InvalidArgument, problems_);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
  }

 private:
  void problem(const std::string& field, const std::string& what) {
    if (!problems_.empty()) problems_ += "\n";
    problems_ += source_ + ": " + field + ": " + what;
  }

  std::string scalar(const YAML::Node& node, const std::string& key, const std::string& at) {
    const YAML::Node v = node[key];
    if (!v) return {};
    if (!v.IsScalar()) {
      problem(at + "." + key, "must be a string");
      return {};
    }
    return v.Scalar();
  }

  std::string path(const YAML::Node& node, const std::string& key, const std::string& at) {
    std::string p = scalar(node, key, at);
    if (p.empty() || base_dir_.empty() || std::filesystem::path(p).is_absolute()) return p;
    return (base_dir_ / p).lexically_normal().string();
  }

  std::string pem(const YAML::Node& node, const std::string& key, const std::string& at, const std::string& named) {
    const std::string raw = scalar(node, key, at);
    if (raw.empty()) return raw;
    auto decoded = pem_or_base64(raw);
    if (!decoded) {
      problem(named + "." + key, "must be PEM text or base64-encoded PEM");
      return {};
    }
    return *decoded;
  }

  MemberCluster parse_member(const YAML::Node& node, const std::string& at) {
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>("");
      if (!known_keys().contains(key)) problem(at + "." + key, "unknown field");
    }
    MemberCluster m;
    m.name = scalar(node, "name", at);
    if (m.name.empty()) {
      problem(at + ".name", "required");
    } else if (!valid_name(m.name)) {
      problem(at + ".name", "\"" + m.name + "\" must be lowercase alphanumerics, '-' or '.'");
    }
    const std::string named = m.name.empty() ? at : at + " (" + m.name + ")";
    m.endpoint = scalar(node, "endpoint", at);
    if (m.endpoint.empty()) {
      problem(named + ".endpoint", "required");
    } else {
      transport::HttpsClientOptions o;
      if (auto r = transport::parse_endpoint_url(m.endpoint, o); !r) problem(named + ".endpoint", r.error().message);
    }
    const std::string mode = scalar(node, "mode", at);
    if (mode.empty() || mode == "apiserver") {
      m.mode = MemberMode::ApiServer;
    } else if (mode == "adapter") {
      m.mode = MemberMode::Adapter;
    } else {
      problem(named + ".mode", "must be \"apiserver\" or \"adapter\", got \"" + mode + "\"");
    }
    m.ca_file = path(node, "caFile", at);
    m.ca_data = pem(node, "caData", at, named);
    m.token = scalar(node, "token", at);
    m.token_file = path(node, "tokenFile", at);
    m.client_cert_file = path(node, "clientCertFile", at);
    m.client_cert_data = pem(node, "clientCertData", at, named);
    m.client_key_file = path(node, "clientKeyFile", at);
    m.client_key_data = pem(node, "clientKeyData", at, named);
    m.tls_server_name = scalar(node, "tlsServerName", at);
    m.proxy_url = scalar(node, "proxyURL", at);
    if (const YAML::Node v = node["insecureSkipTLSVerify"]) {
      try {
        m.insecure_skip_tls_verify = v.as<bool>();
      } catch (const YAML::Exception&) {
        problem(named + ".insecureSkipTLSVerify", "must be true or false");
      }
    }
    if (const YAML::Node v = node["proxyHeader"]) {
      if (!v.IsMap()) {
        problem(named + ".proxyHeader", "must be a mapping of header name to value");
      } else {
        for (const auto& kv : v) {
          if (!kv.second.IsScalar()) {
            problem(named + ".proxyHeader." + kv.first.as<std::string>(""), "must be a string");
          } else {
            m.proxy_headers[kv.first.as<std::string>()] = kv.second.Scalar();
          }
        }
      }
    }
    if (!m.ca_file.empty() && !m.ca_data.empty()) problem(named, "caFile and caData are exclusive");
    if (m.insecure_skip_tls_verify && (!m.ca_file.empty() || !m.ca_data.empty())) {
      problem(named, "insecureSkipTLSVerify cannot be combined with caFile/caData");
    }
    if (!m.token.empty() && !m.token_file.empty()) problem(named, "token and tokenFile are exclusive");
    if (!m.client_cert_file.empty() && !m.client_cert_data.empty()) {
      problem(named, "clientCertFile and clientCertData are exclusive");
    }
    if (!m.client_key_file.empty() && !m.client_key_data.empty()) {
      problem(named, "clientKeyFile and clientKeyData are exclusive");
    }
    const bool has_cert = !m.client_cert_file.empty() || !m.client_cert_data.empty();
    const bool has_key = !m.client_key_file.empty() || !m.client_key_data.empty();
    if (has_cert != has_key) problem(named, "a client certificate needs a client key and vice versa");
    if (!m.proxy_url.empty() && m.proxy_url.rfind("http://", 0) != 0) {
      problem(named + ".proxyURL", "must be http://host:port");
    }
    return m;
  }

  std::string source_;
  std::filesystem::path base_dir_;
  std::string problems_;
};

std::string describe(const MemberList& members) {
  std::string out;
  for (const auto& m : members) {
    if (!out.empty()) out += ",";
    out += m.name;
  }
  return out;
}

}  // namespace

Result<MemberList> parse_members_yaml(std::string_view yaml, std::string_view source,
                                      const std::filesystem::path& base_dir) {
  return Parser(source, base_dir).parse(yaml);
}

struct StaticClusterDirectory::State {
  std::filesystem::path path;
  mutable std::mutex mu;
  std::shared_ptr<const MemberList> members = std::make_shared<const MemberList>();
  std::size_t content_hash = 0;
  std::atomic<std::uint64_t> generation{0};
  std::atomic<bool> stopped{false};
  std::shared_ptr<net::steady_timer> timer;  // set by start_polling, used on its strand only

  Result<bool> reload() {
    if (path.empty()) return false;
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::Unavailable, path.string() + ": cannot read file");
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    const std::size_t hash = std::hash<std::string>{}(text);
    {
      std::lock_guard lock(mu);
      if (hash == content_hash && generation.load() > 0) return false;
    }
    auto parsed = parse_members_yaml(text, path.string(), path.parent_path());
    if (!parsed) return parsed.error();
    auto next = std::make_shared<const MemberList>(std::move(*parsed));
    std::lock_guard lock(mu);
    content_hash = hash;
    if (*next == *members && generation.load() > 0) return false;
    members = std::move(next);
    generation.fetch_add(1);
    return true;
  }
};

StaticClusterDirectory::StaticClusterDirectory(std::filesystem::path path) : state_(std::make_shared<State>()) {
  state_->path = std::move(path);
  auto r = state_->reload();
  if (!r) throw std::runtime_error("--members-config: " + r.error().message);
  log::info("member clusters loaded", {{"file", state_->path.string()}, {"members", describe(*snapshot())}});
}

StaticClusterDirectory::StaticClusterDirectory(MemberList members) : state_(std::make_shared<State>()) {
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  state_->members = std::make_shared<const MemberList>(std::move(members));
  state_->generation = 1;
}

StaticClusterDirectory::~StaticClusterDirectory() { stop(); }

std::shared_ptr<const MemberList> StaticClusterDirectory::snapshot() const {
  std::lock_guard lock(state_->mu);
  return state_->members;
}

std::uint64_t StaticClusterDirectory::generation() const { return state_->generation.load(); }

namespace {

/// Reloads and logs the outcome; a failure is logged once until its message changes (a broken file polled
/// every few hundred milliseconds must not flood the log).
Result<bool> reload_and_log(StaticClusterDirectory::State& state, std::string& last_error) {
  auto r = state.reload();
  if (!r) {
    if (r.error().message != last_error) {
      log::warning("member clusters reload failed; keeping the previous set",
                   {{"file", state.path.string()}, {"error", r.error().message}});
      last_error = r.error().message;
    }
    return r;
  }
  last_error.clear();
  if (*r) {
    std::shared_ptr<const MemberList> now;
    {
      std::lock_guard lock(state.mu);
      now = state.members;
    }
    log::info("member clusters changed", {{"file", state.path.string()}, {"members", describe(*now)}});
  }
  return r;
}

}  // namespace

Result<bool> StaticClusterDirectory::reload() {
  std::string last_error;
  return reload_and_log(*state_, last_error);
}

void StaticClusterDirectory::start_polling(net::any_io_executor executor, std::chrono::milliseconds interval) {
  if (state_->path.empty() || state_->timer) return;
  auto strand = net::make_strand(executor);
  state_->timer = std::make_shared<net::steady_timer>(strand);
  net::co_spawn(strand, poll_loop(state_, interval), [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("member directory poll loop failed", {{"error", ex.what()}});
      }
    }
  });
}

void StaticClusterDirectory::stop() {
  if (state_->stopped.exchange(true) || !state_->timer) return;
  auto timer = state_->timer;
  net::post(timer->get_executor(), [timer] { timer->cancel(); });
}

net::awaitable<void> StaticClusterDirectory::poll_loop(std::shared_ptr<State> state,
                                                       std::chrono::milliseconds interval) {
  auto timer = state->timer;
  std::string last_error;
  while (!state->stopped.load()) {
    timer->expires_after(interval);
    auto [ec] = co_await timer->async_wait(net::as_tuple(net::use_awaitable));
    if (ec || state->stopped.load()) co_return;
    (void)reload_and_log(*state, last_error);
  }
}

}  // namespace fedmetrics::members
