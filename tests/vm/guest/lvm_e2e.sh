# shellcheck shell=bash
# shellcheck disable=SC2154 # vg, work and the helpers come from devstack/vm/guest/backupd-lvm.sh
# Runs INSIDE the test VM after devstack/vm/guest/backupd-lvm.sh (tests/vm/lvm_e2e.sh pipes
# both in): backupd with
# the lvm driver on real LVM, end to end. Prints "LVM E2E PASSED" and the figures; exits non-zero
# on any failure.
#   1. thick: an in-use volume, a writer writing all along, backup --force (temporary COW
#      snapshot read locally), the volume deleted, restored, compared.
#   2. thin, with changed_extent_incrementals: the same with a thin snapshot, kept as the volume's
#      incremental base (a thin snapshot, recorded in PostgreSQL); the full reads only what the
#      snapshot maps (thin_dump), then an incremental reads only what thin_delta says changed:
#      the kernel's count of bytes read from the snapshot devices (/sys/block/dm-N/stat) for the
#      full and the incremental; the superseded base is removed; both restored and compared.
#      (Part 1 runs with the option too: thick keeps none.)
#   3. local path vs iSCSI: MB/s of a full backup of the same volume read through the snapshot's
#      local path, then through a tgt export with CHAP and an open-iscsi login (iscsiadm),
#      restored through an export too, compared.
#   4. kill -9 of backupd while it reads over iSCSI; the restart's cleanup leaves no snapshot LV
#      but the volume's incremental base, no target, no session; the volume in-use again, the
#      backup error.
#   5. backup_use_temp_snapshot = false (the temporary-clone path): a forced backup of the in-use
#      thin volume reads a temporary clone LV, which is gone afterwards; restored, compared.
#      The base goes with the volume's delete at the end.
# The point-in-time check: KNOWN (MiB 0-31) is written before the backup and never again, the
# writer writes only WRITER (MiB 32-63) during it, so a restored KNOWN must equal what was
# written, whatever the writer did meanwhile; the incremental adds NEW (MiB 64-79).
known=(0 32)
writer=(32 32)
new=(64 16)

rm -rf "$work"
mkdir -p "$work"
lvm_setup
iscsi_setup
initiator=$(sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi)
[[ -n $initiator ]] || fail "no InitiatorName in /etc/iscsi/initiatorname.iscsi"

# backup_with_writer VOLUME DEVICE NAME FLAG...: backup --force while the writer writes WRITER;
# fails unless the writer completed passes during the backup. The backup's JSON goes to $out.
backup_with_writer() {
  local vol=$1 dev=$2 name=$3 before after
  shift 3
  start_writer "$dev" "${writer[@]}"
  for ((i = 0; i < 300; i++)); do
    (($(writer_passes) >= 1)) && break
    sleep 0.1
  done
  before=$(writer_passes)
  out=$(backup "$vol" "$name" --force "$@")
  after=$(writer_passes)
  stop_writer
  ((after > before)) || fail "the writer made no progress during backup $name ($before -> $after passes)"
  echo "  writer: $((after - before)) passes over MiB ${writer[0]}-$((writer[0] + writer[1] - 1)) during the backup"
}

