#include "server/app/operational_metrics.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <prometheus/metric_family.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <optional>

namespace fedmetrics::app {
namespace {

/// notAfter of the first certificate in a PEM file (the leaf of a chain, or the first CA of a bundle; with
/// several CAs the earliest matters, so every certificate is read).
std::optional<double> earliest_not_after(const std::string& file) {
  std::FILE* f = std::fopen(file.c_str(), "r");
  if (f == nullptr) return std::nullopt;
  std::optional<double> earliest;
  while (X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr)) {
    std::tm tm{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) {
      const double t = static_cast<double>(timegm(&tm));
      if (!earliest || t < *earliest) earliest = t;
    }
    X509_free(cert);
  }
  std::fclose(f);
  return earliest;
}

prometheus::ClientMetric gauge(std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

prometheus::MetricFamily family(std::string name, std::string help) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = prometheus::MetricType::Gauge;
  return f;
}

}  // namespace

const std::vector<std::string>& member_state_names() {
  static const std::vector<std::string> names{"ready", "unreachable", "invalid", "not_ready"};
  return names;
}

std::vector<MemberState> member_states(const std::vector<aggregation::MemberHealth>& health,
                                       const members::KarmadaClusterDirectory::LeftOut& left_out) {
  std::vector<MemberState> out;
  for (const auto& h : health) {
    if (h.healthy()) {
      out.push_back({h.cluster, "ready", ""});
    } else {
      out.push_back({h.cluster, "unreachable", std::string(to_string(h.last_error_code))});
    }
  }
  for (const auto& p : left_out.problems) out.push_back({p.cluster, "invalid", std::string(to_string(p.kind))});
  for (const auto& name : left_out.not_ready) out.push_back({name, "not_ready", ""});
  return out;
}

OperationalMetrics::OperationalMetrics(StateSource states, std::vector<WatchedCertificate> certificates)
    : states_(std::move(states)), certificates_(std::move(certificates)) {}

std::vector<prometheus::MetricFamily> OperationalMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  if (states_) {
    const auto states = states_();
    auto by_state = family("fedmetrics_members", "Member clusters by state (ready, unreachable, invalid, not_ready).");
    auto each = family("fedmetrics_member_state",
                       "1 for each member cluster in its current state; reason: the error code (unreachable) "
                       "or the configuration problem (invalid).");
    std::map<std::string, double> counts;
    for (const auto& s : states) {
      counts[s.state] += 1;
      each.metric.push_back(gauge({{"cluster", s.cluster}, {"reason", s.reason}, {"state", s.state}}, 1));
    }
    for (const auto& name : member_state_names()) by_state.metric.push_back(gauge({{"state", name}}, counts[name]));
    out.push_back(std::move(by_state));
    if (!each.metric.empty()) out.push_back(std::move(each));
  }
  auto expiry = family("fedmetrics_certificate_expiration_timestamp_seconds",
                       "notAfter of the serving certificate and of the client CAs (the earliest in a bundle), "
                       "seconds since the epoch; read from the files at scrape time.");
  for (const auto& c : certificates_) {
    if (const auto t = earliest_not_after(c.file)) expiry.metric.push_back(gauge({{"certificate", c.label}}, *t));
  }
  if (!expiry.metric.empty()) out.push_back(std::move(expiry));
  return out;
}

}  // namespace fedmetrics::app
