#include "server/http/tls_server_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <sys/stat.h>

#include <boost/asio/ssl/context.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace fedmetrics::http {
namespace {

std::string openssl_error() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

struct StoreDeleter {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
using StorePtr = std::unique_ptr<X509_STORE, StoreDeleter>;

/// Loads every certificate of a PEM bundle into a new store. Errors name the file.
Result<StorePtr> load_store(const std::string& file, const char* flag) {
  StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_load_file(store.get(), file.c_str()) != 1) {
    return make_error(Errc::InvalidArgument,
                      std::string(flag) + " " + file + ": cannot load CA bundle: " + openssl_error());
  }
  return store;
}

// Offer HTTP/1.1 only: if the client does not offer it, negotiate no ALPN (it then speaks HTTP/1.1 or
// gives up); never select h2, even when it is the only protocol offered.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void*) {
  static const unsigned char kHttp11[] = "http/1.1";
  unsigned int i = 0;
  while (i < inlen) {
    const unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == sizeof kHttp11 - 1 && std::equal(in + i + 1, in + i + 1 + len, kHttp11)) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// Client certificates are verified per connection against two separate stores, not by the handshake:
// a front-proxy certificate must not be rejected just because it is not from the client CA.
int accept_any_chain(int, X509_STORE_CTX*) { return 1; }

/// Verifies `leaf` (with the peer's intermediates `chain`) against `store`; on success lowers `valid_until` to
/// the earliest notAfter of the verified chain, after which the same verification would fail.
bool verifies(X509_STORE* store, X509* leaf, STACK_OF(X509) * chain, std::string& error,
              std::chrono::system_clock::time_point& valid_until) {
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = false;
  if (X509_STORE_CTX_init(ctx, store, leaf, chain) == 1) {
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
    ok = X509_verify_cert(ctx) == 1;
    if (!ok) {
      error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    } else if (STACK_OF(X509)* verified = X509_STORE_CTX_get0_chain(ctx)) {
      for (int i = 0; i < sk_X509_num(verified); ++i) {
        std::tm tm{};
        if (ASN1_TIME_to_tm(X509_get0_notAfter(sk_X509_value(verified, i)), &tm) == 1) {
          const auto not_after = std::chrono::system_clock::from_time_t(timegm(&tm));
          valid_until = std::min(valid_until, not_after);
        }
      }
    }
  }
  X509_STORE_CTX_free(ctx);
  return ok;
}

std::vector<std::string> name_entries(X509_NAME* name, int nid) {
  std::vector<std::string> out;
  int pos = -1;
  while ((pos = X509_NAME_get_index_by_NID(name, nid, pos)) >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len >= 0) out.emplace_back(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
  }
  return out;
}

void add_client_ca_names(SSL_CTX* ctx, const std::string& file) {
  // Advertise the CA subjects in the CertificateRequest so non-Go clients pick the right certificate.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(file.c_str())) {
    for (int i = 0; i < sk_X509_NAME_num(names); ++i) {
      if (X509* dummy = X509_new()) {
        X509_set_subject_name(dummy, sk_X509_NAME_value(names, i));
        SSL_CTX_add_client_CA(ctx, dummy);
        X509_free(dummy);
      }
    }
    sk_X509_NAME_pop_free(names, X509_NAME_free);
  }
  ERR_clear_error();
}

}  // namespace

struct TlsServerContext::Generation::Impl {
  boost::asio::ssl::context ctx{boost::asio::ssl::context::tls_server};
  StorePtr client_ca;
  StorePtr requestheader_ca;
};

TlsServerContext::Generation::Generation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsServerContext::Generation::~Generation() = default;
boost::asio::ssl::context& TlsServerContext::Generation::native() { return impl_->ctx; }