# dm_read_bytes LV: bytes read from the LV's device-mapper device since its activation, by anyone:
# the kernel's count (field 3 of /sys/block/dm-N/stat, in 512-byte sectors).
dm_read_bytes() {
  local dm
  dm=$(basename "$(readlink -f "/dev/$vg/$1")")
  [[ $dm == dm-* && -r /sys/block/$dm/stat ]] || fail "no device-mapper device for $vg/$1 ($dm)"
  echo $(($(awk '{ print $3 }' "/sys/block/$dm/stat") * 512))
}
# proc_read_bytes PID: read_bytes of /proc/PID/io (what the process had the block layer read).
proc_read_bytes() { awk '/^read_bytes:/ { print $2 }' "/proc/$1/io"; }
# base_rows VOLUME: "SNAPSHOT BACKUP STATUS" per incremental base of the volume, from PostgreSQL.
base_rows() {
  psql "host=10.0.2.100 port=$BB_PG_PORT user=bb dbname=$BB_DB connect_timeout=10" -AtF' ' -c \
    "SELECT id, incremental_base_of, status FROM snapshots
     WHERE volume_id = '$1' AND incremental_base_of IS NOT NULL ORDER BY created_at" ||
    fail "psql: the volume's incremental bases"
}
# expect_base_record VOLUME LV BACKUP: the volume's only base record is LV's snapshot holding
# BACKUP (polled like one_snapshot_lv: the superseded record goes after its LV).
expect_base_record() {
  local rows
  for ((i = 0; i < 120; i++)); do
    rows=$(base_rows "$1")
    [[ $(cut -d' ' -f1-2 <<<"$rows") == "${2#_snapshot-} $3" ]] && return 0
    sleep 0.5
  done
  fail "volume $1: expected one base record, snapshot ${2#_snapshot-} of backup $3; found: $rows"
}
# one_snapshot_lv WHAT: the one snapshot LV of $vg, the volume's incremental base. A backup is
# available before the base it superseded is removed (after the commit), so this polls until one
# is left, and fails after 120 s.
one_snapshot_lv() {
  local lvs
  for ((i = 0; i < 240; i++)); do
    lvs=$(lvs_matching '^_snapshot-')
    [[ -n $lvs && $lvs != *$'\n'* ]] && break
    sleep 0.5
  done
  [[ -n $lvs && $lvs != *$'\n'* ]] || fail "expected one snapshot LV ($1), found: '$lvs'"
  echo "$lvs"
}

# restore_and_compare BACKUP NAME WHAT: restores BACKUP into a new volume NAME, fails unless its
# KNOWN and NEW regions equal what was written, and deletes it.
restore_and_compare() {
  local t rvol
  t=$(now)
  rvol=$(restore "$1" "$2")
  echo "  restore $3: $(since "$t") s"
  [[ $(region_sha "$(lv_path "$rvol")" "${known[@]}") == "$sum_known" &&
    $(region_sha "$(lv_path "$rvol")" "${new[@]}") == "$sum_new" ]] ||
    fail "the restore $3 ($2) does not hold the volume's data"
  ctl volume delete "$rvol" >/dev/null || fail "volume delete ($2)"
}

# ---------------------------------------------------------------- 1. thick, local snapshot
echo "== 1. thick LV, in-use, written during a forced backup"
start_backupd thick volume_driver.lvm_type=thick volume_driver.snapshot_cow_fraction=0.25 \
  changed_extent_incrementals=true
out=$(create_attached e2e-thick)
read -r vol dev <<<"$out"
attached+=("$vol")
[[ $(lvs --noheadings -o segtype "$vg/volume-$vol" | tr -d ' ') == linear ]] || fail "thick volume is not a linear LV"
fill "$dev" "${known[@]}"
sum_known=$(region_sha "$dev" "${known[@]}")
t=$(now)
backup_with_writer "$vol" "$dev" e2e-thick
echo "  backup: $(since "$t") s, source $(jq -r .source_kind <<<"$out") ($(jq -r .source_device <<<"$out"))"
[[ $(jq -r .source_kind <<<"$out") == temp-snapshot-local ]] || fail "thick backup did not read a local temporary snapshot: $out"
thick_backup=$(jq -r .id <<<"$out")
[[ $(volume_status "$vol") == in-use ]] || fail "thick volume not in-use after the backup"
# Thick reports no changed extents, so even with changed_extent_incrementals no base is kept.
[[ -z $(lvs_matching '^_snapshot-|^bbtmp-') ]] || fail "snapshot LVs left: $(lvs_matching '^_snapshot-|^bbtmp-')"
# The VG has room for one 1 GiB thick volume (and its COW store): the original goes first.
detach "$vol"
ctl volume delete "$vol" >/dev/null || fail "volume delete (thick)"
t=$(now)
rvol=$(restore "$thick_backup" e2e-thick-restored)
echo "  restore: $(since "$t") s into $rvol"
[[ $(region_sha "$(lv_path "$rvol")" "${known[@]}") == "$sum_known" ]] ||
  fail "thick: the restored KNOWN region differs from what was written before the backup"
echo "  restored KNOWN region equals the data written before the backup"
ctl volume delete "$rvol" >/dev/null || fail "volume delete (thick restored)"
stop_backupd

