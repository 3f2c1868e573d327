#include "aggregation/autoscaler/simulate.hpp"

#include <exception>
#include <istream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "aggregation/autoscaler/decide.hpp"
#include "aggregation/autoscaler/decision_json.hpp"
#include "aggregation/autoscaler/scenario_json.hpp"

namespace fedmetrics::autoscaler {

namespace {

using nlohmann::json;

bool run_one(const json& j, const std::string& where, std::ostream& out, std::ostream& err,
             const ScenarioHandler& other) {
  if (!j.is_object()) {
    err << "error: " << where << ": a scenario must be a JSON object\n";
    return false;
  }
  if (other) {
    if (const auto handled = other(j, where, out, err)) {
      return *handled;
    }
  }
  auto parsed = parse_scenario(j);
  if (!parsed) {
    err << "error: " << where << ": " << parsed.error().message << "\n";
    return false;
  }
  for (const auto& w : parsed->warnings) err << "warning: " << where << ": " << w << "\n";
  const Decision d = decide(parsed->scenario);
  // Replace invalid UTF-8 coming from the input instead of failing the dump.
  out << decision_to_json(d, parsed->id).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  return true;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

int run_simulate(std::istream& in, std::ostream& out, std::ostream& err, const ScenarioHandler& other) {
  // simulate is a CLI entry point: this is its catch barrier (STYLE.md §7), nothing escapes.
  try {
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (blank(text)) {
      err << "error: no scenario on input\n";
      return 1;
    }
    // One (possibly pretty-printed) object first; otherwise JSON Lines.
    json whole = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!whole.is_discarded()) return run_one(whole, "scenario", out, err, other) ? 0 : 1;

    std::istringstream lines(text);
    std::string line;
    int line_no = 0;
    bool all_ok = true;
    while (std::getline(lines, line)) {
      ++line_no;
      if (blank(line)) continue;
      const std::string where = "line " + std::to_string(line_no);
      json j;
      try {
        j = json::parse(line);
      } catch (const json::parse_error& e) {
        err << "error: " << where << ": malformed JSON: " << e.what() << "\n";
        all_ok = false;
        continue;
      }
      all_ok = run_one(j, where, out, err, other) && all_ok;
    }
    return all_ok ? 0 : 1;
  } catch (const std::exception& e) {
    err << "error: simulate failed: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace fedmetrics::autoscaler
