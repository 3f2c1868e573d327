#include "server/api/health.hpp"

#include <algorithm>
#include <set>

#include "server/api/status_mapping.hpp"

namespace fedmetrics::api {
namespace {

http::Response text(int code, std::string body) {
  http::Response r;
  r.status = code;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.add("X-Content-Type-Options", "nosniff");
  r.body = std::move(body);
  return r;
}

}  // namespace

std::string_view to_string(HealthEndpoint endpoint) {
  switch (endpoint) {
    case HealthEndpoint::Healthz: return "healthz";
    case HealthEndpoint::Livez: return "livez";
    case HealthEndpoint::Readyz: return "readyz";
  }
  return "healthz";
}

void HealthChecks::add(HealthEndpoint endpoint, std::string name, HealthCheck check) {
  std::lock_guard lock(mu_);
  checks_.push_back({endpoint, std::move(name), std::move(check)});
}

void HealthChecks::add_informational(HealthEndpoint endpoint, InformationalSource source) {
  std::lock_guard lock(mu_);
  informational_.emplace_back(endpoint, std::move(source));
}

std::vector<std::string> HealthChecks::names(HealthEndpoint endpoint) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& c : checks_) {
    if (c.endpoint == endpoint) out.push_back(c.name);
  }
  return out;
}

http::Response HealthChecks::serve(HealthEndpoint endpoint, const http::Target& target,
                                   const std::optional<std::string>& check) const {
  std::vector<Named> selected;
  std::vector<InformationalSource> sources;
  {
    std::lock_guard lock(mu_);
    for (const auto& c : checks_) {
      if (c.endpoint == endpoint) selected.push_back(c);
    }
    for (const auto& [ep, source] : informational_) {
      if (ep == endpoint) sources.push_back(source);
    }
  }
  const std::string ep(to_string(endpoint));

  if (check) {
    const auto it = std::find_if(selected.begin(), selected.end(), [&](const Named& n) { return n.name == *check; });
    if (it == selected.end()) return status_response(404, "the server could not find the requested resource");
    const auto result = it->check();
    if (result) return text(200, "ok");
    return text(500, "internal server error: " + result.error().message + "\n");
  }

  std::set<std::string> excluded;
  for (auto [it, end] = target.query.equal_range("exclude"); it != end; ++it) excluded.insert(it->second);

  std::string body;
  bool failed = false;
  for (const auto& c : selected) {
    if (excluded.erase(c.name) > 0) {
      body += "[+]" + c.name + " excluded: ok\n";
      continue;
    }
    if (c.check()) {
      body += "[+]" + c.name + " ok\n";
    } else {
      failed = true;
      body += "[-]" + c.name + " failed: reason withheld\n";
    }
  }
  if (!excluded.empty()) {
    body += "warn: some health checks cannot be excluded: no matches for";
    for (const auto& name : excluded) body += " \"" + name + "\"";
    body += "\n";
  }
  if (failed || target.has_param("verbose")) {
    for (const auto& source : sources) {
      for (const auto& [name, healthy] : source()) {
        body += healthy ? "[+]" + name + " ok\n" : "[~]" + name + " unhealthy (informational)\n";
      }
    }
  }
  if (failed) return text(500, body + ep + " check failed\n");
  if (target.has_param("verbose")) return text(200, body + ep + " check passed\n");
  return text(200, "ok");
}

}  // namespace fedmetrics::api
