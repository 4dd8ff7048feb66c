#!/usr/bin/env bash
# End to end: the demo scenario with a writer running during the backup, on an isolated stack
# (own state dir under /tmp, own PostgreSQL, own XFS image, backupd on a free 127.0.0.1 port).
#   1 GiB volume, attached; first half: a known pattern (sha256 recorded from the device);
#   second half: odirect_writer writes self-describing blocks with O_DIRECT|O_SYNC;
#   backup without --force is refused (FAILED_PRECONDITION); backup --force --wait while the
#   writer runs; the volume is in-use again; restore into a new volume and attach it;
#   first half identical; second half is crash-consistent (a prefix 1..S of the writer's blocks,
#   S > 0); the backup's snapshot stays as the volume's incremental base until the backup's
#   delete; detach, delete, clean up, no snapshot file left.
# Needs root and a build (BB_BUILD_DIR, default build/). Prints PASS or FAIL; exit 0 = PASS,
# 77 = skipped (not root).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/e2e/lib/stack.sh
source "$root/tests/e2e/lib/stack.sh"

e2e_begin demo_scenario_test bb-e2e backupd backupctl odirect_writer
backupd=${e2e_bin[backupd]}
backupctl=${e2e_bin[backupctl]}
writer=${e2e_bin[odirect_writer]}
writer_pid=""
# shellcheck disable=SC2016 # expanded at teardown, when the pid is known
e2e_on_exit 'e2e_kill_pid "$writer_pid"'

jq_get() { # JSON FILTER
  local v
  v=$(jq -er "$2" <<<"$1") || fail "no $2 in: $1"
  echo "$v"
}

half=$((512 << 20))

# --- the isolated stack -------------------------------------------------------------------------
e2e_stack_up 4G
conf=$state/backupd.conf
bb_backupd_write_config "$conf" \
  "listen=127.0.0.1:0" \
  "api_listen=127.0.0.1:0" \
  "database=$(bb_pg_conninfo "$state/pg" bb)" \
  "host=e2e-$(hostname)" \
  "volumes_dir=$state/volumes" \
  "store_path=$state/backups" \
  "port_file=$state/run/backupd.port" \
  "log_level=debug"
bb_backupd_start "$backupd" "$conf" "$state/run" "$backupctl"
endpoint=$(bb_backupd_endpoint "$conf")
ctl() { "$backupctl" --endpoint "$endpoint" "$@"; }
ctlj() { ctl --json "$@"; }
volume_status() { jq_get "$(ctlj volume show "$1")" .status; }
# sha256 of LENGTH bytes from OFFSET of a device, read with O_DIRECT, 4 MiB at a time.
dev_sha256() { # DEV OFFSET LENGTH
  dd if="$1" bs=4M skip=$(($2 >> 22)) count=$(($3 >> 22)) iflag=direct status=none |
    sha256sum | cut -d' ' -f1
}

# --- source volume, attached, with a pattern in its first half -------------------------------
bb_log "create and attach a 1 GiB volume"
out=$(ctlj volume create --size-gib 1 --name e2e-source) || fail "volume create"
vol=$(jq_get "$out" .id)
[[ $(jq_get "$out" .status) == available ]] || fail "new volume not available: $out"
out=$(ctlj volume attach "$vol" --instance "$(</proc/sys/kernel/random/uuid)") || fail "attach"
dev=$(jq_get "$out" .device)
[[ -b $dev ]] || fail "attachment device $dev is not a block device"
[[ $(volume_status "$vol") == in-use ]] || fail "volume not in-use after attach"
(($(blockdev --getsize64 "$dev") == 2 * half)) || fail "device size is not 1 GiB"

bb_log "write the pattern to the first half of $dev"
dd if=/dev/urandom of="$dev" bs=1M count=256 oflag=direct status=none
# seq is cut short by dd (SIGPIPE): that is expected, not a failure.
{ seq -f 'e2e pattern line %010.0f the quick brown fox jumps over the lazy dog' 1 4000000 || true; } |
  dd of="$dev" bs=1M seek=256 count=256 iflag=fullblock oflag=direct status=none
sync
sum_first=$(dev_sha256 "$dev" 0 "$half")
bb_log "first half sha256 $sum_first"

# --- writer on the second half -------------------------------------------------------------------
"$writer" write "$dev" --offset "$half" --length "$half" --block 4096 >"$state/writer.out" 2>&1 &
writer_pid=$!
bb_wait_for 30 grep -q '^started' "$state/writer.out" ||
  fail "writer did not start: $(cat "$state/writer.out")"
bb_log "writer running (pid $writer_pid): $(head -n1 "$state/writer.out")"

