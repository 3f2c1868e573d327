#include "clients/kube/kubeconfig.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "clients/kube/encoding.hpp"

namespace fedmetrics::kube {
namespace {

namespace fs = std::filesystem;

// Field accessors that turn every shape problem into "<field>: <problem>"; the caller prefixes the file.
class Reader {
 public:
  Reader(std::string path, fs::path dir) : path_(std::move(path)), dir_(std::move(dir)) {}

  Error fail(const std::string& field, const std::string& problem) const {
    return make_error(Errc::InvalidArgument, "kubeconfig " + path_ + ": " + field + ": " + problem);
  }
  Error fail_top(const std::string& problem) const {
    return make_error(Errc::InvalidArgument, "kubeconfig " + path_ + ": " + problem);
  }

  // Absent and null both read as "not set".
  Result<std::optional<std::string>> string(const YAML::Node& map, const std::string& key,
                                            const std::string& field) const {
    const YAML::Node n = map[key];
    if (!n || n.IsNull()) return std::optional<std::string>{};
    if (!n.IsScalar()) return fail(field, "expected a string");
    return std::optional<std::string>(n.Scalar());
  }

  Result<bool> boolean(const YAML::Node& map, const std::string& key, const std::string& field) const {
    const YAML::Node n = map[key];
    if (!n || n.IsNull()) return false;
    bool value = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, value)) return fail(field, "expected true or false");
    return value;
  }

  // Relative paths are relative to the kubeconfig's directory (clientcmd ResolvePaths); the file must exist.
  Result<std::string> existing_file(const std::string& value, const std::string& field) const {
    if (value.empty()) return fail(field, "empty path");
    fs::path p(value);
    if (p.is_relative()) p = dir_ / p;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return fail(field, p.string() + ": no such file");
    return p.lexically_normal().string();
  }

  Result<std::string> pem_data(const std::string& value, const std::string& field) const {
    auto decoded = base64_decode(value);
    if (!decoded) return fail(field, "not base64");
    if (decoded->find("-----BEGIN ") == std::string::npos) return fail(field, "does not contain PEM data");
    return std::move(*decoded);
  }

  // `file_key` / `data_key` pair: at most one may be set.
  Result<transport::PemSource> pem(const YAML::Node& map, const std::string& file_key, const std::string& data_key,
                                   const std::string& prefix) const {
    auto file = string(map, file_key, prefix + "." + file_key);
    if (!file) return file.error();
    auto data = string(map, data_key, prefix + "." + data_key);
    if (!data) return data.error();
    transport::PemSource out;
    if (*file && *data) {
      return fail(prefix, file_key + " and " + data_key + " are both set; set only one");
    }
    if (*file) {
      auto p = existing_file(**file, prefix + "." + file_key);
      if (!p) return p.error();
      out.file = std::move(*p);
    }
    if (*data) {
      auto d = pem_data(**data, prefix + "." + data_key);
      if (!d) return d.error();
      out.data = std::move(*d);
    }
    return out;
  }

 private:
  std::string path_;
  fs::path dir_;
};

struct Named {
  std::string name;
  YAML::Node body;
  std::string field;  // "clusters[2].cluster"
};

// clusters/contexts/users: a list of {name, <inner>}.
Result<std::vector<Named>> named_list(const Reader& r, const YAML::Node& root, const std::string& key,
                                      const std::string& inner) {
  std::vector<Named> out;
  const YAML::Node list = root[key];
  if (!list || list.IsNull()) return out;
  if (!list.IsSequence()) return r.fail(key, "expected a list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string field = key + "[" + std::to_string(i) + "]";
    const YAML::Node entry = list[i];
    if (!entry.IsMap()) return r.fail(field, "expected a mapping");
    auto name = r.string(entry, "name", field + ".name");
    if (!name) return name.error();
    if (!*name || (*name)->empty()) return r.fail(field + ".name", "missing");
    for (const auto& prev : out) {
      if (prev.name == **name) return r.fail(field + ".name", "duplicate name \"" + **name + "\"");
    }
    const YAML::Node body = entry[inner];
    if (body && !body.IsNull() && !body.IsMap()) return r.fail(field + "." + inner, "expected a mapping");
    out.push_back(Named{**name, body && body.IsMap() ? body : YAML::Node(YAML::NodeType::Map), field + "." + inner});
  }
  return out;
}

