#pragma once
// `fedmetrics-adapter simulate` for CronFederatedHPA rules (docs/cron.md): a scenario with a "cron" key
// lists the executions the embedded controller would run in a time range, computed by the same
// parse_cron / next_after / validate code the controller uses. No I/O beyond the zone files.
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "aggregation/cron/zone_database.hpp"

namespace fedmetrics::cron {

/// Most executions one scenario lists unless it says otherwise ("limit"), and at most.
inline constexpr std::size_t kDefaultSimulateLimit = 1000;
inline constexpr std::size_t kMaxSimulateLimit = 100000;

/// Whether `scenario` is a cron scenario (an object with a "cron" key).
bool is_cron_scenario(const nlohmann::json& scenario);

/// Runs one cron scenario: one compact JSON line on `out`, or "error: <where>: ..." on `err` (malformed
/// input: missing/ill-typed from, to, rules; a range that ends before it starts; an unknown default
/// time zone). Unknown keys give "warning: <where>: ..." lines. Returns whether a line was written.
/// Validation problems of the rules are part of the output ("errors"), not input errors.
bool run_cron_scenario(const nlohmann::json& scenario, const std::string& where, const ZoneDatabase& zones,
                       std::ostream& out, std::ostream& err);

}  // namespace fedmetrics::cron
