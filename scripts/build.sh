#!/usr/bin/env bash
# Configures and builds fedmetrics.  Usage: scripts/build.sh [release|sanitize]
#   release   build/        Release (-O2), warnings as errors
#   sanitize  build-asan/   ASan + UBSan, -O1 -g, warnings as errors
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-release}
jobs=${FEDMETRICS_JOBS:-$(nproc)}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Paths relative to the tree, so that a fresh clone elsewhere (CI) hits the same ccache entries.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
case "$mode" in
  release)
    dir=build
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFEDMETRICS_WERROR=ON "${launcher[@]}" >/dev/null ;;
  sanitize)
    dir=build-asan
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DFEDMETRICS_SANITIZE=address,undefined -DFEDMETRICS_WERROR=ON "${launcher[@]}" >/dev/null ;;
  *) echo "usage: $0 [release|sanitize]" >&2; exit 2 ;;
esac
start=$(date +%s)
ninja -C "$dir" -j "$jobs" ${FEDMETRICS_BUILD_TARGETS:-}
echo "build ($mode): $(( $(date +%s) - start ))s in $dir"
