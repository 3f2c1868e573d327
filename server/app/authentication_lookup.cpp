#include "server/app/authentication_lookup.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "clients/kube/https_rest_client.hpp"
#include "clients/kube/kubeconfig.hpp"

namespace fedmetrics::app {
namespace {

Result<std::vector<std::string>> string_array(const nlohmann::json& data, const char* key) {
  std::vector<std::string> out;
  const auto it = data.find(key);
  if (it == data.end() || !it->is_string() || it->get<std::string>().empty()) return out;
  const auto parsed = nlohmann::json::parse(it->get<std::string>(), nullptr, false);
  if (parsed.is_null()) return out;  // "null": no value
  if (!parsed.is_array()) return make_error(Errc::ProtocolError, std::string(key) + ": not a JSON array");
  for (const auto& v : parsed) {
    if (!v.is_string()) return make_error(Errc::ProtocolError, std::string(key) + ": not an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

net::awaitable<Result<nlohmann::json>> get_config_map(kube::RestClient& client) {
  const kube::ResourceRef configmaps{"", "v1", "configmaps", "kube-system"};
  const std::string name = "extension-apiserver-authentication";
  const std::string no_subresource;
  co_return co_await client.get(configmaps, name, no_subresource);
}

Result<std::string> write_bundle(const std::string& dir, const std::string& name, const std::string& pem) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::trunc);
  out << pem;
  out.close();
  if (ec || !out) return make_error(Errc::InvalidArgument, "cannot write " + path);
  return path;
}

}  // namespace

Result<AuthenticationConfigMap> decode_authentication_config_map(const std::string& configmap_json) {
  const auto doc = nlohmann::json::parse(configmap_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return make_error(Errc::ProtocolError, "ConfigMap is not a JSON object");
  const auto data = doc.value("data", nlohmann::json::object());
  if (!data.is_object()) return make_error(Errc::ProtocolError, "ConfigMap data is not an object");
  AuthenticationConfigMap out;
  out.client_ca_pem = data.value("client-ca-file", "");
  out.requestheader_ca_pem = data.value("requestheader-client-ca-file", "");
  struct Key {
    const char* name;
    std::vector<std::string>* target;
  };
  for (const Key key : {Key{"requestheader-allowed-names", &out.allowed_names},
                        Key{"requestheader-username-headers", &out.username_headers},
                        Key{"requestheader-group-headers", &out.group_headers},
                        Key{"requestheader-extra-headers-prefix", &out.extra_headers_prefix},
                        Key{"requestheader-uid-headers", &out.uid_headers}}) {
    auto values = string_array(data, key.name);
    if (!values) return values.error();
    *key.target = std::move(*values);
  }
  return out;
}

Result<AuthenticationConfigMap> fetch_authentication_config_map(const std::string& kubeconfig, const Clock& clock,
                                                                std::chrono::milliseconds timeout) {
  auto rest = kube::load_rest_config(kubeconfig, "", kube::InClusterSource::from_environment());
  if (!rest) return rest.error();
  // A private io_context: this runs once at startup, before the server's own executor exists. Declared
  // before the client so that the client's pooled sockets are destroyed while it still exists.
  net::io_context ioc;
  std::unique_ptr<kube::HttpsRestClient> client;
  try {
    kube::RestClientOptions options;
    options.request_timeout = timeout;
    client = kube::HttpsRestClient::from_config(*rest, clock, options);
  } catch (const std::exception& e) {
    return make_error(Errc::InvalidArgument, e.what());
  }
  auto future = net::co_spawn(ioc, get_config_map(*client), net::use_future);
  ioc.run();
  auto object = future.get();
  if (!object) return object.error();
  return decode_authentication_config_map(object->dump());
}

Result<void> apply_authentication_config_map(const AuthenticationConfigMap& found, Config& c) {
  const std::string dir = c.cert_dir + "/extension-apiserver-authentication";
  if (c.client_ca_file.empty() && !found.client_ca_pem.empty()) {
    auto path = write_bundle(dir, "client-ca.crt", found.client_ca_pem);
    if (!path) return path.error();
    c.client_ca_file = *path;
    c.auth.x509_enabled = true;
  }
  if (c.requestheader_client_ca_file.empty() && !found.requestheader_ca_pem.empty()) {
    auto path = write_bundle(dir, "requestheader-client-ca.crt", found.requestheader_ca_pem);
    if (!path) return path.error();
    c.requestheader_client_ca_file = *path;
    c.auth.request_header_enabled = true;
    c.auth.request_header.allowed_names = found.allowed_names;
    if (!found.username_headers.empty()) c.auth.request_header.username_headers = found.username_headers;
    if (!found.group_headers.empty()) c.auth.request_header.group_headers = found.group_headers;
    if (!found.extra_headers_prefix.empty()) c.auth.request_header.extra_headers_prefix = found.extra_headers_prefix;
    c.auth.request_header.uid_headers = found.uid_headers;
  }
  return ok();
}

}  // namespace fedmetrics::app
