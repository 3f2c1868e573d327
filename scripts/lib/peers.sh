# shellcheck shell=bash
# Registry of upstream peer components built from the Go module proxy, and
# helpers to locate their cached binaries. Source it; it defines functions only
# (plus the pinned versions from scripts/peers/versions.env).
#
# Cache layout (outside the work tree):
#   ${FEDMETRICS_PEERS_CACHE:-$HOME/.cache/fedmetrics/peers}/
#     <component>-<version>/bin/<binary>   finished binaries (dir appears atomically)
#     <component>-<version>/BUILDINFO      go version, flags, build seconds
#     _helpers/<group>-<version>/          helper Go modules (go.mod/go.sum only)
#     _logs/<component>-<version>.log      full build output of the last attempt
#     .lock                                flock(1) lock held by build.sh

_fedmetrics_peers_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../peers/versions.env
. "$_fedmetrics_peers_lib_dir/../peers/versions.env"

FEDMETRICS_PEERS_ALL="etcd kube-apiserver kubectl kube-controller-manager prometheus-adapter kwok karmada-aggregated-apiserver karmada-controller-manager karmada-scheduler karmada-metrics-adapter helm"

fedmetrics_peers_cache() {
  printf '%s\n' "${FEDMETRICS_PEERS_CACHE:-$HOME/.cache/fedmetrics/peers}"
}

# fedmetrics_peer_info COMPONENT -> sets PEER_GROUP PEER_MODULE PEER_VERSION PEER_PKG PEER_BIN
# Returns 1 for an unknown component.
fedmetrics_peer_info() {
  PEER_GROUP= PEER_MODULE= PEER_VERSION= PEER_PKG= PEER_BIN=
  case "$1" in
    etcd)
      PEER_GROUP=etcd PEER_MODULE=go.etcd.io/etcd/server/v3 PEER_VERSION=$FEDMETRICS_ETCD_VERSION
      PEER_PKG=go.etcd.io/etcd/server/v3 PEER_BIN=etcd ;;
    kube-apiserver|kubectl|kube-controller-manager)
      PEER_GROUP=kubernetes PEER_MODULE=k8s.io/kubernetes PEER_VERSION=$FEDMETRICS_K8S_VERSION
      PEER_PKG=k8s.io/kubernetes/cmd/$1 PEER_BIN=$1 ;;
    prometheus-adapter)
      PEER_GROUP=prometheus-adapter PEER_MODULE=sigs.k8s.io/prometheus-adapter
      PEER_VERSION=$FEDMETRICS_PROMETHEUS_ADAPTER_VERSION
      PEER_PKG=sigs.k8s.io/prometheus-adapter/cmd/adapter PEER_BIN=adapter ;;
    kwok)
      PEER_GROUP=kwok PEER_MODULE=sigs.k8s.io/kwok PEER_VERSION=$FEDMETRICS_KWOK_VERSION
      PEER_PKG=sigs.k8s.io/kwok/cmd/kwok PEER_BIN=kwok ;;
    helm)
      PEER_GROUP=helm PEER_MODULE=helm.sh/helm/v3 PEER_VERSION=$FEDMETRICS_HELM_VERSION
      PEER_PKG=helm.sh/helm/v3/cmd/helm PEER_BIN=helm ;;
    karmada-aggregated-apiserver|karmada-controller-manager|karmada-scheduler|karmada-metrics-adapter)
      PEER_GROUP=karmada PEER_MODULE=github.com/karmada-io/karmada PEER_VERSION=$FEDMETRICS_KARMADA_VERSION
      PEER_PKG=github.com/karmada-io/karmada/cmd/${1#karmada-} PEER_BIN=$1 ;;
    *) return 1 ;;
  esac
}

# Packages built from one helper module (all share the module's dependency graph).
fedmetrics_peer_group_pkgs() {
  local c out=
  for c in $FEDMETRICS_PEERS_ALL; do
    fedmetrics_peer_info "$c"
    [ "$PEER_GROUP" = "$1" ] && out="$out $PEER_PKG"
  done
  printf '%s\n' "${out# }"
}

# fedmetrics_peer_bin COMPONENT -> path of the cached binary (prints nothing, returns 1 if absent).
fedmetrics_peer_bin() {
  fedmetrics_peer_info "$1" || return 1
  local p
  p="$(fedmetrics_peers_cache)/$1-$PEER_VERSION/bin/$PEER_BIN"
  [ -x "$p" ] || return 1
  printf '%s\n' "$p"
}
