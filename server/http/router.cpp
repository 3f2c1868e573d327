#include "server/http/router.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace fedmetrics::http {

std::optional<std::string> Target::param(const std::string& name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Result<Target> parse_target(std::string_view text) {
  if (text.empty() || text.front() != '/') {
    return make_error(Errc::InvalidArgument, "request target must be an absolute path");
  }
  auto parsed = boost::urls::parse_origin_form(text);
  if (!parsed) {
    return make_error(Errc::InvalidArgument, "malformed request target: " + parsed.error().message());
  }
  const boost::urls::url_view url = *parsed;
  Target target;
  target.path = std::string(url.encoded_path());
  const auto segs = url.segments();
  std::size_t index = 0;
  const std::size_t count = segs.size();
  for (auto seg : segs) {
    const bool last = ++index == count;
    if (seg.empty()) {
      if (last) {
        target.trailing_slash = true;
        continue;
      }
      return make_error(Errc::InvalidArgument, "empty path segment in \"" + target.path + "\"");
    }
    if (seg == "." || seg == "..") {
      return make_error(Errc::InvalidArgument, "dot segments are not allowed in \"" + target.path + "\"");
    }
    if (seg.find('/') != std::string::npos || seg.find('\0') != std::string::npos) {
      return make_error(Errc::InvalidArgument, "path segment \"" + seg + "\" contains an encoded '/' or NUL");
    }
    target.segments.push_back(std::move(seg));
  }
  for (const auto& p : url.params()) {
    target.query.emplace(p.key, p.has_value ? p.value : std::string());
  }
  return target;
}

void Router::add(std::string pattern, int id) {
  Route route{pattern, {}, id};
  std::size_t start = 1;
  while (start <= pattern.size()) {
    const auto end = pattern.find('/', start);
    route.parts.push_back(pattern.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (pattern == "/") route.parts.clear();
  routes_.push_back(std::move(route));
}

std::optional<Router::Match> Router::match(const std::vector<std::string>& segments) const {
  for (const auto& route : routes_) {
    if (route.parts.size() != segments.size()) continue;
    Match m{route.id, route.pattern, {}};
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      const auto& part = route.parts[i];
      if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
        m.params[part.substr(1, part.size() - 2)] = segments[i];
      } else {
        ok = part == segments[i];
      }
    }
    if (ok) return m;
  }
  return std::nullopt;
}

}  // namespace fedmetrics::http
