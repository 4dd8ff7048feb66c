#!/usr/bin/env bash
# The demo, step by step: bring the devstack up, then back up an attached (in-use) volume that
# holds data, restore it into a new volume and prove the copy is identical.
#   create a 1 GiB volume -> attach it (a loop device) -> write 256 MiB of mixed data with O_DIRECT
#   -> backup without --force is refused -> backup --force -> the volume is in-use again
#   -> restore into a new volume -> attach it -> sha256 of both devices match -> detach both
# Leaves the services running (devstack/unstack.sh stops them). The demo's volumes and backup are
# deleted at the end unless --keep is given (or the demo failed: then they are left to look at).
# Environment: as devstack/stack.sh (BB_STATE_DIR, BB_LISTEN, BB_SKIP_DEPS, BB_SKIP_BUILD...).
# --driver lvm: the same job with the lvm driver on real LVM, run in the test VM (boots it, runs,
# stops it; devstack/vm/demo-lvm.sh). --driver file (the default): the devstack on this host.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=devstack/lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=devstack/lib/build.sh
source "$here/lib/build.sh"
# shellcheck source=devstack/lib/backupd.sh
source "$here/lib/backupd.sh"

keep=0
driver="file"
while (($#)); do
  case $1 in
    --keep) keep=1 ;;
    --driver)
      (($# >= 2)) || bb_die "--driver needs a value: file or lvm"
      driver=$2
      shift
      ;;
    --driver=*) driver=${1#--driver=} ;;
    -h | --help)
      sed -n '2,12p' "$0"
      exit 0
      ;;
    *) bb_die "unknown argument: $1" ;;
  esac
  shift
done
case $driver in
  file) ;;
  lvm) exec "$here/vm/demo-lvm.sh" ;;
  *) bb_die "--driver must be file or lvm, got '$driver'" ;;
esac
BB_STATE_DIR=${BB_STATE_DIR:-/var/lib/blockbackup-devstack}
export BB_STATE_DIR

step_no=0
step() {
  step_no=$((step_no + 1))
  printf '\n=== Step %d: %s\n' "$step_no" "$*"
}
fail() {
  printf '\nDEMO FAILED at step %d: %s\n' "$step_no" "$*" >&2
  exit 1
}
# Show a command, then run it.
show() {
  local shown=("$@")
  case $1 in
    ctl) shown=(backupctl "${@:2}") ;;
    ctlj) shown=(backupctl --json "${@:2}") ;;
  esac
  printf '$ %s\n' "${shown[*]}" >&2
  "$@"
}

attached=()
created_volumes=()
backup_id=""
finished=0
cleanup() {
  local rc=$? v
  # Never leave a demo volume attached: detach whatever this run attached.
  for v in "${attached[@]}"; do
    ctl volume detach "$v" >/dev/null 2>&1 || true
  done
  if ((rc != 0 && finished == 0)); then
    echo "demo: failed; volumes ${created_volumes[*]:-none} and backup ${backup_id:-none} left for inspection" >&2
  fi
}
trap cleanup EXIT

step "Bring up the devstack (devstack/stack.sh)"
"$here/stack.sh"
backupctl=$(bb_bin backupctl)
endpoint=$(bb_backupd_endpoint "$BB_STATE_DIR/backupd.conf") || fail "backupd endpoint unknown"
ctl() { "$backupctl" --endpoint "$endpoint" "$@"; }
ctlj() { ctl --json "$@"; }
# jq_get JSON FILTER: one field, failing on null/missing.
jq_get() {
  local v
  v=$(jq -er "$2" <<<"$1") || fail "no $2 in: $1"
  echo "$v"
}
# sha256 of a whole block device, read with O_DIRECT (no stale page cache).
dev_sha256() { dd if="$1" bs=4M iflag=direct status=none | sha256sum | cut -d' ' -f1; }
volume_status() { jq_get "$(ctlj volume show "$1")" .status; }

size_gib=1
size_bytes=$((size_gib << 30))
tag=demo-$(date +%Y%m%d-%H%M%S)

step "Create a ${size_gib} GiB volume"
out=$(show ctlj volume create --size-gib "$size_gib" --name "$tag") || fail "volume create failed"
echo "$out" | jq .
vol=$(jq_get "$out" .id)
created_volumes+=("$vol")
[[ $(jq_get "$out" .status) == available ]] || fail "new volume is not available: $out"

step "Attach it to an instance"
instance=$(</proc/sys/kernel/random/uuid)
out=$(show ctlj volume attach "$vol" --instance "$instance") || fail "attach failed"
attached+=("$vol")
echo "$out" | jq .
dev=$(jq_get "$out" .device)

step "The volume is in-use and backed by a real block device"
st=$(volume_status "$vol")
echo "volume $vol status: $st"
[[ $st == in-use ]] || fail "expected in-use, got $st"
show ls -l "$dev"
[[ -b $dev ]] || fail "$dev is not a block device"
dev_size=$(blockdev --getsize64 "$dev")
echo "blockdev --getsize64 $dev: $dev_size bytes"
((dev_size == size_bytes)) || fail "device size $dev_size != $size_bytes"

