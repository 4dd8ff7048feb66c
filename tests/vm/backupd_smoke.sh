#!/usr/bin/env bash
# VM test (run by tests/run.sh's vm stage, the VM already booted): backupd in the guest against
# the host's PostgreSQL; the steps are in guest/backupd_smoke.sh. Environment from the stage:
# BB_VM_STATE, BB_VM_PG_PORT, BB_VM_PG_DIR (the host's PostgreSQL), BB_VM_PREFIX (guest dir of
# the binaries and schema).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=devstack/lib/common.sh
source "$root/devstack/lib/common.sh"
# shellcheck source=devstack/lib/postgres.sh
source "$root/devstack/lib/postgres.sh"
db=bb_vm_smoke
bb_pg_create_db "$BB_VM_PG_DIR" "$db"
"$root/devstack/vm/run.sh" env BB_PG_PORT="$BB_VM_PG_PORT" BB_DB="$db" BB_PREFIX="$BB_VM_PREFIX" \
  bash -s <"$root/tests/vm/guest/backupd_smoke.sh"
