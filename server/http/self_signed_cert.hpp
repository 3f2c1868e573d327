#pragma once
// A serving certificate for when --tls-cert-file is not given: like kube's --cert-dir default, a
// private CA and a leaf signed by it, written once and reused on later starts.
#include <string>
#include <vector>

#include "clients/base/result.hpp"

namespace fedmetrics::http {

struct SelfSignedRequest {
  std::string dir;                     ///< --cert-dir; created if missing
  std::vector<std::string> ip_sans;    ///< e.g. 127.0.0.1
  std::vector<std::string> dns_sans;   ///< e.g. localhost, fedmetrics.karmada-system.svc
};

struct CertFiles {
  std::string cert_file;  ///< <dir>/apiserver.crt: leaf then CA
  std::string key_file;   ///< <dir>/apiserver.key
  std::string ca_file;    ///< <dir>/ca.crt: give this to clients (kubectl certificate-authority, caBundle)
  bool generated = false; ///< false when existing files were reused
};

/// Reuses <dir>/apiserver.{crt,key} when both exist and the certificate carries every requested SAN;
/// otherwise generates a P-256 CA and leaf (1 year) and writes them with mode 0600 for keys.
/// Errors: InvalidArgument naming the path when the directory or files cannot be written.
Result<CertFiles> ensure_self_signed_cert(const SelfSignedRequest& request);

}  // namespace fedmetrics::http
