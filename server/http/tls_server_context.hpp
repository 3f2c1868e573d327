#pragma once
// The server's TLS configuration: HTTP/1.1-only ALPN, TLS >= 1.2, kube cipher-suite names, client
// certificates requested but not required (aggregated-api.md §3.2), verified against the client CA and the
// requestheader (front-proxy) CA, each in its own store. Certificate, key and CA files are reloaded when they
// change: new connections handshake with the new generation; open ones keep their serving certificate, but
// http::HttpsServer verifies their client certificate again against the new generation's CA bundles.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "clients/base/result.hpp"
#include "server/http/message.hpp"

namespace boost::asio::ssl {
class context;
}
struct ssl_st;
struct x509_st;

namespace fedmetrics::http {

struct TlsSettings {
  std::string cert_file;                     ///< PEM chain, leaf first
  std::string key_file;                      ///< PEM private key
  std::string client_ca_file;                ///< optional: --client-ca-file
  std::string requestheader_client_ca_file;  ///< optional: --requestheader-client-ca-file
  std::string min_version = "VersionTLS12";  ///< VersionTLS12 | VersionTLS13
  std::vector<std::string> cipher_suites;    ///< kube/Go names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ...);
                                             ///< empty = secure defaults (ECDHE with AES-GCM or ChaCha20)
};

/// OpenSSL names for kube cipher-suite names: TLS 1.2 suites into `tls12` (an OpenSSL cipher list) and
/// TLS 1.3 suites into `tls13`. Errors: InvalidArgument naming each unknown suite.
struct CipherLists {
  std::string tls12;
  std::string tls13;
};
Result<CipherLists> openssl_cipher_lists(const std::vector<std::string>& kube_names);

/// The identity of a certificate as Go's crypto/x509 (and so kube-apiserver) reads it: the LAST CommonName
/// of the subject (pkix.Name keeps overwriting it), every Organization in order, and the SHA-256 of the DER.
/// Verification fields are left unset.
PeerCertificate certificate_identity(x509_st* leaf);

class TlsServerContext {
 public:
  /// One loaded configuration (context and CA stores). A connection keeps the generation it started with.
  class Generation {
   public:
    struct Impl;
    explicit Generation(std::unique_ptr<Impl> impl);
    ~Generation();
    boost::asio::ssl::context& native();
    /// Inspects the client certificate of an established connection: identity, and whether its chain
    /// verifies (purpose clientAuth, peer intermediates) against each CA bundle of THIS generation, so a
    /// connection accepted under an older generation is checked again with the current one's bundles.
    /// Returns null when the client sent no certificate. Thread-safe.
    std::shared_ptr<const PeerCertificate> inspect_peer(ssl_st* ssl) const;

   private:
    std::unique_ptr<Impl> impl_;
  };

  /// Errors: InvalidArgument naming the file and the OpenSSL reason (unreadable, bad PEM, key mismatch),
  /// an unknown min version or cipher suite.
  static Result<std::unique_ptr<TlsServerContext>> create(const TlsSettings& settings);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  /// The generation new connections should use. Thread-safe.
  std::shared_ptr<Generation> current() const;

  /// Reloads when any certificate, key or CA file changed (size or modification time). Returns true when a
  /// new generation is in place; an error (bad new files) leaves the previous generation serving.
  /// Blocking file I/O; call from a timer. Thread-safe.
  Result<bool> reload_if_changed();

 private:
  TlsServerContext(TlsSettings settings, std::shared_ptr<Generation> first, std::string fingerprint);
  TlsSettings settings_;
  mutable std::mutex mu_;
  std::shared_ptr<Generation> current_;
  std::string fingerprint_;
};

}  // namespace fedmetrics::http
