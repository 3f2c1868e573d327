#!/usr/bin/env bash
# Prints, one a line, the Debian packages the image's base needs for BINARY: those that hold its shared
# libraries (ldd, then dpkg -S on the resolved file), plus tzdata (IANA zones, CronFederatedHPA) and
# ca-certificates. Run where BINARY was built (its libraries installed by dpkg).
#
# usage: scripts/lib/image/packages.sh BINARY
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BINARY" >&2; exit 2; }
{
  ldd "$1" | awk '$3 ~ /^\// {print $3} /^\t\/lib64\// {print $1}' | while read -r lib; do
    pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib") || { echo "no package owns $lib" >&2; exit 1; }
    echo "${pkg%%:*}"
  done
  echo tzdata
  echo ca-certificates
} | sort -u
