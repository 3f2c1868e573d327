#include "server/app/version.hpp"

#ifndef FEDMETRICS_VERSION
#define FEDMETRICS_VERSION "0.0.0"
#endif
#ifndef FEDMETRICS_GIT_VERSION
#define FEDMETRICS_GIT_VERSION "v" FEDMETRICS_VERSION
#endif
#ifndef FEDMETRICS_GIT_COMMIT
#define FEDMETRICS_GIT_COMMIT "unknown"
#endif
#ifndef FEDMETRICS_GIT_TREE_STATE
#define FEDMETRICS_GIT_TREE_STATE "unknown"
#endif
#ifndef FEDMETRICS_BUILD_DATE
#define FEDMETRICS_BUILD_DATE "1970-01-01T00:00:00Z"
#endif

namespace fedmetrics::app {

const api::VersionInfo& version_info() {
  static const api::VersionInfo info = [] {
    api::VersionInfo v;
    const std::string semver = FEDMETRICS_VERSION;
    v.git_version = FEDMETRICS_GIT_VERSION;
    const auto dot1 = semver.find('.');
    const auto dot2 = semver.find('.', dot1 + 1);
    v.major = semver.substr(0, dot1);
    v.minor = semver.substr(dot1 + 1, dot2 - dot1 - 1);
    v.git_commit = FEDMETRICS_GIT_COMMIT;
    v.git_tree_state = FEDMETRICS_GIT_TREE_STATE;
    v.build_date = FEDMETRICS_BUILD_DATE;
    v.compiler = "gcc " __VERSION__;
    v.platform = "linux/amd64";
    return v;
  }();
  return info;
}

}  // namespace fedmetrics::app
