#!/usr/bin/env bash
# Build the real upstream peers (etcd, kube-apiserver, kubectl, ...) from the Go
# module proxy into a cache OUTSIDE the work tree. See docs/local-federation-notes.md.
#
# usage: scripts/peers/build.sh [--required LIST] [--force] [--list] [component... | all]
#
#   component   one of: etcd kube-apiserver kubectl kube-controller-manager
#               prometheus-adapter kwok karmada-aggregated-apiserver
#               karmada-controller-manager karmada-scheduler karmada-metrics-adapter helm
#               (default: all, in that order)
#   --required LIST  comma/space separated components whose failure makes the
#               script exit non-zero ("all" or "none" allowed). Default from
#               $FEDMETRICS_PEERS_REQUIRED, else the CI e2e set:
#               etcd kube-apiserver kubectl prometheus-adapter karmada-aggregated-apiserver
#   --force     rebuild even if the cached binary exists
#   --list      print component, version and cached path (or "missing"), then exit
#
# Environment:
#   FEDMETRICS_PEERS_CACHE   cache root (default $HOME/.cache/fedmetrics/peers)
#   FEDMETRICS_GOMODCACHE    module cache (default: `go env GOMODCACHE`)
#   FEDMETRICS_GOCACHE       build cache  (default: `go env GOCACHE`)
#   FEDMETRICS_GO_PARALLEL   go build -p (default 2)
#   FEDMETRICS_NICE          nice level for go commands (default 15)
#   FEDMETRICS_PEERS_LOCK_TIMEOUT  seconds to wait for another build.sh (default 7200)
#   FEDMETRICS_*_VERSION     see scripts/peers/versions.env
#
# Every component is built even if an earlier one failed; the exact error is
# printed (and the full log kept in <cache>/_logs/).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/peers.sh
. "$here/../lib/peers.sh"

required_spec=${FEDMETRICS_PEERS_REQUIRED-"etcd kube-apiserver kubectl prometheus-adapter karmada-aggregated-apiserver"}
force=0 list_only=0 comps=()
while [ $# -gt 0 ]; do
  case "$1" in
    --required) required_spec=$2; shift 2 ;;
    --required=*) required_spec=${1#*=}; shift ;;
    --force) force=1; shift ;;
    --list) list_only=1; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    all) read -r -a comps <<<"$FEDMETRICS_PEERS_ALL"; shift ;;
    -*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    *) comps+=("$1"); shift ;;
  esac
