# shellcheck shell=bash
# shellcheck disable=SC2154 # vg, work and the helpers come from guest/backupd-lvm.sh
# Runs INSIDE the test VM after guest/backupd-lvm.sh (devstack/vm/demo-lvm.sh pipes both in): the
# demo's main job (devstack/demo.sh) with the lvm driver, step by step:
#   a thin LV volume (1 GiB) -> attached (in-use) -> 64 MiB of mixed data written (O_DIRECT)
#   -> backup without --force is refused -> backup --force (temporary thin snapshot read through
#   its local path) -> the volume is in-use again -> restore into a new LV -> sha256 of both
#   devices equal -> detach, delete.
step_no=0
step() {
  step_no=$((step_no + 1))
  printf '\n=== Step %d: %s\n' "$step_no" "$*"
}
show() {
  printf '$ %s\n' "$*" >&2
  "$@"
}
dev_sha256() { dd if="$1" bs=4M iflag=direct status=none | sha256sum | cut -d' ' -f1; }

rm -rf "$work"
mkdir -p "$work"
step "A volume group on the guest's disk, with a thin pool"
lvm_setup
step "backupd with volume_driver = lvm (lvm_type = thin), database on the host"
start_backupd demo volume_driver.lvm_type=thin
bctl() {
  printf '$ backupctl %s\n' "$*" >&2
  ctl "$@"
}

step "Create a 1 GiB volume and attach it to an instance"
out=$(bctl --json volume create --size-gib 1 --name demo-lvm) || fail "volume create"
vol=$(jq -er .id <<<"$out")
out=$(bctl --json volume attach "$vol" --instance "$(cat /proc/sys/kernel/random/uuid)") || fail "attach"
attached+=("$vol")
dev=$(jq -er .device <<<"$out")
echo "volume $vol: $(volume_status "$vol"), device $dev -> $(readlink -f "$dev")"
show lvs -o lv_name,lv_size,segtype,pool_lv "$vg"

step "Write 64 MiB of mixed data to $dev (O_DIRECT): 24 MiB random, 16 MiB zeros, 24 MiB text"
show dd if=/dev/urandom of="$dev" bs=1M count=24 oflag=direct status=none
show dd if=/dev/zero of="$dev" bs=1M count=16 seek=24 oflag=direct status=none
{ seq -f 'line %09.0f: the quick brown fox jumps over the lazy dog' 1 2000000 || true; } |
  dd of="$dev" bs=1M count=24 seek=40 iflag=fullblock oflag=direct status=none
sum_orig=$(dev_sha256 "$dev")
echo "sha256 of $dev: $sum_orig"

step "Back up the in-use volume WITHOUT --force: must be refused"
if refusal=$(bctl backup create "$vol" 2>&1); then
  fail "backup of an in-use volume without --force was accepted"
fi
echo "$refusal"
[[ $refusal == *FAILED_PRECONDITION* ]] || fail "refused, but not with FAILED_PRECONDITION"

step "Back up the in-use volume with --force (crash-consistent, from a temporary thin snapshot)"
out=$(bctl --json backup create "$vol" --force --wait --name demo-lvm 2>"$work/wait.log") || {
  cat "$work/wait.log" >&2
  fail "backup create --force"
}
jq '{id, status, source_kind, source_device, stored_bytes, object_count, mb_per_s}' <<<"$out"
backup_id=$(jq -er .id <<<"$out")
[[ $(jq -r .status <<<"$out") == available ]] || fail "backup not available"
[[ $(volume_status "$vol") == in-use ]] || fail "the volume is not in-use after the backup"
# The temporary thin snapshot stays as the volume's incremental base (changed_extent_incrementals,
# on by default): the next --incremental reads only what changed since it. Nothing else is left.
snaps=$(lvs_matching '^_snapshot-|^bbtmp-')
[[ $(wc -l <<<"$snaps") -le 1 ]] || fail "snapshot LVs left besides the incremental base: $snaps"
echo "volume $vol: in-use again; its snapshot LVs: ${snaps:-none} (the incremental base for the next --incremental)"

step "Restore the backup into a new volume"
out=$(bctl --json backup restore "$backup_id" --name demo-lvm-restore --wait 2>"$work/wait.log") || {
  cat "$work/wait.log" >&2
  fail "restore"
}
rvol=$(jq -er .volume_id <<<"$out")
[[ $(volume_status "$rvol") == available ]] || fail "restored volume not available"

step "Compare the restored LV with the original"
sum_restored=$(dev_sha256 "$(lv_path "$rvol")")
sum_now=$(dev_sha256 "$dev")
echo "sha256 original $dev: $sum_now"
echo "sha256 restored $(lv_path "$rvol"): $sum_restored"
[[ $sum_now == "$sum_orig" && $sum_restored == "$sum_orig" ]] || fail "restored data differs from the original"

step "Detach and delete"
bctl volume detach "$vol"
attached=()
bctl --json backup delete "$backup_id" | jq -c '{id, status}'
for ((i = 0; i < 300; i++)); do
  s=$(ctlj backup show "$backup_id" 2>/dev/null | jq -r .status) || s=deleted
  [[ $s == deleted || -z $s ]] && break
  sleep 0.2
done
bctl volume delete "$vol"
bctl volume delete "$rvol"
stop_backupd
echo
echo "DEMO PASSED (lvm, in the test VM): backup $backup_id of in-use thin LV volume-$vol restored identically (sha256 $sum_orig)"
