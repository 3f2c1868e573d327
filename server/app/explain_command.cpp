#include "server/app/explain_command.hpp"

#include <prometheus/registry.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <ostream>

#include "aggregation/autoscaler/decision_json.hpp"
#include "aggregation/autoscaler/explain.hpp"
#include "aggregation/autoscaler/scenario_writer.hpp"
#include "aggregation/fhpa/explain.hpp"
#include "clients/base/log.hpp"
#include "server/app/federation.hpp"

namespace fedmetrics::app {
namespace {

namespace asio = boost::asio;
using nlohmann::ordered_json;

/// Waits (bounded) for the Karmada member directory's first list, then explains. `fed` lives in
/// run_explain's frame, which outlives the io_context's run.
net::awaitable<Result<fhpa::Explanation>> read_and_explain(Federation* fed, ExplainRequest request,
                                                           autoscaler::Options options, autoscaler::Millis now,
                                                           std::chrono::milliseconds wait) {
  if (fed->karmada_directory != nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!fed->karmada_directory->synced() && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (!fed->karmada_directory->synced()) {
      log::warning("the member clusters were not all listed in time; explaining with those that were",
                   {{"waited_ms", wait.count()}});
    }
  }
  fhpa::ObserveDeps deps;
  deps.control_plane = fed->control_plane.get();
  deps.directory = fed->directory.get();
  deps.member_clients = fed->member_kube_clients.get();
  deps.metrics = fed->federated.get();
  co_return co_await fhpa::explain(request.namespace_name, request.name, options, now, deps);
}

std::string target_of(const fhpa::FederatedHpa& hpa) {
  return hpa.target.api_version + " " + hpa.target.kind + " " + hpa.target.name;
}

void print_text(const fhpa::Explanation& e, std::ostream& out) {
  const auto& hpa = e.hpa;
  if (!e.evaluation) {
    out << "FederatedHPA " << hpa.key() << " is invalid: the loop does not evaluate it (ScalingActive=False "
        << "InvalidSpec) until it is fixed:\n";
    for (const auto& problem : hpa.spec_errors) out << "  " << problem << "\n";
    return;
  }
  const auto& s = e.evaluation->observation.scenario;
  out << autoscaler::explain_decision(s, e.evaluation->decision, hpa.key());
  out << "\nRead: the template " << target_of(hpa) << " on the control plane; history from the object's "
      << fhpa::kHistoryAnnotation << " annotation ("
      << (hpa.history ? "as the loop last stored it" : "absent: the loop has not evaluated it yet") << ")\n";
  for (const auto& p : e.evaluation->observation.problems) out << "  read problem: " << p << "\n";
}

void print_json(const fhpa::Explanation& e, std::ostream& out) {
  ordered_json j;
  if (!e.evaluation) {
    j["scenario"] = nullptr;
    j["decision"] = nullptr;
    j["specErrors"] = e.hpa.spec_errors;
  } else {
    const std::string id = e.hpa.key();
    j["scenario"] = autoscaler::scenario_to_json(e.evaluation->observation.scenario, id);
    j["decision"] = autoscaler::decision_to_json(e.evaluation->decision, id);
  }
  out << j.dump(2) << "\n";
}

}  // namespace

int run_explain(const Config& c, const ExplainRequest& request, std::ostream& out) {
  asio::io_context ioc(1);
  SteadyClock clock;
  prometheus::Registry registry;  // the clients register their series; nothing serves them
  Federation fed;
  if (auto built = connect_federation(c, true, ioc.get_executor(), clock, registry, fed); !built) {
    log::error("cannot explain", {{"err", built.error().message}});
    return 2;
  }
  if (!fed.directory) {
    log::error("cannot explain", {{"err", "no member clusters: pass the loop's --members-config, or --members=karmada"}});
    return 2;
  }
  if (fed.karmada_directory != nullptr) fed.karmada_directory->start(ioc.get_executor());

  const autoscaler::Millis now =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.system_now().time_since_epoch()).count();
  std::optional<Result<fhpa::Explanation>> result;
  std::exception_ptr failure;
  asio::co_spawn(ioc, read_and_explain(&fed, request, c.federatedhpa.decision, now, c.request_timeout),
                 [&](std::exception_ptr e, Result<fhpa::Explanation> r) {
                   if (e) {
                     failure = e;
                   } else {
                     result.emplace(std::move(r));
                   }
                   if (fed.karmada_directory != nullptr) fed.karmada_directory->stop();
                 });
  ioc.run();
  if (failure) std::rethrow_exception(failure);  // main's barrier logs it
  const std::string key = request.namespace_name + "/" + request.name;
  if (!result || !*result) {
    const Error& e = result ? result->error() : Error{Errc::Internal, "no result"};
    if (e.code == Errc::NotFound) {
      log::error("FederatedHPA not found", {{"federatedhpa", key}, {"err", e.message}});
    } else {
      log::error("cannot read the FederatedHPA", {{"federatedhpa", key}, {"err", e.message}});
    }
    return 1;
  }
  if (request.json) {
    print_json(**result, out);
  } else {
    print_text(**result, out);
  }
  return 0;
}

}  // namespace fedmetrics::app