step "Write 256 MiB of mixed data to $dev (O_DIRECT): 96 MiB random, 64 MiB zeros, 96 MiB text"
written_mib=256
show dd if=/dev/urandom of="$dev" bs=1M count=96 oflag=direct status=none
show dd if=/dev/zero of="$dev" bs=1M count=64 seek=96 oflag=direct status=none
printf '$ seq ... | dd of=%s bs=1M count=96 seek=160 oflag=direct\n' "$dev"
# seq is cut short by dd (SIGPIPE): that is expected, not a failure.
{ seq -f 'line %09.0f: the quick brown fox jumps over the lazy dog; lorem ipsum dolor sit amet' 1 2000000 || true; } |
  dd of="$dev" bs=1M count=96 seek=160 iflag=fullblock oflag=direct status=none
show sync
sum_orig=$(dev_sha256 "$dev")
echo "sha256 of $dev: $sum_orig"

step "Back up the in-use volume WITHOUT --force: must be refused"
set +e
refusal=$(ctl backup create "$vol" --name "$tag-noforce" 2>&1 >/dev/null)
rc=$?
set -e
printf '$ backupctl backup create %s\n%s\n(exit %d)\n' "$vol" "$refusal" "$rc"
((rc != 0)) || fail "backup of an in-use volume without --force was accepted"
[[ $refusal == *FAILED_PRECONDITION* ]] || fail "refused, but not with FAILED_PRECONDITION: $refusal"

step "Back up the in-use volume with --force (crash-consistent, from a temporary snapshot)"
out=$(show ctlj backup create "$vol" --force --wait --name "$tag") || fail "backup create --force failed"
echo "$out" | jq .
backup_id=$(jq_get "$out" .id)
bstatus=$(jq_get "$out" .status)
[[ $bstatus == available ]] || fail "backup status $bstatus: $(jq -r .fail_reason <<<"$out")"
stored_bytes=$(jq_get "$out" .stored_bytes)
object_count=$(jq_get "$out" .object_count)
started_us=$(jq_get "$out" .started_at_us)
finished_us=$(jq_get "$out" .finished_at_us)

step "The volume is in-use again"
st=$(volume_status "$vol")
echo "volume $vol status: $st"
[[ $st == in-use ]] || fail "expected in-use after the backup, got $st"

step "Restore the backup into a new volume"
t0=$(bb_now_us)
out=$(show ctlj backup restore "$backup_id" --name "$tag-restore" --wait) || fail "restore failed"
t1=$(bb_now_us)
echo "$out" | jq .
rvol=$(jq_get "$out" .volume_id)
created_volumes+=("$rvol")
rstatus=$(volume_status "$rvol")
[[ $rstatus == available ]] || fail "restored volume status $rstatus"

step "Attach the restored volume and compare it with the original"
out=$(show ctlj volume attach "$rvol" --instance "$(</proc/sys/kernel/random/uuid)") ||
  fail "attach of the restored volume failed"
attached+=("$rvol")
rdev=$(jq_get "$out" .device)
show ls -l "$rdev"
sum_restored=$(dev_sha256 "$rdev")
sum_now=$(dev_sha256 "$dev")
echo "sha256 original $dev: $sum_now"
echo "sha256 restored $rdev: $sum_restored"
[[ $sum_now == "$sum_orig" ]] || fail "the original device changed while it was backed up"
[[ $sum_restored == "$sum_orig" ]] || fail "restored data differs from the original"
echo "identical"

step "Detach both volumes"
show ctl volume detach "$vol"
show ctl volume detach "$rvol"
attached=()
for v in "$vol" "$rvol"; do
  st=$(volume_status "$v")
  [[ $st == available ]] || fail "volume $v is $st after detach"
done

if ((keep)); then
  echo "kept: volumes $vol $rvol, backup $backup_id"
else
  step "Delete the demo's backup and volumes (--keep keeps them)"
  show ctlj backup delete "$backup_id" | jq -c "{id, status}"
  # Deletion is asynchronous: wait until the backup is gone or deleted.
  for _ in $(seq 1 300); do
    s=$(ctlj backup show "$backup_id" 2>/dev/null | jq -r .status) || s=deleted
    [[ $s == deleted || -z $s ]] && break
    [[ $s == error_deleting ]] && fail "backup delete failed"
    sleep 0.2
  done
  show ctl volume delete "$vol"
  show ctl volume delete "$rvol"
fi
finished=1

backup_s=$(awk -v a="$started_us" -v b="$finished_us" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
backup_mbs=$(awk -v s="$size_bytes" -v a="$started_us" -v b="$finished_us" \
  'BEGIN { d = b - a; if (d > 0) printf "%.0f", s / d; else print "n/a" }')
restore_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
restore_mbs=$(awk -v s="$size_bytes" -v a="$t0" -v b="$t1" \
  'BEGIN { d = b - a; if (d > 0) printf "%.0f", s / d; else print "n/a" }')
cat <<SUMMARY

=== Summary
  volume size        ${size_gib} GiB ($size_bytes bytes)
  data written       ${written_mib} MiB (96 random, 64 zeros, 96 text)
  backup             $backup_id: $object_count objects, $stored_bytes bytes stored
  backup time        ${backup_s} s  (${backup_mbs} MB/s of volume size, from the backup record)
  restore time       ${restore_s} s  (${restore_mbs} MB/s of volume size, wall time of 'backup restore --wait')
  sha256             $sum_orig (original == restored)
DEMO PASSED
SUMMARY
