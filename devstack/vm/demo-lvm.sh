#!/usr/bin/env bash
# `devstack/demo.sh --driver lvm`: the demo's main job on real LVM, in the test VM. Builds
# backupd and backupctl on the host, starts a PostgreSQL on the host's 127.0.0.1 (forwarded into
# the guest), boots the VM (devstack/vm/boot.sh), copies the binaries in, runs
# guest/demo-lvm.sh there (a thin LV attached in-use, written, backup without --force refused,
# backup --force from a temporary thin snapshot, restore into a new LV, sha256 of both devices
# equal), then stops the VM and the PostgreSQL, whatever happened. Needs root and qemu.
# Environment: BB_BUILD_DIR (as devstack/lib/build.sh), BB_SKIP_BUILD=1 (use the binaries as
# built), BB_VM_CACHE, BB_VM_STATE (default: a temp dir), BB_DEMO_PG_DIR (default: a temp dir).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=devstack/lib/common.sh
source "$root/devstack/lib/common.sh"
# shellcheck source=devstack/lib/build.sh
source "$root/devstack/lib/build.sh"
# shellcheck source=devstack/lib/postgres.sh
source "$root/devstack/lib/postgres.sh"
# shellcheck source=devstack/vm/lib.sh
source "$here/lib.sh"
bb_require_root "the lvm demo (mmdebstrap, qemu)"
command -v qemu-system-x86_64 >/dev/null || bb_die "qemu-system-x86_64 is not installed (devstack/install-deps.sh)"

tmp=$(mktemp -d /tmp/bb-demo-lvm.XXXXXX)
chmod 755 "$tmp"
export BB_VM_STATE=${BB_VM_STATE:-$tmp/vm}
pg_dir=${BB_DEMO_PG_DIR:-$tmp/pg}
cleanup() {
  "$here/stop.sh" || true
  (bb_pg_stop "$pg_dir") >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

if [[ ${BB_SKIP_BUILD:-0} != 1 ]]; then
  bb_build backupd backupctl || bb_die "build failed"
fi
bb_log "guest image: $("$here/build-image.sh")"
port=$(bb_vm_free_port)
BB_PG_FAST=1 BB_PG_LISTEN=127.0.0.1 bb_pg_start "$pg_dir" "$port"
bb_pg_create_db "$pg_dir" bb_demo_lvm
BB_VM_GUESTFWD=$port BB_VM_OWNER_PID=$$ "$here/boot.sh"
mkdir -p "$tmp/bin"
strip --strip-debug -o "$tmp/bin/backupd" "$(bb_bin backupd)"
strip --strip-debug -o "$tmp/bin/backupctl" "$(bb_bin backupctl)"
bb_log "copying backupd, backupctl and schema/ into the guest's /opt/bb"
"$here/copy-in.sh" "$tmp/bin/backupd" "$tmp/bin/backupctl" /opt/bb/bin
"$here/copy-in.sh" "$root/schema" /opt/bb
cat "$here/guest/backupd-lvm.sh" "$here/guest/demo-lvm.sh" |
  "$here/run.sh" env BB_PG_PORT="$port" BB_DB=bb_demo_lvm BB_PREFIX=/opt/bb bash -s
