#include "clients/base/error.hpp"

#include <ostream>

namespace fedmetrics {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::InvalidArgument: return "InvalidArgument";
    case Errc::NotFound: return "NotFound";
    case Errc::Unauthorized: return "Unauthorized";
    case Errc::Forbidden: return "Forbidden";
    case Errc::Conflict: return "Conflict";
    case Errc::Gone: return "Gone";
    case Errc::TooLarge: return "TooLarge";
    case Errc::Timeout: return "Timeout";
    case Errc::Unavailable: return "Unavailable";
    case Errc::ProtocolError: return "ProtocolError";
    case Errc::Cancelled: return "Cancelled";
    case Errc::Throttled: return "Throttled";
    case Errc::Internal: return "Internal";
  }
  return "Internal";
}

std::ostream& operator<<(std::ostream& os, const Error& e) {
  return os << to_string(e.code) << ": " << e.message;
}

ErrorException::ErrorException(Error error)
    : std::runtime_error(std::string(to_string(error.code)) + ": " + error.message), error_(std::move(error)) {}

void throw_exception_from_error(const Error& e, const boost::source_location&) { throw ErrorException(e); }

}  // namespace fedmetrics