# --- backup without force is refused ------------------------------------------------------------
set +e
err=$(ctl backup create "$vol" --name e2e-noforce 2>&1 >/dev/null)
rc=$?
set -e
((rc == 1)) || fail "backup without --force: exit $rc (expected 1); output: $err"
expected="error: FAILED_PRECONDITION: Backing up an in-use volume must use the force flag."
[[ $err == *"$expected"* ]] || fail "backup without --force: got '$err', expected '$expected'"
bb_log "refused as expected: $err"

# --- backup with force while the writer runs ----------------------------------------------------
bb_pid_alive "$writer_pid" || fail "writer stopped before the backup started: $(cat "$state/writer.out")"
bb_log "backup --force --wait (writer running)"
out=$(ctlj backup create "$vol" --force --wait --name e2e-backup) || fail "backup create --force"
alive_at_end=no
bb_pid_alive "$writer_pid" && alive_at_end=yes
kill -TERM "$writer_pid"
wait "$writer_pid" || fail "writer failed: $(cat "$state/writer.out")"
writer_pid=""
written=$(sed -n 's/^written=\([0-9]*\).*/\1/p' "$state/writer.out")
bb_log "writer stopped: $written blocks written; still running when the backup finished: $alive_at_end"
backup=$(jq_get "$out" .id)
[[ $(jq_get "$out" .status) == available ]] ||
  fail "backup status $(jq -r .status <<<"$out"): $(jq -r .fail_reason <<<"$out")"
(($(jq_get "$out" .object_count) > 0)) || fail "backup has no objects: $out"
(($(jq_get "$out" .stored_bytes) > 0)) || fail "backup stored no bytes: $out"
bb_log "backup $backup: $(jq -c '{status, size_gib, object_count, stored_bytes, source_kind}' <<<"$out")"
[[ $(volume_status "$vol") == in-use ]] || fail "volume is $(volume_status "$vol") after the backup, not in-use"
# Its temporary snapshot stays as the volume's incremental base (changed_extent_incrementals, on
# by default): the one snapshot file, until the backup's or the volume's delete.
snapshot_files() { find "$state/volumes" -maxdepth 1 -name 'snapshot-*' -printf '%f\n'; }
snaps=$(snapshot_files)
[[ -n $snaps && $snaps != *$'\n'* ]] || fail "expected one snapshot file (the incremental base), found: '${snaps}'"

# --- restore and check --------------------------------------------------------------------------
bb_log "restore into a new volume"
out=$(ctlj backup restore "$backup" --name e2e-restored --wait) || fail "backup restore"
rvol=$(jq_get "$out" .volume_id)
[[ $(volume_status "$rvol") == available ]] || fail "restored volume is $(volume_status "$rvol")"
[[ $(jq_get "$(ctlj backup show "$backup")" .status) == available ]] ||
  fail "backup is not available after the restore"
out=$(ctlj volume attach "$rvol" --instance "$(</proc/sys/kernel/random/uuid)") || fail "attach restored"
rdev=$(jq_get "$out" .device)
(($(blockdev --getsize64 "$rdev") == 2 * half)) || fail "restored device size is not 1 GiB"

sum_restored=$(dev_sha256 "$rdev" 0 "$half")
[[ $sum_restored == "$sum_first" ]] || fail "first half differs: restored $sum_restored, original $sum_first"
bb_log "first half identical ($sum_restored)"

s=$("$writer" verify "$rdev" --offset "$half" --length "$half" --block 4096) ||
  fail "second half is not crash-consistent (see verify's message above)"
bb_log "second half crash-consistent: writer blocks 1..$s present, the rest never written"
((s > 0)) || fail "the restored copy holds no writer block, though the writer started before the backup"
((s <= written)) || fail "restored copy has $s blocks, more than the $written written"

# --- detach and delete --------------------------------------------------------------------------
ctl volume detach "$vol" >/dev/null || fail "detach source"
ctl volume detach "$rvol" >/dev/null || fail "detach restored"
[[ $(volume_status "$vol") == available ]] || fail "source not available after detach"
[[ $(volume_status "$rvol") == available ]] || fail "restored volume not available after detach"
ctl backup delete "$backup" >/dev/null || fail "backup delete"
for _ in $(seq 1 300); do
  st=$(ctlj backup show "$backup" 2>/dev/null | jq -r .status) || st=gone
  [[ $st == deleted || $st == gone ]] && break
  [[ $st == error_deleting ]] && fail "backup delete ended in error_deleting"
  sleep 0.2
done
[[ $st == deleted || $st == gone ]] || fail "backup still $st after 60 s"
[[ -z $(snapshot_files) ]] || fail "snapshot files left after the backup's delete: $(snapshot_files)"
ctl volume delete "$vol" >/dev/null || fail "delete source volume"
ctl volume delete "$rvol" >/dev/null || fail "delete restored volume"
[[ -z $(bb_loop_devices_under "$state/volumes") ]] || fail "loop devices left after detach"

bb_log "writer blocks in the restored copy: S=$s of $written written"
result=PASS
