#!/usr/bin/env bash
# Runs INSIDE the test VM (devstack/vm/capture-lvm-output.sh pipes it in; root). Makes a VG on the
# PV disk and records what real LVM prints: reports (--reportformat json), the outputs of the
# create/snapshot/remove commands, the error cases an LVM driver must handle, thin_delta
# between two thin snapshots and thin_dump of one. Each case NAME gives NAME.meta (LVM version, kernel, the exact
# argv, exit code), NAME.stdout and NAME.stderr. Writes a tar of the cases to stdout (everything
# else goes to stderr). Teardown first and on exit, so it can run again on the same boot.
set -uo pipefail
export LC_ALL=C
vg=bbcap
pv=/dev/disk/by-id/virtio-bb-vm-pv
out=$(mktemp -d /var/tmp/lvm-capture.XXXXXX)
holder=""
lvm_version=$(lvm version | sed -n 's/^ *LVM version: *//p')
thin_tools_version=$(thin_delta --version 2>&1 | head -n1)

log() { echo "capture: $*" >&2; }
teardown() {
  [[ -n $holder ]] && kill "$holder" 2>/dev/null
  holder=""
  if vgs "$vg" >/dev/null 2>&1; then
    dmsetup message "$vg-pool-tpool" 0 release_metadata_snap >/dev/null 2>&1
    vgchange -an "$vg" >/dev/null 2>&1
    vgremove -ff -y "$vg" >/dev/null 2>&1
  fi
  pvremove -ff -y "$pv" >/dev/null 2>&1
  wipefs -aq "$pv" 2>/dev/null
}
trap 'teardown; rm -rf "$out"' EXIT

# cap NAME ARGV...: run ARGV (no shell) with LC_ALL=C and record it. Returns the exit code.
cap() {
  local name=$1 rc
  shift
  "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"
  rc=$?
  {
    echo "lvm_version: $lvm_version"
    [[ $1 == thin_* ]] && echo "thin_provisioning_tools: $thin_tools_version"
    echo "kernel: $(uname -r)"
    echo "environment: LC_ALL=C"
    echo "command: $(printf '%q ' "$@" | sed 's/ $//')"
    echo "exit_code: $rc"
  } >"$out/$name.meta"
  log "$name: exit $rc"
  return $rc
}
die() {
  log "FAILED: $*"
  exit 1
}

# Fields an LVM driver reads. Sizes in bytes without suffix.
lv_fields=lv_name,vg_name,lv_size,lv_attr,lv_active,pool_lv,origin,data_percent,metadata_percent,snap_percent,lv_path,lv_dm_path,lv_uuid,segtype,lv_layout,lv_role,lv_device_open,lv_when_full,thin_id,chunk_size,lv_tags
vg_fields=vg_name,vg_attr,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,lv_count,snap_count,vg_uuid
pv_fields=pv_name,vg_name,pv_size,pv_free,pv_uuid
lvs_json() { cap "$1" lvm lvs --reportformat json --units b --nosuffix -a -o "$lv_fields" "${@:2}"; }

modprobe -a dm_mod dm_snapshot dm_thin_pool || die "modprobe"
[[ -b $pv ]] || die "no PV disk $pv"
teardown

cap version lvm version || die "lvm version"
cap pvcreate lvm pvcreate -y "$pv" || die pvcreate
cap vgcreate lvm vgcreate "$vg" "$pv" || die vgcreate
cap vgs_empty lvm vgs --reportformat json --units b --nosuffix -o "$vg_fields" "$vg" || die vgs

# Thick LV, COW snapshot of it.
cap lvcreate_thick lvm lvcreate -y -n vol1 -L 64m "$vg" || die lvcreate
dd if=/dev/urandom of="/dev/$vg/vol1" bs=1M count=8 oflag=direct status=none
cap lvcreate_thick_snapshot lvm lvcreate -y -s -n snap1 -L 16m "$vg/vol1" || die "thick snapshot"

