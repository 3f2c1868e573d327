#pragma once
// Plain request/response values passed between the transport (http::HttpsServer) and the handlers.
// Kept free of Beast so the API layer compiles quickly (STYLE.md §10).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clients/base/net.hpp"

namespace fedmetrics::http {

/// Header names are stored lower-cased; lookups are case-insensitive.
class Headers {
 public:
  void add(std::string_view name, std::string_view value);
  /// The first value of `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  /// Every value of `name`, in arrival order (one per header line).
  std::vector<std::string_view> get_all(std::string_view name) const;
  void remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

struct Request {
  std::string method;  ///< "GET", "POST", ... as sent
  std::string target;  ///< origin-form, still percent-encoded: "/apis/...?labelSelector=app%3Dweb"
  Headers headers;
  // No body: the API takes none, and the server never reads one (request_framing below).
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  Headers headers;  ///< extra headers (Warning, Retry-After, ...)
  std::string body;
};

/// What the TLS layer learnt about the client certificate, verified against each configured CA bundle as it
/// is when the request is served (a CA removed from --client-ca-file no longer admits open connections).
/// Authentication (server/auth) decides what it means.
struct PeerCertificate {
  std::string common_name;
  std::vector<std::string> organizations;
  std::string sha256_hex;               ///< of the leaf DER, for audit and credential ids
  bool verified_by_client_ca = false;   ///< chain verifies against --client-ca-file (clientAuth)
  bool verified_by_requestheader_ca = false;  ///< chain verifies against --requestheader-client-ca-file
  std::string verify_error;             ///< why neither CA verified it (empty if one did)
  /// The verification above holds until then: the earliest notAfter of the verified chains (max() when
  /// nothing verified). The server verifies again after it, as it does when the CA bundles change.
  std::chrono::system_clock::time_point valid_until = std::chrono::system_clock::time_point::max();
};

/// Per-request facts from the connection.
struct RequestContext {
  std::string remote_address;                      ///< "127.0.0.1:53412"
  std::shared_ptr<const PeerCertificate> peer;     ///< null when no client certificate was sent
  std::chrono::steady_clock::time_point received;  ///< when the request was fully read
};

/// What happens to a request once its header is read, before anything of its body (pure; used by
/// http::HttpsServer).
/// The API takes no request bodies, so a body is never read, and never before authentication:
///   GET/HEAD with a body (Content-Length > 0 or chunked) → 400, not dispatched;
///   another method whose declared Content-Length exceeds `max_body_bytes` → 413, not dispatched;
///   another method with a body → dispatched without it (the handler authenticates, then answers 405).
/// Whenever a body was announced the connection is closed after the answer (its bytes are never parsed).
struct RequestFraming {
  int reject_status = 0;     ///< 0: dispatch; else answer this code with `message`
  std::string message;
  bool close_after = false;  ///< a body stays unread on the connection
};
RequestFraming request_framing(std::string_view method, std::optional<std::uint64_t> content_length, bool chunked,
                               std::size_t max_body_bytes);

/// Answers requests. One instance serves every connection, concurrently on many strands.
/// Must not throw: the server turns an escaped exception into a 500 Status anyway, but that is a bug.
class Handler {
 public:
  Handler() = default;
  virtual ~Handler() = default;
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;

  virtual net::awaitable<Response> handle(Request request, RequestContext context) = 0;

  /// The answer for a request the transport rejected before dispatch (431 header too large, 413 announced
  /// body too large, 400 malformed or GET/HEAD with a body, 429 request buffers full, 500 handler failure).
  /// Must not throw.
  virtual Response error_response(int code, std::string message) = 0;
};

}  // namespace fedmetrics::http
