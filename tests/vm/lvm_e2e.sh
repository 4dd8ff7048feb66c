#!/usr/bin/env bash
# VM test (run by tests/run.sh's vm stage, the VM already booted): backupd with the lvm driver in
# the guest, end to end: forced backups of in-use thick and thin LVs under a writer, restores,
# an incremental, the remote path (tgt export with CHAP, open-iscsi login), backup MB/s local vs
# iSCSI, and kill -9 mid-backup with the restart's cleanup. Steps: guest/lvm_e2e.sh (after
# devstack/vm/guest/backupd-lvm.sh, the helpers it shares with the lvm demo). Environment from the stage: BB_VM_STATE, BB_VM_PG_PORT, BB_VM_PG_DIR,
# BB_VM_PREFIX.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=devstack/lib/common.sh
source "$root/devstack/lib/common.sh"
# shellcheck source=devstack/lib/postgres.sh
source "$root/devstack/lib/postgres.sh"
db=bb_vm_lvm_e2e
bb_pg_create_db "$BB_VM_PG_DIR" "$db"
cat "$root/devstack/vm/guest/backupd-lvm.sh" "$root/tests/vm/guest/lvm_e2e.sh" |
  "$root/devstack/vm/run.sh" env BB_PG_PORT="$BB_VM_PG_PORT" BB_DB="$db" BB_PREFIX="$BB_VM_PREFIX" \
    bash -s