# Thin pool, thin LV, thin snapshot (activation skip: inactive until lvchange -ay -K).
cap lvcreate_thin_pool lvm lvcreate -y --type thin-pool -n pool -L 512m "$vg" || die "thin pool"
cap lvcreate_thin lvm lvcreate -y --type thin -n tvol1 -V 128m --thinpool pool "$vg" || die "thin lv"
dd if=/dev/urandom of="/dev/$vg/tvol1" bs=1M count=16 oflag=direct status=none
cap lvcreate_thin_snapshot lvm lvcreate -y -s -n tsnap1 "$vg/tvol1" || die "thin snapshot"
lvs_json lvs_thin_snapshot_inactive "$vg/tsnap1"
cap lvchange_activate_skip_ignored lvm lvchange -ay -K "$vg/tsnap1" || die "lvchange -K"

# Reports of everything above.
lvs_json lvs_all "$vg" || die lvs
lvs_json lvs_one_thick "$vg/vol1"
lvs_json lvs_one_thin "$vg/tvol1"
cap vgs lvm vgs --reportformat json --units b --nosuffix -o "$vg_fields" "$vg"
cap pvs lvm pvs --reportformat json --units b --nosuffix -o "$pv_fields"
cap vgs_all_fields lvm vgs --reportformat json --units b --nosuffix -o +vg_free,vg_extent_size "$vg"

# thin_delta: write known blocks to the thin LV between two thin snapshots, then ask the pool's
# metadata (through a metadata snapshot, the pool stays active) which blocks differ.
chunk=$(lvs --noheadings --units b --nosuffix -o chunk_size "$vg/pool" | tr -d ' ')
dd if=/dev/urandom of="/dev/$vg/tvol1" bs=1M count=1 seek=4 oflag=direct status=none     # 4 MiB..5 MiB
dd if=/dev/urandom of="/dev/$vg/tvol1" bs=64K count=1 seek=1600 oflag=direct status=none # 100 MiB
dd if=/dev/urandom of="/dev/$vg/tvol1" bs=1M count=2 seek=32 oflag=direct status=none    # new: 32 MiB..34 MiB
cap lvcreate_thin_snapshot2 lvm lvcreate -y -s -n tsnap2 "$vg/tvol1" || die "thin snapshot 2"
id1=$(lvs --noheadings -o thin_id "$vg/tsnap1" | tr -d ' ')
id2=$(lvs --noheadings -o thin_id "$vg/tsnap2" | tr -d ' ')
lvs_json lvs_thin_ids "$vg"
cap dmsetup_ls dmsetup ls
cap dmsetup_status_pool dmsetup status "$vg-pool-tpool"
cap dmsetup_reserve_metadata_snap dmsetup message "$vg-pool-tpool" 0 reserve_metadata_snap || die reserve
# A second reserve while one is held (what a driver meets after a process died holding one).
cap dmsetup_reserve_metadata_snap_held dmsetup message "$vg-pool-tpool" 0 reserve_metadata_snap
cap thin_delta thin_delta -m --snap1 "$id1" --snap2 "$id2" "/dev/mapper/$vg-pool_tmeta"
cap thin_delta_verbose thin_delta -m --verbose --snap1 "$id1" --snap2 "$id2" "/dev/mapper/$vg-pool_tmeta"
# thin_dump: the mappings of one thin device (what a snapshot holds: the allocated extents), and
# of an id the pool does not have.
cap thin_dump_dev thin_dump -m --dev-id "$id2" "/dev/mapper/$vg-pool_tmeta"
cap thin_dump_missing_dev thin_dump -m --dev-id 4242 "/dev/mapper/$vg-pool_tmeta"
cap dmsetup_release_metadata_snap dmsetup message "$vg-pool-tpool" 0 release_metadata_snap || die release
cap thin_delta_without_metadata_snap thin_delta -m --snap1 "$id1" --snap2 "$id2" "/dev/mapper/$vg-pool_tmeta"
cap thin_dump_without_metadata_snap thin_dump -m --dev-id "$id2" "/dev/mapper/$vg-pool_tmeta"
{
  echo "pool chunk_size_bytes: $chunk"
  echo "thin_id tsnap1 (before the writes): $id1, tsnap2 (after): $id2"
  echo "writes to tvol1 between the snapshots (dd oflag=direct): 1 MiB at 4 MiB, 64 KiB at 100 MiB,"
  echo "2 MiB at 32 MiB (never written before); 16 MiB at 0 was written before tsnap1"
  echo "so in pool chunks: [$(((4 << 20) / chunk)), $(((5 << 20) / chunk))) differ (written before and after),"
  echo "[$(((32 << 20) / chunk)), $(((34 << 20) / chunk))) and [$(((100 << 20) / chunk)), $(((100 << 20) / chunk + 1))) exist only in tsnap2"
} >"$out/thin_delta.writes"
{
  echo "pool chunk_size_bytes: $chunk"
  echo "thin_dump_dev: the mappings of tsnap2 (thin_id $id2), everything tvol1 held then: 16 MiB at 0"
  echo "(1 MiB at 4 MiB rewritten after tsnap1), 2 MiB at 32 MiB, 64 KiB at 100 MiB"
  echo "thin_dump_missing_dev: --dev-id 4242, which the pool does not have (exit 0, no <device>)"
} >"$out/thin_dump.writes"

