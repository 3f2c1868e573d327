// fedmetrics-adapter: parse the command line, then run the server or the `simulate` command.
#include <fstream>
#include <iostream>

#include "aggregation/autoscaler/simulate.hpp"
#include "clients/base/log.hpp"
#include "server/app/application.hpp"
#include "server/app/options.hpp"

namespace {

int run_simulate_command(const std::string& file) {
  if (file == "-") return fedmetrics::autoscaler::run_simulate(std::cin, std::cout, std::cerr);
  std::ifstream in(file);
  if (!in) {
    fedmetrics::log::error("cannot read the scenario", {{"err", "--scenario: cannot read " + file}});
    return 2;
  }
  return fedmetrics::autoscaler::run_simulate(in, std::cout, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto invocation = fedmetrics::app::parse_command_line(argc, argv);
    switch (invocation.kind) {
      case fedmetrics::app::Invocation::Kind::Exit: return invocation.exit_code;
      case fedmetrics::app::Invocation::Kind::Simulate: return run_simulate_command(invocation.scenario_file);
      case fedmetrics::app::Invocation::Kind::Serve: break;
    }
    fedmetrics::app::Application app(std::move(invocation.config));
    return app.run();
  } catch (const std::exception& e) {
    fedmetrics::log::error("fatal error", {{"err", e.what()}});
    return 1;
  }
}
