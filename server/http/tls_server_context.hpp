#pragma once
// The server's TLS configuration: HTTP/1.1-only ALPN, TLS >= 1.2, client certificates requested but not
// required (aggregated-api.md §3.2), verified per connection against the client CA and the
// requestheader (front-proxy) CA, each in its own store.
#include <memory>
#include <string>
#include <vector>

#include "clients/base/result.hpp"
#include "server/http/message.hpp"

namespace boost::asio::ssl {
class context;
}
struct ssl_st;

namespace fedmetrics::http {

struct TlsSettings {
  std::string cert_file;                     ///< PEM chain, leaf first
  std::string key_file;                      ///< PEM private key
  std::string client_ca_file;                ///< optional: --client-ca-file
  std::string requestheader_client_ca_file;  ///< optional: --requestheader-client-ca-file
  std::string min_version = "VersionTLS12";  ///< VersionTLS12 | VersionTLS13
};

class TlsServerContext {
 public:
  /// Errors: InvalidArgument naming the file and the OpenSSL reason (unreadable, bad PEM, key mismatch),
  /// or an unknown min version.
  static Result<std::unique_ptr<TlsServerContext>> create(const TlsSettings& settings);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  boost::asio::ssl::context& native();

  /// Inspects the client certificate of an established connection: identity, and whether its chain
  /// verifies (purpose clientAuth, peer intermediates) against each configured CA.
  /// Returns null when the client sent no certificate. Thread-safe.
  std::shared_ptr<const PeerCertificate> inspect_peer(ssl_st* ssl) const;

 private:
  struct Impl;
  explicit TlsServerContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedmetrics::http
