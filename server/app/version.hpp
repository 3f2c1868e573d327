#pragma once
// Build identity, stamped at configure time (CMake) for /version and fedmetrics_build_info.
#include "server/api/api_handler.hpp"

namespace fedmetrics::app {

const api::VersionInfo& version_info();

}  // namespace fedmetrics::app
