#!/usr/bin/env bash
# Installs the exact Debian 12 packages fedmetrics builds and tests with. Idempotent: packages already
# installed are not touched, and apt-get runs only when something is missing. Run as root.
# usage: scripts/install-deps.sh [build]   (build: only what compiling needs, e.g. the Dockerfile's stage)
# Never installs the unversioned libboost-*-dev packages: they would remove Boost 1.81 (toolchain.md §3).
set -euo pipefail

BUILD_PACKAGES=(
  cmake ninja-build g++ ccache pkg-config git
  libboost1.81-dev libboost-system1.81-dev libboost-url1.81-dev libboost-json1.81-dev
  libboost-program-options1.81-dev
  nlohmann-json3-dev prometheus-cpp-dev catch2 libssl-dev openssl libyaml-cpp-dev
  libspdlog-dev libfmt-dev libcli11-dev libmimalloc-dev
)
# libmimalloc-dev: the allocator fedmetrics-adapter links (CMakeLists.txt, docs/benchmarks.md).
# tzdata: the IANA zones CronFederatedHPA rules name (read from /usr/share/zoneinfo, aggregation/cron).
BUILD_PACKAGES+=(tzdata)
# Real peers and tools used by the integration tests (installed without recommends);
# python3-matplotlib draws scripts/bench's latency-vs-members plot (docs/benchmarks.png);
# python3-yaml reads upstream manifests; mmdebstrap, umoci and skopeo build the container image without a
# container engine (scripts/image).
TEST_PACKAGES=(prometheus hey curl jq python3 python3-pytest python3-yaml procps clang-14 libclang-rt-14-dev llvm-14
  python3-matplotlib mmdebstrap umoci skopeo)
[ "${1:-}" = build ] && TEST_PACKAGES=()

missing=()
for p in "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: must run as root to install packages" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
