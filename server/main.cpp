// fedmetrics-adapter: parse the command line, then run the server, or the `simulate` or `explain` command.
#include <fstream>
#include <iostream>

#include "aggregation/autoscaler/simulate.hpp"
#include "aggregation/cron/cron_simulate.hpp"
#include "clients/base/log.hpp"
#include "server/app/application.hpp"
#include "server/app/explain_command.hpp"
#include "server/app/options.hpp"

namespace {

// FederatedHPA decision scenarios and CronFederatedHPA schedule scenarios (a "cron" key) share one input.
std::optional<bool> run_cron(const nlohmann::json& scenario, const std::string& where, std::ostream& out,
                             std::ostream& err) {
  static const fedmetrics::cron::ZoneDatabase zones;
  if (!fedmetrics::cron::is_cron_scenario(scenario)) return std::nullopt;
  return fedmetrics::cron::run_cron_scenario(scenario, where, zones, out, err);
}

int run_simulate_command(const std::string& file) {
  if (file == "-") return fedmetrics::autoscaler::run_simulate(std::cin, std::cout, std::cerr, run_cron);
  std::ifstream in(file);
  if (!in) {
    fedmetrics::log::error("cannot read the scenario", {{"err", "--scenario: cannot read " + file}});
    return 2;
  }
  return fedmetrics::autoscaler::run_simulate(in, std::cout, std::cerr, run_cron);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto invocation = fedmetrics::app::parse_command_line(argc, argv);
    switch (invocation.kind) {
      case fedmetrics::app::Invocation::Kind::Exit: return invocation.exit_code;
      case fedmetrics::app::Invocation::Kind::Simulate: return run_simulate_command(invocation.scenario_file);
      case fedmetrics::app::Invocation::Kind::Explain:
        return fedmetrics::app::run_explain(invocation.config, invocation.explain, std::cout);
      case fedmetrics::app::Invocation::Kind::Serve: break;
    }
    fedmetrics::app::Application app(std::move(invocation.config));
    return app.run();
  } catch (const std::exception& e) {
    fedmetrics::log::error("fatal error", {{"err", e.what()}});
    return 1;
  }
}
