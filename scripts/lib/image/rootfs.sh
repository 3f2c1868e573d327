#!/usr/bin/env bash
# Builds the image's base root file system: a minimal Debian 12 made only of the packages that hold the
# binary's shared libraries, plus tzdata (IANA zones for CronFederatedHPA) and the Mozilla CA bundle.
# No shell, no package manager, no other program: only libraries, data and a non-root user (65532).
#
# usage: scripts/lib/image/rootfs.sh OUT.tar PACKAGE...
#
# mmdebstrap's extract variant unpacks the packages and their dependencies without running any
# maintainer script (nothing runs inside the root file system, so no privileges and no emulation are
# needed); the extract hook below then removes what a library-only image does not need. Packages come from the
# host's apt sources (the same suites, security updates included). Used by scripts/image and the
# Dockerfile, so both build the same base.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT.tar PACKAGE..." >&2; exit 2; }
out=$1; shift
include=$(IFS=,; echo "$*")

# Runs on the host with the unpacked tree in $1.
trim='set -e; r=$1
  # Programs and interpreters that came in as dependencies (openssl, debconf): none is needed at run time.
  rm -rf "$r"/usr/bin "$r"/usr/sbin "$r"/bin "$r"/sbin "$r"/usr/share/perl5 "$r"/usr/lib/x86_64-linux-gnu/perl*
  rm -rf "$r"/usr/share/man "$r"/usr/share/info "$r"/usr/share/lintian "$r"/usr/share/locale "$r"/usr/share/debconf \
         "$r"/usr/share/pixmaps "$r"/usr/share/bug "$r"/usr/share/bash-completion "$r"/usr/share/gcc "$r"/usr/share/gdb \
         "$r"/usr/lib/x86_64-linux-gnu/gconv "$r"/usr/lib/x86_64-linux-gnu/audit "$r"/etc/debconf.conf \
         "$r"/usr/lib/ssl/misc "$r"/var/lib/dpkg "$r"/var/log/* "$r"/var/cache/*
  rm -rf "$r"/etc/ca-certificates
  # Keep the copyright file of every package (licences travel with the binaries), drop the rest of the docs.
  find "$r"/usr/share/doc -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  # The CA bundle update-ca-certificates would have written (maintainer scripts do not run here).
  mkdir -p "$r"/etc/ssl/certs
  cat "$r"/usr/share/ca-certificates/*/*.crt > "$r"/etc/ssl/certs/ca-certificates.crt
  rm -rf "$r"/usr/share/ca-certificates "$r"/etc/ca-certificates.conf
  # The non-root user and its home (distroless numbering), /tmp for libraries that want one.
  mkdir -p "$r"/etc "$r"/home/nonroot "$r"/tmp
  printf "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" > "$r"/etc/passwd
  printf "root:x:0:\nnonroot:x:65532:\n" > "$r"/etc/group
  printf "hosts: files dns\n" > "$r"/etc/nsswitch.conf
  chown 65532:65532 "$r"/home/nonroot; chmod 0700 "$r"/home/nonroot; chmod 1777 "$r"/tmp'

tree=$(mktemp -d "${TMPDIR:-/tmp}/fedmetrics-rootfs.XXXXXX")
trap 'rm -rf "$tree"' EXIT
# No device nodes in an image layer: the runtime creates /dev.
mmdebstrap --quiet --variant=extract --include="$include" --skip=output/dev,output/mknod \
  --extract-hook="$trim" bookworm "$tree"
# After mmdebstrap's own cleanup: its apt and dpkg settings, and files the container runtime provides
# (/etc/resolv.conf and /etc/hostname are the build host's).
rm -rf "$tree"/etc/apt "$tree"/etc/dpkg "$tree"/etc/fstab "$tree"/etc/hostname "$tree"/etc/resolv.conf \
       "$tree"/var "$tree"/dev
tar --sort=name --numeric-owner --format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$tree" -cf "$out" .
