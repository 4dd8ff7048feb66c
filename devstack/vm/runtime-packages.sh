#!/usr/bin/env bash
# Prints the Debian packages of the shared libraries the given binaries link directly (their
# DT_NEEDED entries; default: backupd and backupctl of the build directory), and marks those
# guest-packages.txt does not list by name (their own dependencies come with them).
# A library the guest lacks is also caught at run time: the VM smoke fails on `ldd ... not found`.
# Libraries that come with every Debian system (libc6, libgcc-s1, zlib1g, ...) may show as not
# listed: they are in the guest anyway.
#   devstack/vm/runtime-packages.sh [BINARY...]
set -euo pipefail
# shellcheck source=devstack/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo=$(cd "$BB_VM_DIR/../.." && pwd)
build=${BB_BUILD_DIR:-build}
[[ $build == /* ]] || build=$repo/$build
(($#)) || set -- "$build/cmd/backupd/backupd" "$build/cmd/backupctl/backupctl"
listed=$(bb_vm_packages)
needed=$(for b in "$@"; do readelf -d "$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; done | sort -u)
ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u | while read -r soname lib; do
  grep -qxF "$soname" <<<"$needed" || continue
  real=$(readlink -f "$lib")
  # dpkg knows a library by the path its package installed (/lib or /usr/lib: usrmerge).
  pkg=$(dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null || dpkg -S "/usr$real" 2>/dev/null || echo "?: $real")
  echo "${pkg%%:*}"
done | sort -u | while read -r pkg; do
  if grep -qxF "$pkg" <<<"$listed"; then echo "$pkg"; else echo "$pkg (not listed in guest-packages.txt)"; fi
done