namespace {

// Go's names for the cipher suites kube accepts, and OpenSSL's. TLS 1.3 suites are not configurable in
// Go; here they are, for completeness.
struct SuiteName {
  const char* kube;
  const char* openssl;
  bool tls13;
};
constexpr SuiteName kSuites[] = {
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", false},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", false},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", false},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", false},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", false},
    {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", true},
    {"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", true},
    {"TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", true},
};
constexpr const char* kDefaultTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// A change marker for the files of a configuration: size and modification time of each.
std::string fingerprint(const TlsSettings& s) {
  std::string out;
  for (const auto* path : {&s.cert_file, &s.key_file, &s.client_ca_file, &s.requestheader_client_ca_file}) {
    struct stat st {};
    if (!path->empty() && ::stat(path->c_str(), &st) == 0) {
      out += std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
             std::to_string(st.st_mtim.tv_nsec) + ";";
    } else {
      out += "-;";
    }
  }
  return out;
}

Result<std::shared_ptr<TlsServerContext::Generation>> load_generation(const TlsSettings& settings);

}  // namespace

Result<CipherLists> openssl_cipher_lists(const std::vector<std::string>& kube_names) {
  CipherLists out;
  std::string unknown;
  for (const auto& name : kube_names) {
    const SuiteName* found = nullptr;
    for (const auto& s : kSuites) {
      if (name == s.kube) found = &s;
    }
    if (found == nullptr) {
      unknown += (unknown.empty() ? "" : ", ") + name;
      continue;
    }
    auto& list = found->tls13 ? out.tls13 : out.tls12;
    list += (list.empty() ? "" : ":") + std::string(found->openssl);
  }
  if (!unknown.empty()) {
    return make_error(Errc::InvalidArgument, "--tls-cipher-suites: unsupported cipher suite(s): " + unknown);
  }
  return out;
}

TlsServerContext::TlsServerContext(TlsSettings settings, std::shared_ptr<Generation> first, std::string print)
    : settings_(std::move(settings)), current_(std::move(first)), fingerprint_(std::move(print)) {}
TlsServerContext::~TlsServerContext() = default;

std::shared_ptr<TlsServerContext::Generation> TlsServerContext::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

Result<std::unique_ptr<TlsServerContext>> TlsServerContext::create(const TlsSettings& settings) {
  const std::string print = fingerprint(settings);
  auto first = load_generation(settings);
  if (!first) return first.error();
  return std::unique_ptr<TlsServerContext>(new TlsServerContext(settings, std::move(*first), print));
}

Result<bool> TlsServerContext::reload_if_changed() {
  const std::string print = fingerprint(settings_);
  {
    std::lock_guard lock(mu_);
    if (print == fingerprint_) return false;
  }
  auto next = load_generation(settings_);
  std::lock_guard lock(mu_);
  fingerprint_ = print;  // a broken file is reported once, not at every poll
  if (!next) return next.error();
  current_ = std::move(*next);
  return true;
}

