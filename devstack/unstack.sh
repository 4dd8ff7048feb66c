#!/usr/bin/env bash
# Stops what devstack/stack.sh started: backupd (SIGTERM), every loop device backed by a file in
# the state dir (volume attachments), the XFS mount and its loop device, PostgreSQL.
# Leaves no process, mount or loop device behind. Idempotent.
# Usage: devstack/unstack.sh [--purge]   (--purge also deletes $BB_STATE_DIR)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=devstack/lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=devstack/lib/postgres.sh
source "$here/lib/postgres.sh"
# shellcheck source=devstack/lib/xfs.sh
source "$here/lib/xfs.sh"
# shellcheck source=devstack/lib/backupd.sh
source "$here/lib/backupd.sh"

BB_STATE_DIR=${BB_STATE_DIR:-/var/lib/blockbackup-devstack}
purge=0
for arg in "$@"; do
  case $arg in
    --purge) purge=1 ;;
    -h | --help)
      sed -n '2,6p' "$0"
      exit 0
      ;;
    *) bb_die "unknown argument: $arg" ;;
  esac
done
bb_require_root "unstack (loop devices, mounts)"
case $BB_STATE_DIR in
  / | /root | /usr | /var | /tmp | "") bb_die "refusing BB_STATE_DIR=$BB_STATE_DIR" ;;
esac
if [[ ! -d $BB_STATE_DIR ]]; then
  bb_log "nothing to do: $BB_STATE_DIR does not exist"
  exit 0
fi
BB_STATE_DIR=$(cd "$BB_STATE_DIR" && pwd)

rc=0
bb_backupd_stop "$BB_STATE_DIR/run" || rc=1
# Attachments first (they hold files on the XFS mount), then the mount, then its image.
bb_xfs_down "$BB_STATE_DIR/volumes.img" "$BB_STATE_DIR/volumes" || rc=1
bb_loop_detach_under "$BB_STATE_DIR" || rc=1
bb_pg_stop "$BB_STATE_DIR/pg" || rc=1

if ((purge)); then
  if ((rc == 0)) && ! mountpoint -q "$BB_STATE_DIR/volumes" 2>/dev/null; then
    bb_log "removing $BB_STATE_DIR"
    rm -rf --one-file-system "$BB_STATE_DIR"
  else
    bb_die "not purging $BB_STATE_DIR: something could not be stopped"
  fi
fi
((rc == 0)) || bb_die "unstack finished with errors (see above)"
bb_log "devstack stopped"