const Named* find(const std::vector<Named>& list, const std::string& name) {
  for (const auto& n : list) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::string names(const std::vector<Named>& list) {
  std::string out;
  for (const auto& n : list) out += (out.empty() ? "" : ", ") + n.name;
  return out.empty() ? "none" : out;
}

Result<void> read_cluster(const Reader& r, const Named& c, RestConfig& out) {
  const std::string& f = c.field;
  auto server = r.string(c.body, "server", f + ".server");
  if (!server) return server.error();
  if (!*server || (*server)->empty()) return r.fail(f + ".server", "missing");
  transport::HttpsClientOptions probe;
  if (auto e = transport::parse_endpoint_url(**server, probe); !e) {
    return r.fail(f + ".server", e.error().message);
  }
  out.server = **server;
  auto ca = r.pem(c.body, "certificate-authority", "certificate-authority-data", f);
  if (!ca) return ca.error();
  out.ca = std::move(*ca);
  auto insecure = r.boolean(c.body, "insecure-skip-tls-verify", f + ".insecure-skip-tls-verify");
  if (!insecure) return insecure.error();
  out.insecure_skip_tls_verify = *insecure;
  if (out.insecure_skip_tls_verify && !out.ca.empty()) {
    // clientcmd rejects this combination too: the CA would silently be ignored.
    return r.fail(f, "certificate-authority with insecure-skip-tls-verify is not allowed");
  }
  auto sni = r.string(c.body, "tls-server-name", f + ".tls-server-name");
  if (!sni) return sni.error();
  out.tls_server_name = sni->value_or("");
  auto proxy = r.string(c.body, "proxy-url", f + ".proxy-url");
  if (!proxy) return proxy.error();
  if (*proxy && !(*proxy)->empty()) {
    if ((*proxy)->rfind("http://", 0) != 0) {
      return r.fail(f + ".proxy-url", "\"" + **proxy + "\": only http:// proxies are supported");
    }
    out.proxy_url = **proxy;
  }
  return ok();
}

Result<void> read_user(const Reader& r, const Named& u, RestConfig& out) {
  const std::string& f = u.field;
  for (const char* unsupported : {"exec", "auth-provider"}) {
    if (const YAML::Node n = u.body[unsupported]; n && !n.IsNull()) {
      return r.fail(f + "." + unsupported, "credential plugins are not supported; use a token or client certificate");
    }
  }
  for (const char* unsupported : {"username", "password"}) {
    if (const YAML::Node n = u.body[unsupported]; n && !n.IsNull()) {
      return r.fail(f + "." + unsupported, "basic authentication is not supported");
    }
  }
  for (const char* unsupported : {"as", "as-groups", "as-uid", "as-user-extra"}) {
    if (const YAML::Node n = u.body[unsupported]; n && !n.IsNull()) {
      return r.fail(f + "." + unsupported, "impersonation is not supported");
    }
  }
  auto cert = r.pem(u.body, "client-certificate", "client-certificate-data", f);
  if (!cert) return cert.error();
  auto key = r.pem(u.body, "client-key", "client-key-data", f);
  if (!key) return key.error();
  if (cert->empty() != key->empty()) {
    return r.fail(f, cert->empty() ? "client-key given without client-certificate"
                                   : "client-certificate given without client-key");
  }
  out.client_cert = std::move(*cert);
  out.client_key = std::move(*key);
  auto token = r.string(u.body, "token", f + ".token");
  if (!token) return token.error();
  out.bearer_token = token->value_or("");
  auto token_file = r.string(u.body, "tokenFile", f + ".tokenFile");
  if (!token_file) return token_file.error();
  if (*token_file) {
    // As client-go: when both are set the file wins (and is re-read on rotation).
    auto p = r.existing_file(**token_file, f + ".tokenFile");
    if (!p) return p.error();
    out.bearer_token_file = std::move(*p);
  }
  return ok();
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

Result<RestConfig> parse_kubeconfig(std::string_view yaml_text, std::string path, std::string context) {
  const fs::path dir = fs::path(path).parent_path();
  const Reader r(path, dir.empty() ? fs::path(".") : dir);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return r.fail_top("invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) return r.fail_top("expected a mapping at the top level");
  try {
    auto kind = r.string(root, "kind", "kind");
    if (!kind) return kind.error();
    if (*kind && !(*kind)->empty() && **kind != "Config") return r.fail("kind", "expected Config, got " + **kind);

    auto clusters = named_list(r, root, "clusters", "cluster");
    if (!clusters) return clusters.error();
    auto contexts = named_list(r, root, "contexts", "context");
    if (!contexts) return contexts.error();
    auto users = named_list(r, root, "users", "user");
    if (!users) return users.error();

    std::string selected = context;
    if (selected.empty()) {
      auto current = r.string(root, "current-context", "current-context");
      if (!current) return current.error();
      selected = current->value_or("");
      if (selected.empty()) return r.fail("current-context", "not set and no --context given");
    }
    const Named* ctx = find(*contexts, selected);
    if (!ctx) {
      const std::string field = context.empty() ? "current-context" : "--context";
      return r.fail(field, "context \"" + selected + "\" not found (contexts: " + names(*contexts) + ")");
    }

    RestConfig out;
    out.source = "kubeconfig " + path + " context " + selected;
    auto cluster_name = r.string(ctx->body, "cluster", ctx->field + ".cluster");
    if (!cluster_name) return cluster_name.error();
    if (!*cluster_name || (*cluster_name)->empty()) return r.fail(ctx->field + ".cluster", "missing");
    const Named* cluster = find(*clusters, **cluster_name);
    if (!cluster) {
      return r.fail(ctx->field + ".cluster",
                    "cluster \"" + **cluster_name + "\" not found (clusters: " + names(*clusters) + ")");
    }
    if (auto e = read_cluster(r, *cluster, out); !e) return e.error();

    auto user_name = r.string(ctx->body, "user", ctx->field + ".user");
    if (!user_name) return user_name.error();
    if (*user_name && !(*user_name)->empty()) {  // no user = anonymous
      const Named* user = find(*users, **user_name);
      if (!user) {
        return r.fail(ctx->field + ".user", "user \"" + **user_name + "\" not found (users: " + names(*users) + ")");
      }
      if (auto e = read_user(r, *user, out); !e) return e.error();
    }
    auto ns = r.string(ctx->body, "namespace", ctx->field + ".namespace");
    if (!ns) return ns.error();
    if (*ns && !(*ns)->empty()) out.namespace_name = **ns;
    return out;
  } catch (const YAML::Exception& e) {
    // Node access on a malformed document (e.g. an alias to a scalar where a map was expected).
    return r.fail_top("malformed document: " + e.msg);
  }
}

Result<RestConfig> load_kubeconfig(std::string path, std::string context) {
  auto text = read_text_file(path);
  if (!text) return make_error(Errc::InvalidArgument, "kubeconfig " + path + ": cannot read file");
  return parse_kubeconfig(*text, std::move(path), std::move(context));
}

InClusterSource InClusterSource::from_environment() {
  InClusterSource s;
  if (const char* h = std::getenv("KUBERNETES_SERVICE_HOST")) s.service_host = h;
  if (const char* p = std::getenv("KUBERNETES_SERVICE_PORT")) s.service_port = p;
  return s;
}

Result<RestConfig> load_in_cluster_config(const InClusterSource& source) {
  auto fail = [](const std::string& problem) {
    return make_error(Errc::InvalidArgument, "in-cluster config: " + problem);
  };
  if (!source.service_host || source.service_host->empty() || !source.service_port || source.service_port->empty()) {
    return fail("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not running in a pod? pass "
                "--kubeconfig)");
  }
  const std::string& host = *source.service_host;
  const bool v6 = host.find(':') != std::string::npos;
  RestConfig out;
  out.source = "in-cluster";
  out.server = "https://" + (v6 ? "[" + host + "]" : host) + ":" + *source.service_port;
  transport::HttpsClientOptions probe;
  if (auto e = transport::parse_endpoint_url(out.server, probe); !e) return fail(e.error().message);
  const auto token = read_text_file(source.token_file);
  if (!token || trim(*token).empty()) return fail("token file " + source.token_file + " is missing or empty");
  out.bearer_token_file = source.token_file;
  std::error_code ec;
  if (!fs::is_regular_file(source.ca_file, ec)) return fail("CA file " + source.ca_file + " is missing");
  out.ca.file = source.ca_file;
  if (const auto ns = read_text_file(source.namespace_file); ns && !trim(*ns).empty()) {
    out.namespace_name = trim(*ns);
  }
  return out;
}

Result<RestConfig> load_rest_config(std::string kubeconfig_path, std::string context,
                                    const InClusterSource& in_cluster) {
  if (!kubeconfig_path.empty()) return load_kubeconfig(std::move(kubeconfig_path), std::move(context));
  if (!context.empty()) {
    return make_error(Errc::InvalidArgument, "--context \"" + context + "\" needs --kubeconfig");
  }
  return load_in_cluster_config(in_cluster);
}

Result<transport::HttpsClientOptions> to_https_client_options(const RestConfig& config) {
  transport::HttpsClientOptions o;
  if (auto e = transport::parse_endpoint_url(config.server, o); !e) {
    return make_error(Errc::InvalidArgument, config.source + ": server: " + e.error().message);
  }
  o.ca = config.ca;
  o.insecure_skip_verify = config.insecure_skip_tls_verify;
  o.tls_server_name = config.tls_server_name;
  o.client_cert = config.client_cert;
  o.client_key = config.client_key;
  o.bearer_token = config.bearer_token;
  o.bearer_token_file = config.bearer_token_file;
  o.proxy_url = config.proxy_url;
  return o;
}

}  // namespace fedmetrics::kube
