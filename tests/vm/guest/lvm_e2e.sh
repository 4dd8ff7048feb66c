# shellcheck shell=bash
# shellcheck disable=SC2154 # vg, work and the helpers come from devstack/vm/guest/backupd-lvm.sh
# Runs INSIDE the test VM after devstack/vm/guest/backupd-lvm.sh (tests/vm/lvm_e2e.sh pipes
# both in): backupd with
# the lvm driver on real LVM, end to end. Prints "LVM E2E PASSED" and the figures; exits non-zero
# on any failure.
#   1. thick: an in-use volume, a writer writing all along, backup --force (temporary COW
#      snapshot read locally), the volume deleted, restored, compared.
#   2. thin: the same with a thin snapshot, then an incremental; both restored and compared.
#   3. local path vs iSCSI: MB/s of a full backup of the same volume read through the snapshot's
#      local path, then through a tgt export with CHAP and an open-iscsi login (iscsiadm),
#      restored through an export too, compared.
#   4. kill -9 of backupd while it reads over iSCSI; the restart's cleanup leaves no snapshot LV,
#      no target, no session; the volume in-use again, the backup error.
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

# ---------------------------------------------------------------- 1. thick, local snapshot
echo "== 1. thick LV, in-use, written during a forced backup"
start_backupd thick volume_driver.lvm_type=thick volume_driver.snapshot_cow_fraction=0.25
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
echo "== 2. thin LV, in-use, forced full backup with a writer, then an incremental"
start_backupd thin volume_driver.lvm_type=thin volume_driver.target_helper=tgt \
  volume_driver.iscsi_portal=127.0.0.1:3260 iscsi_initiator_name="$initiator" backup_attach=local
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
fill "$dev" "${new[@]}"
sum_new=$(region_sha "$dev" "${new[@]}")
t=$(now)
out=$(backup "$vol" e2e-thin-incr --force --incremental)
echo "  incremental backup: $(since "$t") s, $(jq -r .stored_bytes <<<"$out") bytes stored"
[[ $(jq -r .is_incremental <<<"$out") == true && $(jq -r .parent_id <<<"$out") == "$full" ]] ||
  fail "not an incremental of $full: $out"
incr=$(jq -r .id <<<"$out")
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
stop_backupd
start_backupd remote volume_driver.lvm_type=thin volume_driver.target_helper=tgt \
  volume_driver.iscsi_portal=127.0.0.1:3260 iscsi_initiator_name="$initiator" \
  backup_attach=remote iscsi_initiator=iscsiadm
out=$(backup "$vol" e2e-iscsi-speed --force)
iscsi_mbs=$(mbs "$out")
[[ $(jq -r .source_kind <<<"$out") == temp-snapshot-attached ]] || fail "remote backup did not read an export: $out"
[[ $(jq -r .source_device <<<"$out") == /dev/disk/by-path/ip-127.0.0.1:3260-iscsi-*-lun-1 ]] ||
  fail "remote backup did not read through an open-iscsi device: $(jq -r .source_device <<<"$out")"
iscsi_backup=$(jq -r .id <<<"$out")
t=$(now)
rvol=$(restore "$iscsi_backup" e2e-iscsi-restored)
echo "  restore through an export: $(since "$t") s"
[[ $(region_sha "$(lv_path "$rvol")" "${known[@]}") == "$sum_known" && $(region_sha "$(lv_path "$rvol")" "${new[@]}") == "$sum_new" ]] ||
  fail "the backup read over iSCSI does not restore the volume's data"
ctl volume delete "$rvol" >/dev/null || fail "volume delete (iSCSI restored)"
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
snaps=$(lvs_matching '^_snapshot-')
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
[[ -z $(lvs_matching '^_snapshot-|^bbtmp-') ]] || fail "snapshot LVs left after recovery: $(lvs_matching '^_snapshot-|^bbtmp-')"
left=$(tgtadm --lld iscsi --mode target --op show)
[[ -z $left ]] || fail "targets left after recovery: $left"
left=$(iscsiadm -m session 2>&1) && fail "iSCSI sessions left after recovery: $left"
[[ $(volume_status "$vol") == in-use ]] || fail "volume is $(volume_status "$vol") after recovery, not in-use"
echo "  after the restart: backup error ($(jq -r .fail_reason <<<"$b")); no snapshot LV, no target, no session; volume in-use"

detach "$vol"
ctl volume delete "$vol" >/dev/null || fail "volume delete (thin)"
stop_backupd
echo "LVM E2E PASSED"