# ---------------------------------------------------------------- 2. thin: full + incremental
echo "== 2. thin LV, in-use, forced full backup with a writer, then a changed-extent incremental"
start_backupd thin volume_driver.lvm_type=thin volume_driver.target_helper=tgt \
  volume_driver.iscsi_portal=127.0.0.1:3260 iscsi_initiator_name="$initiator" backup_attach=local \
  changed_extent_incrementals=true
grep -q "changed extents through thin_delta" "$backupd_log" ||
  fail "the thin driver does not report changed extents: $(grep 'lvm driver:' "$backupd_log")"
out=$(create_attached e2e-thin)
read -r vol dev <<<"$out"
attached+=("$vol")
[[ $(lvs --noheadings -o segtype "$vg/volume-$vol" | tr -d ' ') == thin ]] || fail "thin volume is not a thin LV"
fill "$dev" "${known[@]}"
sum_known=$(region_sha "$dev" "${known[@]}")
t=$(now)
backup_with_writer "$vol" "$dev" e2e-thin-full
echo "  full backup: $(since "$t") s, source $(jq -r .source_kind <<<"$out")"
[[ $(jq -r .source_kind <<<"$out") == temp-snapshot-local ]] || fail "thin backup did not read a local temporary snapshot: $out"
full=$(jq -r .id <<<"$out")
# The thin snapshot's allocated extents (thin_dump): the full reads what the volume holds, not
# the 1 GiB.
grep -q "backup $full: [0-9]* bytes in [0-9]* ranges allocated in snapshot" "$backupd_log" ||
  fail "the full backup did not read by allocated extents: $(grep "backup $full" "$backupd_log")"
grep -o "backup $full: [0-9]* bytes in [0-9]* ranges allocated in snapshot" "$backupd_log" | sed 's/^/  /'
# The full's temporary snapshot stays as the volume's incremental base: a thin snapshot of the
# volume (no copy-on-write store to fill), recorded with the backup it holds.
base=$(one_snapshot_lv "the incremental base after the full backup")
[[ $(lvs --noheadings -o segtype,origin "$vg/$base" | xargs) == "thin volume-$vol" ]] ||
  fail "the base $base is not a thin snapshot of volume-$vol: $(lvs --noheadings -o segtype,origin "$vg/$base")"
expect_base_record "$vol" "$base" "$full"
full_read=$(dm_read_bytes "$base")
fill "$dev" "${new[@]}"
sum_new=$(region_sha "$dev" "${new[@]}")
t=$(now)
proc_before=$(proc_read_bytes "$backupd_pid")
out=$(backup "$vol" e2e-thin-incr --force --incremental)
proc_read=$(($(proc_read_bytes "$backupd_pid") - proc_before))
echo "  incremental backup: $(since "$t") s, $(jq -r .stored_bytes <<<"$out") bytes stored"
[[ $(jq -r .is_incremental <<<"$out") == true && $(jq -r .parent_id <<<"$out") == "$full" ]] ||
  fail "not an incremental of $full: $out"
incr=$(jq -r .id <<<"$out")
grep -q "backup $incr: [0-9]* bytes in [0-9]* ranges changed since base snapshot ${base#_snapshot-}" \
  "$backupd_log" || fail "the incremental did not read by changed extents: $(grep "backup $incr" "$backupd_log")"
grep -o "backup $incr: [0-9]* bytes in [0-9]* ranges changed since base snapshot" "$backupd_log" | sed 's/^/  /'
# Its snapshot is the new base; the superseded one is gone (LV and record).
old_base=$base
base=$(one_snapshot_lv "the incremental base after the incremental")
[[ $base != "$old_base" ]] || fail "the base was not replaced by the incremental's snapshot"
expect_base_record "$vol" "$base" "$incr"
incr_read=$(dm_read_bytes "$base")
echo "  bytes read from the snapshot devices (kernel: /sys/block/dm-N/stat): full $full_read," \
  "incremental $incr_read (NEW is $((new[1] * MIB)), plus what the writer rewrote in MiB" \
  "${writer[0]}-$((writer[0] + writer[1] - 1)) after the full's snapshot); backupd's read_bytes" \
  "(/proc/PID/io) during the incremental: $proc_read"
((full_read >= known[1] * MIB && full_read < 256 * MIB)) ||
  fail "the full backup read $full_read bytes of its snapshot: not its data (KNOWN and what the writer wrote, 32-256 MiB)"