namespace {

Result<std::shared_ptr<TlsServerContext::Generation>> load_generation(const TlsSettings& settings) {
  auto impl = std::make_unique<TlsServerContext::Generation::Impl>();
  SSL_CTX* ctx = impl->ctx.native_handle();

  int min_version = 0;
  if (settings.min_version == "VersionTLS12" || settings.min_version.empty()) {
    min_version = TLS1_2_VERSION;
  } else if (settings.min_version == "VersionTLS13") {
    min_version = TLS1_3_VERSION;
  } else {
    return make_error(Errc::InvalidArgument, "--tls-min-version: unsupported value \"" + settings.min_version +
                                                 "\" (allowed: VersionTLS12, VersionTLS13)");
  }
  SSL_CTX_set_min_proto_version(ctx, min_version);
  auto ciphers = openssl_cipher_lists(settings.cipher_suites);
  if (!ciphers) return ciphers.error();
  const std::string tls12 = settings.cipher_suites.empty() ? kDefaultTls12Ciphers : ciphers->tls12;
  // A list of only TLS 1.3 suites leaves TLS 1.2 without ciphers, so TLS 1.2 clients cannot connect:
  // that is what the user asked for.
  if (SSL_CTX_set_cipher_list(ctx, tls12.empty() ? "eNULL:!eNULL" : tls12.c_str()) != 1 && !tls12.empty()) {
    return make_error(Errc::InvalidArgument, "--tls-cipher-suites: OpenSSL rejected " + tls12);
  }
  ERR_clear_error();
  if (!ciphers->tls13.empty() && SSL_CTX_set_ciphersuites(ctx, ciphers->tls13.c_str()) != 1) {
    return make_error(Errc::InvalidArgument, "--tls-cipher-suites: OpenSSL rejected " + ciphers->tls13);
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);

  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, settings.cert_file.c_str()) != 1) {
    return make_error(Errc::InvalidArgument,
                      "--tls-cert-file " + settings.cert_file + ": cannot load certificate: " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, settings.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return make_error(Errc::InvalidArgument,
                      "--tls-private-key-file " + settings.key_file + ": cannot load private key: " + openssl_error());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return make_error(Errc::InvalidArgument, "--tls-private-key-file " + settings.key_file +
                                                 " does not match --tls-cert-file " + settings.cert_file);
  }

  // Without a session id context, clients that resume sessions get "internal error" once verify_peer is
  // set (toolchain.md §7).
  static const unsigned char kSessionIdContext[] = "fedmetrics";
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);

  if (!settings.client_ca_file.empty()) {
    auto store = load_store(settings.client_ca_file, "--client-ca-file");
    if (!store) return store.error();
    impl->client_ca = std::move(*store);
    add_client_ca_names(ctx, settings.client_ca_file);
  }
  if (!settings.requestheader_client_ca_file.empty()) {
    auto store = load_store(settings.requestheader_client_ca_file, "--requestheader-client-ca-file");
    if (!store) return store.error();
    impl->requestheader_ca = std::move(*store);
    add_client_ca_names(ctx, settings.requestheader_client_ca_file);
  }
  // Request a certificate, never require one (no SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_chain);
  return std::make_shared<TlsServerContext::Generation>(std::move(impl));
}

}  // namespace

PeerCertificate certificate_identity(X509* leaf) {
  PeerCertificate out;
  X509_NAME* subject = X509_get_subject_name(leaf);
  // "CN=a, CN=b" is user b in Kubernetes: Go's pkix.Name.FillFromRDNSequence overwrites CommonName for each
  // CN attribute, so the last one wins. Taking another one would make this a different user here.
  auto cns = name_entries(subject, NID_commonName);
  if (!cns.empty()) out.common_name = std::move(cns.back());
  out.organizations = name_entries(subject, NID_organizationName);

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (X509_digest(leaf, EVP_sha256(), digest, &digest_len) == 1) {
    static const char kHex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < digest_len; ++i) {
      out.sha256_hex.push_back(kHex[digest[i] >> 4]);
      out.sha256_hex.push_back(kHex[digest[i] & 0xf]);
    }
  }
  return out;
}

std::shared_ptr<const PeerCertificate> TlsServerContext::Generation::inspect_peer(ssl_st* ssl) const {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return nullptr;
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);  // server side: intermediates, without the leaf

  auto peer = std::make_shared<PeerCertificate>(certificate_identity(leaf));

  std::string client_error, proxy_error;
  if (impl_->client_ca) {
    peer->verified_by_client_ca = verifies(impl_->client_ca.get(), leaf, chain, client_error, peer->valid_until);
  }
  if (impl_->requestheader_ca) {
    peer->verified_by_requestheader_ca =
        verifies(impl_->requestheader_ca.get(), leaf, chain, proxy_error, peer->valid_until);
  }
  if (!peer->verified_by_client_ca && !peer->verified_by_requestheader_ca) {
    peer->verify_error = !client_error.empty() ? client_error
                         : !proxy_error.empty() ? proxy_error
                                                : "no client CA configured";
  }
  ERR_clear_error();
  return peer;
}

}  // namespace fedmetrics::http
