#!/usr/bin/env bash
# Builds tests/e2e/audit_validate (strict decoding of audit log lines into k8s.io/apiserver's
# audit.k8s.io/v1 Event) against the Kubernetes helper module of scripts/peers/build.sh, into the peers
# cache (outside the work tree), and prints the binary's path. Cached by the source and go.mod hashes;
# about 30-60 s the first time when kube-apiserver has been built (its packages are in GOCACHE), 0 s after.
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo_root/scripts/lib/peers.sh"
cache=$(fedmetrics_peers_cache)
helper="$cache/_helpers/kubernetes-$FEDMETRICS_K8S_VERSION"
if [ ! -f "$helper/.ready" ]; then
  "$repo_root/scripts/peers/build.sh" kube-apiserver >&2
fi
src="$repo_root/tests/e2e/audit_validate/main.go"
key=$(cat "$src" "$helper/go.mod" | sha256sum | cut -c1-16)
out="$cache/audit-validate-$key"
if [ ! -x "$out/bin/audit-validate" ]; then
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOWORK=off
  tmp=$(mktemp -d "$cache/.audit-validate.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  cp "$helper/go.mod" "$helper/go.sum" "$tmp/"
  mkdir -p "$tmp/cmd/audit-validate" "$tmp/bin"
  cp "$src" "$tmp/cmd/audit-validate/main.go"
  start=$(date +%s)
  (cd "$tmp" && nice -n 15 go build -trimpath -o "$tmp/bin/audit-validate" ./cmd/audit-validate) >&2
  echo "build-audit-validate: built in $(( $(date +%s) - start )) s" >&2
  rm -rf "$out" && mkdir -p "$out" && mv "$tmp/bin" "$out/bin"
fi
echo "$out/bin/audit-validate"
