#pragma once
// Request-target parsing and route matching. Pure functions over strings: no I/O, no Kubernetes.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clients/base/result.hpp"

namespace fedmetrics::http {

/// An origin-form target split into percent-DECODED path segments and query parameters.
struct Target {
  std::string path;                              ///< still encoded, as received
  std::vector<std::string> segments;             ///< decoded; "%2A" is "*"; no empty segments
  bool trailing_slash = false;                   ///< "/apis/x/" (Kubernetes treats it like "/apis/x")
  std::multimap<std::string, std::string> query; ///< decoded form values ('+' is a space)

  /// The first value of a query parameter, or nullopt.
  std::optional<std::string> param(const std::string& name) const;
  /// True when the parameter is present, with any value (`?verbose`).
  bool has_param(const std::string& name) const { return query.count(name) > 0; }
};

/// Errors: InvalidArgument for anything but an origin-form target ("/..."), invalid percent-encoding,
/// empty inner segments ("//"), "." or ".." segments (also when percent-encoded), or decoded segments
/// containing '/' or NUL.
Result<Target> parse_target(std::string_view target);

/// Matches decoded segments against templates such as
///   "/apis/custom.metrics.k8s.io/{version}/namespaces/{namespace}/{resource}/{name}/{metric}".
/// A "{x}" segment matches exactly one segment; literals match exactly. First added, first matched.
class Router {
 public:
  struct Match {
    int id = 0;
    std::string pattern;                        ///< the template (used as the metrics `route` label)
    std::map<std::string, std::string> params;  ///< "{x}" -> decoded segment
  };

  void add(std::string pattern, int id);
  std::optional<Match> match(const std::vector<std::string>& segments) const;

 private:
  struct Route {
    std::string pattern;
    std::vector<std::string> parts;  ///< literal, or "{name}"
    int id;
  };
  std::vector<Route> routes_;
};

}  // namespace fedmetrics::http