((incr_read >= new[1] * MIB && incr_read < 64 * MIB)) ||
  fail "the incremental read $incr_read bytes of its snapshot: not the changed data (16-64 MiB)"
echo "INCREMENTAL READ (kernel count, snapshot device): $incr_read bytes vs the full's $full_read"
[[ $(volume_status "$vol") == in-use ]] || fail "thin volume not in-use after the backups"
[[ -z $(lvs_matching '^bbtmp-') ]] || fail "temporary LVs left: $(lvs_matching '^bbtmp-')"
for b in "$full" "$incr"; do
  t=$(now)
  rvol=$(restore "$b" "e2e-thin-restored-$b")
  echo "  restore of $b: $(since "$t") s"
  [[ $(region_sha "$(lv_path "$rvol")" "${known[@]}") == "$sum_known" ]] ||
    fail "thin: restored KNOWN region of backup $b differs from what was written before it"
  if [[ $b == "$incr" ]]; then
    [[ $(region_sha "$(lv_path "$rvol")" "${new[@]}") == "$sum_new" ]] ||
      fail "thin: the incremental's restore lacks the NEW region"
  fi
  ctl volume delete "$rvol" >/dev/null || fail "volume delete (thin restored)"
done
echo "  both restores: KNOWN region equal; the incremental's NEW region equal"

# ---------------------------------------------------------------- 3. local path vs iSCSI
echo "== 3. backup speed of the same in-use thin volume: local path vs iSCSI (iscsiadm, CHAP)"
out=$(backup "$vol" e2e-local-speed --force)
local_mbs=$(mbs "$out")
# A full backup too: its snapshot is the volume's base now (parts 3-4 leave it alone).
base=$(one_snapshot_lv "the incremental base after the full backup of part 3")
stop_backupd
start_backupd remote volume_driver.lvm_type=thin volume_driver.target_helper=tgt \
  volume_driver.iscsi_portal=127.0.0.1:3260 iscsi_initiator_name="$initiator" \
  backup_attach=remote iscsi_initiator=iscsiadm
out=$(backup "$vol" e2e-iscsi-speed --force)
iscsi_mbs=$(mbs "$out")
[[ $(jq -r .source_kind <<<"$out") == temp-snapshot-attached ]] || fail "remote backup did not read an export: $out"
[[ $(jq -r .source_device <<<"$out") == /dev/disk/by-path/ip-127.0.0.1:3260-iscsi-*-lun-1 ]] ||
  fail "remote backup did not read through an open-iscsi device: $(jq -r .source_device <<<"$out")"
restore_and_compare "$(jq -r .id <<<"$out")" e2e-iscsi-restored "through an export"
[[ -z $(tgtadm --lld iscsi --mode target --op show) ]] || fail "targets left after the iSCSI backup"
iscsiadm -m session >/dev/null 2>&1 && fail "iSCSI sessions left: $(iscsiadm -m session)"
echo "BACKUP SPEED local path: $local_mbs"
echo "BACKUP SPEED iSCSI (tgt + iscsiadm, CHAP): $iscsi_mbs"
stop_backupd

# ---------------------------------------------------------------- 4. kill -9 mid-backup
echo "== 4. kill -9 of backupd while it reads the exported snapshot over iSCSI, then restart"
# The failpoint holds the copy after its 4th MiB (delay), so the kill lands mid-read, logged in.
start_backupd crash volume_driver.lvm_type=thin volume_driver.target_helper=tgt \
  volume_driver.iscsi_portal=127.0.0.1:3260 iscsi_initiator_name="$initiator" \
  backup_attach=remote iscsi_initiator=iscsiadm failpoints=create.mid_upload=delay:300000@4
crash=$(ctlj backup create "$vol" --force --name e2e-crash | jq -er .id) || fail "backup create (crash)"
for ((i = 0; i < 600; i++)); do
  b=$(ctlj backup show "$crash")
  [[ $(jq -r .status <<<"$b") == creating && $(jq -r .bytes_done <<<"$b") -gt 0 ]] &&
    iscsiadm -m session >/dev/null 2>&1 && break
  [[ $(jq -r .status <<<"$b") == creating ]] || fail "backup left creating before the kill: $b"
  sleep 0.2
