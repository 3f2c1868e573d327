#pragma once
// The one error type every fallible fedmetrics operation returns (as fedmetrics::Result<T>).
// A peer or the input can cause these; they are values, not exceptions (STYLE.md §7).
#include <boost/assert/source_location.hpp>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fedmetrics {

/// What went wrong, coarse enough to map onto an HTTP status in one place (server/api/status_mapping).
enum class Errc {
  InvalidArgument,  ///< bad input from the caller (selector, quantity, path, flag): 400
  NotFound,         ///< the object or metric does not exist: 404
  Unauthorized,     ///< credentials missing or invalid: 401
  Forbidden,        ///< authenticated but not allowed: 403
  Conflict,         ///< optimistic-concurrency failure (resourceVersion): 409
  Gone,             ///< a watch's resourceVersion is too old: 410
  TooLarge,         ///< a body or header exceeded its limit: 413
  Timeout,          ///< a deadline passed: 504 towards members, 503 to our clients
  Unavailable,      ///< a peer could not be reached or answered 5xx: 503
  ProtocolError,    ///< a peer answered something we cannot decode (garbage JSON, truncation)
  Cancelled,        ///< the operation was cancelled (shutdown, client gone)
  Throttled,        ///< not sent: a limit refused to queue it that long; 429, try again later
  Internal,         ///< a broken invariant: 500
};

std::string_view to_string(Errc code);

struct Error {
  Errc code = Errc::Internal;
  std::string message;

  bool operator==(const Error&) const = default;
};

/// For test output and boost::system::result printing.
std::ostream& operator<<(std::ostream& os, const Error& e);

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

/// Thrown only by Result<T>::value() on an error, i.e. a broken invariant in the caller.
class ErrorException : public std::runtime_error {
 public:
  explicit ErrorException(Error error);
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

/// Found by ADL from boost::system::result<T, Error>::value().
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace fedmetrics
