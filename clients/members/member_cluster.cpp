#include "clients/members/member_cluster.hpp"

namespace fedmetrics::members {

std::string_view to_string(MemberMode mode) {
  return mode == MemberMode::Adapter ? "adapter" : "apiserver";
}

Result<transport::HttpsClientOptions> to_client_options(const MemberCluster& m) {
  transport::HttpsClientOptions o;
  if (auto r = transport::parse_endpoint_url(m.endpoint, o); !r) {
    return make_error(Errc::InvalidArgument, "member " + m.name + ": " + r.error().message);
  }
  o.ca = {m.ca_file, m.ca_data};
  o.insecure_skip_verify = m.insecure_skip_tls_verify;
  o.tls_server_name = m.tls_server_name;
  o.client_cert = {m.client_cert_file, m.client_cert_data};
  o.client_key = {m.client_key_file, m.client_key_data};
  o.bearer_token = m.token;
  o.bearer_token_file = m.token_file;
  o.proxy_url = m.proxy_url;
  for (const auto& [k, v] : m.proxy_headers) o.proxy_headers.emplace_back(k, v);
  o.user_agent = "fedmetrics-adapter/0.1 (member " + m.name + ")";
  return o;
}

}  // namespace fedmetrics::members