done
snaps=$(lvs_matching '^_snapshot-' | grep -vx "$base" || true)
targets=$(tgtadm --lld iscsi --mode target --op show)
sessions=$(iscsiadm -m session 2>&1) || fail "no iSCSI session while the backup reads: $sessions"
[[ -n $snaps ]] || fail "no snapshot LV while the backup reads"
grep -q "^Target [0-9]*: .*snapshot-" <<<"$targets" || fail "no snapshot target while the backup reads"
# CHAP: the target has an account bound (the login used it), not an open target.
sed -n '/Account information:/,/ACL information:/p' <<<"$targets" | grep -q '^ *[^ A]' ||
  fail "the export has no CHAP account: $targets"
echo "  mid-backup ($(jq -r .bytes_done <<<"$b") bytes read): snapshot LV $snaps, target with a CHAP account, session: $sessions"
kill -KILL "$backupd_pid"
wait "$backupd_pid" 2>/dev/null || true
backupd_pid=""
start_backupd restarted volume_driver.lvm_type=thin volume_driver.target_helper=tgt \
  volume_driver.iscsi_portal=127.0.0.1:3260 iscsi_initiator_name="$initiator" \
  backup_attach=remote iscsi_initiator=iscsiadm
b=$(ctlj backup show "$crash")
[[ $(jq -r .status <<<"$b") == error ]] || fail "the interrupted backup is not error after the restart: $b"
left=$(lvs_matching '^_snapshot-|^bbtmp-')
[[ $left == "$base" ]] || fail "snapshot LVs after recovery: '$left', expected only the base $base"
left=$(tgtadm --lld iscsi --mode target --op show)
[[ -z $left ]] || fail "targets left after recovery: $left"
left=$(iscsiadm -m session 2>&1) && fail "iSCSI sessions left after recovery: $left"
[[ $(volume_status "$vol") == in-use ]] || fail "volume is $(volume_status "$vol") after recovery, not in-use"
echo "  after the restart: backup error ($(jq -r .fail_reason <<<"$b")); no snapshot LV but the base, no target, no session; volume in-use"
stop_backupd

# ---------------------------------------------------------------- 5. the temporary-clone path
echo "== 5. backup_use_temp_snapshot = false: a forced backup of the in-use thin volume reads a temporary clone"
start_backupd clone volume_driver.lvm_type=thin backup_use_temp_snapshot=false
lvs_before=$(lvs_matching .)
t=$(now)
backup_with_writer "$vol" "$dev" e2e-clone
echo "  backup: $(since "$t") s, source $(jq -r .source_kind <<<"$out") ($(jq -r .source_device <<<"$out"))"
[[ $(jq -r .source_kind <<<"$out") == temp-clone-local ]] || fail "the backup did not read a temporary clone: $out"
[[ $(jq -r .source_reason <<<"$out") == *"backup_use_temp_snapshot = false"* ]] ||
  fail "the source reason does not name backup_use_temp_snapshot: $(jq -r .source_reason <<<"$out")"
# The clone was a thin volume of its own (a thin snapshot made a volume), read through its LV
# and deleted with the backup's end: the VG holds what it held before.
clone_lv=$(basename "$(jq -r .source_device <<<"$out")")
[[ $clone_lv == volume-* && $clone_lv != "volume-$vol" ]] ||
  fail "the source device is not a clone volume's LV: $(jq -r .source_device <<<"$out")"
[[ $(lvs_matching .) == "$lvs_before" ]] ||
  fail "LVs after the clone backup differ: before '$lvs_before', after '$(lvs_matching .)'"
[[ $(volume_status "$vol") == in-use ]] || fail "volume not in-use after the clone backup"
restore_and_compare "$(jq -r .id <<<"$out")" e2e-clone-restored "of the temporary clone's backup"
echo "  temporary clone $clone_lv read and removed; restored KNOWN and NEW regions equal"

detach "$vol"
ctl volume delete "$vol" >/dev/null || fail "volume delete (thin)"
left=$(lvs_matching '^_snapshot-|^bbtmp-')
[[ -z $left ]] || fail "snapshot LVs left after the volume's delete: $left"
[[ -z $(base_rows "$vol") ]] || fail "base records left after the volume's delete: $(base_rows "$vol")"
echo "  the volume's delete removed its incremental base ($base)"
stop_backupd
echo "LVM E2E PASSED"
