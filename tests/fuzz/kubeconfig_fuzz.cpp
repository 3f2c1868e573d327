// libFuzzer target: kube::parse_kubeconfig (YAML via yaml-cpp) and to_https_client_options.
// The kubeconfig "lives" in a directory that does not exist, so relative file references never resolve;
// parse_kubeconfig only stats referenced files (is_regular_file), it never reads them.
// A first line "#ctx:NAME" (a YAML comment) selects --context NAME.
// Invariants: every failure is InvalidArgument naming the file; a success has a server that
// to_https_client_options accepts, and parsing is deterministic.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "clients/kube/kubeconfig.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace fedmetrics;

namespace {
const std::string kPath = "/nonexistent-fedmetrics-fuzz/kubeconfig";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string context;
  if (text.substr(0, 5) == "#ctx:") {
    const auto nl = text.find('\n');
    context = std::string(text.substr(5, nl == std::string_view::npos ? std::string_view::npos : nl - 5));
  }
  const auto config = kube::parse_kubeconfig(text, kPath, context);
  if (!config) {
    FUZZ_CHECK(config.error().code == Errc::InvalidArgument, config.error().message);
    FUZZ_CHECK(config.error().message.rfind("kubeconfig " + kPath, 0) == 0,
               "error does not name the file: " + config.error().message);
    return 0;
  }
  FUZZ_CHECK(!config->server.empty(), "accepted a kubeconfig without a server");
  const auto options = kube::to_https_client_options(*config);
  FUZZ_CHECK(options.has_value(), "accepted server rejected by to_https_client_options: " + config->server);
  const auto again = kube::parse_kubeconfig(text, kPath, context);
  FUZZ_CHECK(again.has_value() && *again == *config, "parse_kubeconfig is not deterministic");
  return 0;
}