# Errors an LVM driver must turn into clear errors.
cap error_vg_missing_lvcreate lvm lvcreate -y -n x -L 8m bbnosuchvg
cap error_vg_missing_vgs lvm vgs --reportformat json --units b --nosuffix -o "$vg_fields" bbnosuchvg
cap error_lv_missing_lvs lvm lvs --reportformat json --units b --nosuffix -o "$lv_fields" "$vg/nosuchlv"
cap error_vg_full lvm lvcreate -y -n toobig -L 100g "$vg"
cap thin_overcommit_warning lvm lvcreate -y --type thin -n tbig -V 4g --thinpool pool "$vg"
cap lvremove_thin_overcommitted lvm lvremove -y "$vg/tbig"
cap error_lv_name_collision lvm lvcreate -y -n vol1 -L 8m "$vg"
cap error_lv_name_collision_thin lvm lvcreate -y --type thin -n tvol1 -V 8m --thinpool pool "$vg"

cap lvcreate_busy lvm lvcreate -y -n busy -L 8m "$vg" || die "lvcreate busy"
# A process holding the LV open (what an attached volume or a running reader looks like).
# shellcheck disable=SC2217 # the redirection is the point: it keeps the device open
sleep infinity <"/dev/$vg/busy" &
holder=$!
lvs_json lvs_busy_open "$vg/busy"
cap error_lvremove_busy lvm lvremove -y "$vg/busy"
cap error_lvremove_busy_force lvm lvremove -f -y "$vg/busy"
kill "$holder"
wait "$holder" 2>/dev/null
holder=""
cap lvremove_after_close lvm lvremove -y "$vg/busy"

# A COW snapshot whose exception store fills up: the kernel invalidates it.
cap lvcreate_fill_origin lvm lvcreate -y -n vol3 -L 64m "$vg" || die "lvcreate vol3"
cap lvcreate_small_snapshot lvm lvcreate -y -s -n snap3 -L 8m "$vg/vol3" || die "small snapshot"
lvs_json lvs_snapshot_before_fill "$vg/snap3"
dd if=/dev/urandom of="/dev/$vg/vol3" bs=1M count=32 oflag=direct status=none
sync
lvs_json lvs_snapshot_invalid "$vg/snap3"
cap dmsetup_status_invalid_snapshot dmsetup status "$vg-snap3"
cap error_read_invalid_snapshot dd if="/dev/$vg/snap3" of=/dev/null bs=1M count=1 iflag=direct
cap lvremove_invalid_snapshot lvm lvremove -y "$vg/snap3"

# Removal of snapshots and origins.
cap lvremove_thick_snapshot lvm lvremove -y "$vg/snap1"
cap lvremove_thin_snapshot lvm lvremove -y "$vg/tsnap1"
cap lvremove_origin_with_thin_snapshot lvm lvremove -y "$vg/tvol1"
lvs_json lvs_after_removals "$vg"
cap lvextend_thick lvm lvextend -y -L 96m "$vg/vol1"
cap lvextend_thin lvm lvextend -y -L 256m "$vg/tsnap2"

tar -C "$out" -cf - .
