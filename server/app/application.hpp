#pragma once
// The composition root: builds every component from the Config, serves until SIGTERM/SIGINT, and shuts
// down gracefully (stop accepting, drain requests in flight within the grace period, then stop).
#include "server/app/config.hpp"

namespace fedmetrics::app {

class Application {
 public:
  explicit Application(Config config);
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  /// Blocks until shut down. Returns 0 after a clean shutdown, 2 when the configuration is unusable at
  /// startup (unreadable certificate, invalid members file), 1 when the port cannot be bound.
  /// Prints one line "fedmetrics-adapter serving on https://<addr>:<port>" to stdout once listening.
  int run();

 private:
  Config config_;
};

}  // namespace fedmetrics::app