done
[ ${#comps[@]} -eq 0 ] && read -r -a comps <<<"$FEDMETRICS_PEERS_ALL"
for c in "${comps[@]}"; do
  fedmetrics_peer_info "$c" || { echo "build.sh: unknown component '$c' (known: $FEDMETRICS_PEERS_ALL)" >&2; exit 2; }
done
required_spec=${required_spec//,/ }
case " $required_spec " in *" all "*) required_spec="$FEDMETRICS_PEERS_ALL" ;; *" none "*) required_spec="" ;; esac

cache=$(fedmetrics_peers_cache)

if [ $list_only = 1 ]; then
  for c in "${comps[@]}"; do
    fedmetrics_peer_info "$c"
    printf '%-30s %-9s %s\n' "$c" "$PEER_VERSION" "$(fedmetrics_peer_bin "$c" || echo missing)"
  done
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: go not found in PATH" >&2; exit 1; }

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOWORK=off
unset GOBIN GOOS GOARCH
GOMODCACHE=${FEDMETRICS_GOMODCACHE:-$(go env GOMODCACHE)}
GOCACHE=${FEDMETRICS_GOCACHE:-$(go env GOCACHE)}
export GOMODCACHE GOCACHE
par=${FEDMETRICS_GO_PARALLEL:-2}
nicelvl=${FEDMETRICS_NICE:-15}

# Nothing downloaded or built may land in the work tree.
inside_tree() { case "$(realpath -m "$1")/" in "$repo_root"/*) return 0 ;; *) return 1 ;; esac; }
for d in "$cache" "$GOMODCACHE" "$GOCACHE"; do
  if inside_tree "$d"; then echo "build.sh: $d is inside the work tree $repo_root; refusing" >&2; exit 2; fi
done

mkdir -p "$cache/_helpers" "$cache/_logs" || exit 1
exec 9>"$cache/.lock"
if ! flock -n 9; then
  echo "build.sh: another build holds $cache/.lock; waiting (max ${FEDMETRICS_PEERS_LOCK_TIMEOUT:-7200}s)"
  flock -w "${FEDMETRICS_PEERS_LOCK_TIMEOUT:-7200}" 9 || { echo "build.sh: lock timeout" >&2; exit 1; }
fi

ts() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
gorun() { nice -n "$nicelvl" go "$@"; }

echo "build.sh: $(go version); cache=$cache GOMODCACHE=$GOMODCACHE GOCACHE=$GOCACHE -p $par nice $nicelvl"

# prepare_helper GROUP MODULE VERSION LOG -> helper module dir on stdout-free var HELPER
prepare_helper() {
  local group=$1 module=$2 version=$3 log=$4
  HELPER="$cache/_helpers/$group-$version"
  [ -f "$HELPER/.ready" ] && return 0
  rm -rf "$HELPER" && mkdir -p "$HELPER" || return 1
  local t0 modfile goline m pkgs p
  t0=$(ts)
  (
    echo "### prepare helper $group@$version in $HELPER"
    cd "$HELPER" || exit 1
    go mod init "fedmetrics.local/peers/$group" || exit 1
    modfile=$(go list -m -json "$module@$version" | jq -r '.GoMod // empty') || exit 1
    if [ -z "$modfile" ]; then
      modfile=$(go mod download -json "$module@$version" | jq -r '.GoMod // empty') || exit 1
    fi
    [ -n "$modfile" ] && [ -f "$modfile" ] || { echo "cannot fetch go.mod of $module@$version"; exit 1; }
    # The helper's go line sets the GODEBUG defaults of the binaries: copy upstream's.
    goline=$(go mod edit -json "$modfile" | jq -r '.Go // empty')
    [ -n "$goline" ] && go mod edit -go="$goline"
    if [ "$group" = kubernetes ]; then
      # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
      # ./staging/...; those replaces do not apply to a dependency, so pin the tags.
      local n=0
      for m in $(go mod edit -json "$modfile" | jq -r '.Replace[]? | select(.New.Path|startswith("./staging/")) | .Old.Path'); do
        go mod edit -replace="$m=$m@$FEDMETRICS_K8S_STAGING_VERSION" || exit 1
        n=$((n + 1))
      done
      echo "pinned $n staging modules to $FEDMETRICS_K8S_STAGING_VERSION"
      [ "$n" -gt 0 ] || { echo "no staging replaces found in $modfile"; exit 1; }
    fi
    pkgs=
    for p in $(fedmetrics_peer_group_pkgs "$group"); do pkgs="$pkgs $p@$version"; done
    # shellcheck disable=SC2086
    gorun get $pkgs || exit 1
  ) >>"$log" 2>&1 || return 1
  touch "$HELPER/.ready"
  echo "    helper $group@$version prepared (module download + resolve) in $(dt "$t0" "$(ts)") s"
  echo "### helper prepared in $(dt "$t0" "$(ts)") s" >>"$log"
}

ldflags_for() {
  local c=$1 v=$2 date minor
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  case "$PEER_GROUP" in
    kubernetes)
      minor=${v#v1.}; minor=${minor%%.*}
      printf '%s' "-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=$date -X k8s.io/client-go/pkg/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.buildDate=$date" ;;
    karmada)
      printf '%s' "-s -w -X github.com/karmada-io/karmada/pkg/version.gitVersion=$v -X github.com/karmada-io/karmada/pkg/version.gitTreeState=clean -X github.com/karmada-io/karmada/pkg/version.buildDate=$date" ;;
    kwok)
      printf '%s' "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$v -X sigs.k8s.io/kwok/pkg/consts.version=$v" ;;
    helm)
      printf '%s' "-s -w -X helm.sh/helm/v3/internal/version.version=$v -X helm.sh/helm/v3/internal/version.gitTreeState=clean" ;;
    *) printf '%s' "-s -w" ;;
  esac
}

# Progress: each component is announced as [k/N] with the wall time its last build took (kept per
# component in _logs/<component>.seconds, whatever the version), and a heartbeat line at least every
# HEARTBEAT seconds while it builds, so a long build (kube-apiserver: minutes) never looks stuck.
heartbeat_every=${FEDMETRICS_PEERS_HEARTBEAT:-20}
expected_of() {  # the last build's wall seconds: _logs/<c>.seconds, else a cached BUILDINFO's total_seconds
  local f="$cache/_logs/$1.seconds" b
  if [ -s "$f" ]; then cat "$f"; return; fi
  for b in "$cache/$1"-*/BUILDINFO; do
    [ -f "$b" ] && sed -n 's/^total_seconds=//p' "$b" | head -n 1 && return
  done
}
fmt_secs() { awk -v s="$1" 'BEGIN{s=int(s+0.5); if (s>=60) printf "%dm%02ds", s/60, s%60; else printf "%ds", s}'; }
expectation() {  # "expected ~4m10s from the last build" or "no earlier build to compare"
  local e; e=$(expected_of "$1")
  if [ -n "$e" ]; then printf 'expected ~%s from the last build' "$(fmt_secs "$e")"; else printf 'no earlier build to compare'; fi
}
start_heartbeat() {  # start_heartbeat LABEL COMPONENT T0: prints until stop_heartbeat
  local label=$1 comp=$2 t0=$3
  (
    while sleep "$heartbeat_every"; do
      echo "    $label $comp: still building, $(fmt_secs "$(dt "$t0" "$(ts)")") elapsed, $(expectation "$comp")"
    done
  ) &
  heartbeat_pid=$!
}
stop_heartbeat() { [ -n "${heartbeat_pid:-}" ] && kill "$heartbeat_pid" 2>/dev/null; wait "$heartbeat_pid" 2>/dev/null; heartbeat_pid=; }
trap stop_heartbeat EXIT

declare -A result secs
failed_required=0
total=${#comps[@]} k=0 run_t0=$(ts)
for c in "${comps[@]}"; do
  k=$((k + 1)); step="[$k/$total]"
  fedmetrics_peer_info "$c"
  final="$cache/$c-$PEER_VERSION"
  log="$cache/_logs/$c-$PEER_VERSION.log"
  if [ $force = 0 ] && [ -x "$final/bin/$PEER_BIN" ]; then
    result[$c]=cached; secs[$c]=0
    echo "==> $step $c $PEER_VERSION: cached ($final/bin/$PEER_BIN)"
    continue
  fi
  echo "==> $step $c $PEER_VERSION: building $PEER_PKG ($(expectation "$c"); $(fmt_secs "$(dt "$run_t0" "$(ts)")") into this run)"
  : >"$log"
  t0=$(ts)
  start_heartbeat "$step" "$c" "$t0"
  ok=1
  prepare_helper "$PEER_GROUP" "$PEER_MODULE" "$PEER_VERSION" "$log" || ok=0
  if [ $ok = 1 ]; then
    tmp="$final.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp/bin"
    ld=$(ldflags_for "$c" "$PEER_VERSION")
    cpu_u= cpu_s= maxrss=
    # GNU time (Debian package "time") gives CPU seconds and peak RSS; optional.
    timer=(env); [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%e %U %S %M' -o "$tmp/.time")
    tb=$(ts)
    if (cd "$HELPER" && echo "### go build -p $par -trimpath -ldflags '$ld' -o $tmp/bin/$PEER_BIN $PEER_PKG" &&
        "${timer[@]}" nice -n "$nicelvl" \
          go build -p "$par" -trimpath -ldflags "$ld" -o "$tmp/bin/$PEER_BIN" "$PEER_PKG") >>"$log" 2>&1; then
      te=$(ts)
      [ -s "$tmp/.time" ] && read -r _wall cpu_u cpu_s maxrss <"$tmp/.time"
      rm -f "$tmp/.time"
      [ "$c" = prometheus-adapter ] && ln -s adapter "$tmp/bin/prometheus-adapter"
      {
        echo "component=$c"; echo "version=$PEER_VERSION"; echo "package=$PEER_PKG"
        echo "go=$(go env GOVERSION)"; echo "ldflags=$ld"
        echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; echo "go_build_seconds=$(dt "$tb" "$te")"
        echo "total_seconds=$(dt "$t0" "$te")"
        echo "go_build_cpu_user_s=${cpu_u:-?}"; echo "go_build_cpu_sys_s=${cpu_s:-?}"
        echo "go_build_max_child_rss_kb=${maxrss:-?}"
        echo "size_bytes=$(stat -c %s "$tmp/bin/$PEER_BIN")"
        cp "$HELPER/go.mod" "$tmp/helper.go.mod"
      } >"$tmp/BUILDINFO"
      rm -rf "$final" && mv "$tmp" "$final" || ok=0
    else
      ok=0; rm -rf "$tmp"
    fi
  fi
  stop_heartbeat
  secs[$c]=$(dt "$t0" "$(ts)")
  if [ $ok = 1 ]; then
    result[$c]=built
    echo "==> $step $c $PEER_VERSION: built in ${secs[$c]} s wall ($(expectation "$c"))"
    printf '%s\n' "${secs[$c]}" >"$cache/_logs/$c.seconds"
    echo "    $c $PEER_VERSION: (go build cpu ${cpu_u:-?}u+${cpu_s:-?}s s, peak rss $(( ${maxrss:-0} / 1024 )) MiB), $(du -h "$final/bin/$PEER_BIN" | cut -f1), $final/bin/$PEER_BIN"
  else
    result[$c]=FAILED
    echo "==> $step $c $PEER_VERSION: FAILED after ${secs[$c]} s; error (last lines of $log):" >&2
    tail -n 40 "$log" | sed 's/^/    /' >&2
    case " $required_spec " in *" $c "*) failed_required=1 ;; esac
  fi
done

echo "---- summary ----"
for c in "${comps[@]}"; do
  req=optional; case " $required_spec " in *" $c "*) req=required ;; esac
  printf '%-30s %-7s %8s s  (%s)\n' "$c" "${result[$c]}" "${secs[$c]}" "$req"
done
exit $failed_required
