#include "server/http/tls_server_context.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fedmetrics::http {
namespace {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

/// A self-signed certificate whose subject has the given (field, value) entries, in order.
X509Ptr certificate_with_subject(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(EVP_EC_gen("P-256"));
  REQUIRE(key);
  X509Ptr cert(X509_new());
  REQUIRE(cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& [field, value] : entries) {
    REQUIRE(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) == 1);
  }
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  return cert;
}

}  // namespace

TEST_CASE("a subject with two CNs is the user of the last one, as in Go's crypto/x509", "[unit][tls]") {
  // Issue #12 item 5: "CN=a, CN=b" is user b for kube-apiserver; the first CN made it user a here.
  auto cert = certificate_with_subject({{"O", "system:masters"}, {"CN", "a"}, {"CN", "b"}});
  const auto identity = certificate_identity(cert.get());
  CHECK(identity.common_name == "b");
  CHECK(identity.organizations == std::vector<std::string>{"system:masters"});
  CHECK(identity.sha256_hex.size() == 64);
}

TEST_CASE("a subject with one CN and several Os keeps every O in order", "[unit][tls]") {
  auto cert = certificate_with_subject({{"O", "dev"}, {"O", "ops"}, {"CN", "alice"}});
  const auto identity = certificate_identity(cert.get());
  CHECK(identity.common_name == "alice");
  CHECK(identity.organizations == std::vector<std::string>{"dev", "ops"});
}

TEST_CASE("a subject without a CN has an empty user name", "[unit][tls]") {
  auto cert = certificate_with_subject({{"O", "dev"}});
  CHECK(certificate_identity(cert.get()).common_name.empty());
}

}  // namespace fedmetrics::http
