#!/usr/bin/env bash
# Runs the test suite.  Usage: scripts/test.sh [all|unit|integration|image|e2e|federation|bench|sanitize|fuzz]
#   all          (default) installs missing packages, builds, runs unit + integration, e2e and federation
#                tests, the smoke benchmark, the unit tests again under ASan/UBSan, then the fuzz targets
#   unit         unit tests (Release build)
#   integration  integration tests against the real binary, real kubectl, openssl, curl
#   image        scripts/image (the container image, no container engine) and its entrypoint run from the
#                unpacked root file system; root; ~15 s with the base cached, ~35 s cold
#   e2e          tests against real upstream peers (etcd, kube-apiserver, kubectl, helm built from the Go module
#                proxy into ~/.cache/fedmetrics/peers on first use: about 15-25 min cold, cached after), the
#                Helm chart (lint, render, install) included
#   federation   the local federation (scripts/local-up) and the seed walkthrough, then the CPU walkthrough on
#                the same federation, with fedmetrics' and with Karmada's FederatedHPA loop; builds every peer
#                first (about 50 min cold on 2 cores, cached)
#   bench        scripts/bench --smoke: every benchmark scenario at a tiny size, fedmetrics only (seconds)
#   sanitize     unit tests under ASan + UBSan
#   fuzz         libFuzzer targets, bounded (FEDMETRICS_FUZZ_SECONDS per target, default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
if [[ $(id -u) -eq 0 ]]; then scripts/install-deps.sh; fi

run_ctest() {  # dir label
  ctest --test-dir "$1" -L "$2" --output-on-failure --timeout 600 -j "${FEDMETRICS_TEST_JOBS:-2}"
}

case "$what" in
  unit) scripts/check-test-names.sh && scripts/build.sh release && run_ctest build unit ;;
  integration) scripts/build.sh release && run_ctest build integration ;;
  image) scripts/build.sh release && run_ctest build image ;;
  e2e)
    scripts/build.sh release
    FEDMETRICS_NICE=0 scripts/peers/build.sh --required "etcd kube-apiserver kubectl helm" etcd kube-apiserver kubectl helm
    run_ctest build e2e ;;
  federation)
    scripts/build.sh release
    FEDMETRICS_NICE=0 scripts/peers/build.sh --required all etcd kube-apiserver kubectl kube-controller-manager \
      prometheus-adapter kwok karmada-aggregated-apiserver karmada-controller-manager karmada-scheduler helm
    run_ctest build federation ;;
  bench)
    scripts/build.sh release
    FEDMETRICS_BENCH_BUILD_DIR=build scripts/bench --smoke ;;
  sanitize)
    FEDMETRICS_BUILD_TARGETS=unit_tests scripts/build.sh sanitize
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      run_ctest build-asan unit ;;
  fuzz) scripts/fuzz.sh "${FEDMETRICS_FUZZ_SECONDS:-30}" ;;
  all)
    # Each stage is timed; the table is printed at the end, also when a stage fails (CI budget: brief).
    stages=()
    stage() {  # name command...
      local name=$1 t0 rc=0; shift; t0=$(date +%s)
      "$@" || rc=$?
      stages+=("$(printf '%-22s %6ss  %s' "$name" "$(( $(date +%s) - t0 ))" "$([[ $rc == 0 ]] && echo ok || echo "FAILED (rc=$rc)")")")
      return "$rc"
    }
    stage_table() {
      local total=$(( $(date +%s) - all_start ))
      printf '\n%-22s %7s  %s\n' stage time result
      printf '%s\n' "${stages[@]}"
      printf '%-22s %6ss\n' total "$total"
    }
    all_start=$(date +%s)
    trap stage_table EXIT
    stage "test names" scripts/check-test-names.sh
    stage "build (release)" scripts/build.sh release
    stage "unit+integration" run_ctest build "unit|integration"
    stage image run_ctest build image
    stage e2e "$0" e2e
    stage federation "$0" federation
    stage bench "$0" bench
    stage sanitize "$0" sanitize
    stage fuzz "$0" fuzz ;;
  *) echo "usage: $0 [all|unit|integration|image|e2e|federation|bench|sanitize|fuzz]" >&2; exit 2 ;;
esac
