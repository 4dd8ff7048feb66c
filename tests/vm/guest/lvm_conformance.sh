#!/usr/bin/env bash
# Runs INSIDE the test VM (tests/vm/lvm_conformance.sh pipes it in): makes a volume group on a
# loop device (a sparse file, so the guest's disks stay free for the other VM tests) with a thin
# pool "pool", and runs the VolumeDriver conformance suite's LvmDriver/* cases (thick and thin)
# on it (BB_TEST_LVM_VG). Removes the VG and the loop device at the end, whatever happened.
# Environment: BB_PREFIX (the test binary in $BB_PREFIX/bin).
set -euo pipefail
: "${BB_PREFIX:?}"
export LC_ALL=C
work=/var/tmp/bb-lvm-conformance
vg=bbconf
loop=""
cleanup() {
  vgremove -ff -y "$vg" >/dev/null 2>&1 || true
  if [[ -n $loop ]]; then losetup -d "$loop" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work"
truncate -s 1G "$work/pv.img"
loop=$(losetup --find --show "$work/pv.img")
pvcreate -y "$loop" >/dev/null
vgcreate "$vg" "$loop" >/dev/null
lvcreate -y --type thin-pool -L 384m -n pool "$vg" >/dev/null
lvm version | head -1
t0=$SECONDS
BB_TEST_LVM_VG=$vg "$BB_PREFIX/bin/bb_volume_driver_conformance_test" \
  --gtest_filter='LvmDriver/*' --gtest_brief=1
echo "lvm conformance: $((SECONDS - t0)) s"
