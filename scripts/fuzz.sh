#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang 14, ASan + UBSan) and runs each for a while on a copy
# of its seed corpus. Fails on any crash, leak, timeout, out-of-memory, sanitizer report or broken invariant.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    # default 60 s, all targets
#   scripts/fuzz.sh 0                                   # replay the seed corpora only (regression check)
#
# Targets: label_selector quantity router metric_value kubeconfig http_request cron_schedule.
# Environment: FEDMETRICS_FUZZ_DIR (runs, default /tmp/fedmetrics-fuzz), FEDMETRICS_FUZZ_BUILD_DIR (default
# build-fuzz/ in the tree), FUZZ_JOBS (build
# parallelism, default 2), FUZZ_CXX (default clang++-14). Needs clang-14, libclang-rt-14-dev, llvm-14
# (scripts/install-deps.sh).
# Per target, the run directory $FEDMETRICS_FUZZ_DIR/run/<target>/ keeps the log, the grown corpus and any
# crash-*/leak-*/timeout-*/oom-* input; reproduce with: build-fuzz/<target>_fuzz <file>.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-60}"
shift || true
ALL_TARGETS=(label_selector quantity router metric_value kubeconfig http_request cron_schedule)
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=("${ALL_TARGETS[@]}")
FUZZ_DIR="${FEDMETRICS_FUZZ_DIR:-/tmp/fedmetrics-fuzz}"
# In the tree (a CMake cache belongs to the tree that configured it; /build*/ is git-ignored), so that ccache,
# with paths taken relative to the tree, also serves a fresh clone elsewhere (CI).
BUILD_DIR="${FEDMETRICS_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
RUN_DIR="$FUZZ_DIR/run"
CXX_BIN="${FUZZ_CXX:-clang++-14}"

if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
  exit 2
fi
if ! command -v "$CXX_BIN" >/dev/null; then
  echo "fuzz: $CXX_BIN not found; install clang-14 libclang-rt-14-dev llvm-14 (scripts/install-deps.sh)" >&2
  exit 2
fi

echo "fuzz: building in $BUILD_DIR"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
fi
mkdir -p "$FUZZ_DIR"
cmake -S "$ROOT/tests/fuzz" -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER="$CXX_BIN" "${launcher[@]}" \
  >"$FUZZ_DIR.cmake.log" 2>&1 ||
  { cat "$FUZZ_DIR.cmake.log" >&2; exit 1; }
build_targets=()
for t in "${TARGETS[@]}"; do build_targets+=("${t}_fuzz"); done
ninja -C "$BUILD_DIR" -j "${FUZZ_JOBS:-2}" "${build_targets[@]}"

# Leaks are reported by libFuzzer itself (-detect_leaks=1); UBSan is fatal (-fno-sanitize-recover).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
summaries=()
for t in "${TARGETS[@]}"; do
  exe="$BUILD_DIR/${t}_fuzz"
  seeds="$ROOT/tests/fuzz/corpus/$t"
  dict="$ROOT/tests/fuzz/dict/$t.dict"
  dir="$RUN_DIR/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  [[ -d "$seeds" ]] && cp -r "$seeds/." "$dir/corpus/"
  args=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$dir/" -print_final_stats=1)
  [[ -f "$dict" ]] && args+=(-dict="$dict")
  if ((SECONDS_PER_TARGET > 0)); then
    args+=(-max_total_time="$SECONDS_PER_TARGET")
  else
    args+=(-runs=0)
  fi
  echo "fuzz: $t (${SECONDS_PER_TARGET}s)"
  rc=0
  "$exe" "${args[@]}" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?

  # Figures from libFuzzer's last status line and final stats.
  status_line="$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1 || true)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -n 1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status_line")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status_line")"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$status_line")"
  [[ -n "$execs" ]] || execs="$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$status_line")"

  problem=""
  if grep -qE '==FUZZ-CHECK==|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)' "$dir/log"; then
    problem="$(grep -m1 -oE '==FUZZ-CHECK==.*|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer).*|runtime error:.*' "$dir/log" || true)"
  fi
  artifacts="$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)"
  if ((rc != 0)) || [[ -n "$problem" || -n "$artifacts" ]]; then
    failed+=("$t")
    summaries+=("$(printf '%-15s FAIL rc=%s %s; input: %s; log: %s' "$t" "$rc" "${problem:-}" \
      "${artifacts:-none}" "$dir/log")")
  else
    summaries+=("$(printf '%-15s ok   execs=%-9s exec/s=%-7s cov=%-5s ft=%-6s corpus=%s' "$t" "${execs:-?}" \
      "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")")
  fi
done

echo "fuzz: summary (${SECONDS_PER_TARGET}s per target; runs in $RUN_DIR)"
printf '%s\n' "${summaries[@]}"
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all targets clean"
