#include "server/http/self_signed_cert.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace fedmetrics::http {
namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Free<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;

std::string san_string(const SelfSignedRequest& r) {
  std::string out;
  for (const auto& ip : r.ip_sans) out += (out.empty() ? "" : ",") + std::string("IP:") + ip;
  for (const auto& dns : r.dns_sans) out += (out.empty() ? "" : ",") + std::string("DNS:") + dns;
  return out;
}

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

CertPtr make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, bool is_ca,
                  const std::string& sans) {
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                             0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok &= add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    ok &= add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    ok &= add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    ok &= add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    ok &= add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    ok &= add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    ok &= add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    if (!sans.empty()) ok &= add_extension(cert.get(), signer, NID_subject_alt_name, sans);
  }
  if (!ok || X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0) return nullptr;
  return cert;
}

std::string pem_of(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string pem_of(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<void> write_file(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return make_error(Errc::InvalidArgument, "cannot write " + path + ": " + std::strerror(errno));
  out << content;
  out.close();
  if (!out) return make_error(Errc::InvalidArgument, "cannot write " + path + ": " + std::strerror(errno));
  ::chmod(path.c_str(), mode);
  return ok();
}

/// True when the existing certificate covers every requested SAN.
bool existing_cert_matches(const std::string& cert_file, const SelfSignedRequest& r) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(cert_file.c_str(), "r"), std::fclose);
  if (!f) return false;
  CertPtr cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!cert) return false;
  if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0) return false;
  for (const auto& ip : r.ip_sans) {
    if (X509_check_ip_asc(cert.get(), ip.c_str(), 0) != 1) return false;
  }
  for (const auto& dns : r.dns_sans) {
    if (X509_check_host(cert.get(), dns.c_str(), dns.size(), 0, nullptr) != 1) return false;
  }
  return true;
}

}  // namespace

Result<CertFiles> ensure_self_signed_cert(const SelfSignedRequest& request) {
  namespace fs = std::filesystem;
  CertFiles files{request.dir + "/apiserver.crt", request.dir + "/apiserver.key", request.dir + "/ca.crt", false};
  std::error_code ec;
  fs::create_directories(request.dir, ec);
  if (ec) return make_error(Errc::InvalidArgument, "--cert-dir " + request.dir + ": " + ec.message());
  if (fs::exists(files.key_file) && fs::exists(files.ca_file) && existing_cert_matches(files.cert_file, request)) {
    return files;
  }

  KeyPtr ca_key(EVP_EC_gen("P-256"));
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!ca_key || !key) return make_error(Errc::Internal, "cannot generate a key pair");
  const std::string cn_host = !request.dns_sans.empty() ? request.dns_sans.front()
                              : !request.ip_sans.empty() ? request.ip_sans.front()
                                                         : "localhost";
  const std::string ca_cn = cn_host + "-ca@" + std::to_string(std::time(nullptr));
  CertPtr ca = make_cert(ca_key.get(), ca_cn, nullptr, nullptr, true, "");
  if (!ca) return make_error(Errc::Internal, "cannot create the CA certificate");
  CertPtr leaf = make_cert(key.get(), cn_host + "@" + std::to_string(std::time(nullptr)), ca.get(), ca_key.get(),
                           false, san_string(request));
  if (!leaf) return make_error(Errc::Internal, "cannot create the serving certificate");

  if (auto r = write_file(files.key_file, pem_of(key.get()), 0600); !r) return r.error();
  if (auto r = write_file(files.cert_file, pem_of(leaf.get()) + pem_of(ca.get()), 0644); !r) return r.error();
  if (auto r = write_file(files.ca_file, pem_of(ca.get()), 0644); !r) return r.error();
  files.generated = true;
  ERR_clear_error();
  return files;
}

}  // namespace fedmetrics::http
