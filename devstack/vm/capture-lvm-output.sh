#!/usr/bin/env bash
# Records real LVM and thin_delta outputs in the test VM into tests/testdata/lvm/ (the LVM
# driver's parser tests read them): runs guest/capture-lvm.sh in the guest and unpacks its
# cases (NAME.meta with the LVM version, exact command and exit code; NAME.stdout; NAME.stderr).
# Uses the running VM of $BB_VM_STATE, or builds/boots one for the capture and stops it after.
#   devstack/vm/capture-lvm-output.sh [OUTPUT_DIR]   (default tests/testdata/lvm)
set -euo pipefail
# shellcheck source=devstack/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo=$(cd "$BB_VM_DIR/../.." && pwd)
dest=${1:-$repo/tests/testdata/lvm}

booted=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if ((booted)); then "$BB_VM_DIR/stop.sh"; fi
  rm -rf "$tmp"
}
tmp=$(mktemp -d)
trap cleanup EXIT
if ! bb_vm_alive; then
  "$BB_VM_DIR/build-image.sh" >/dev/null
  BB_VM_OWNER_PID=$$ "$BB_VM_DIR/boot.sh"
  booted=1
fi
"$BB_VM_DIR/run.sh" bash -s <"$BB_VM_DIR/guest/capture-lvm.sh" >"$tmp/capture.tar"
mkdir -p "$tmp/cases"
tar -C "$tmp/cases" -xf "$tmp/capture.tar"
[[ -s $tmp/cases/version.meta ]] || bb_vm_die "the capture produced no cases"
mkdir -p "$dest"
find "$dest" -maxdepth 1 \( -name '*.meta' -o -name '*.stdout' -o -name '*.stderr' -o -name '*.writes' \) -delete
cp "$tmp"/cases/* "$dest/"
bb_vm_log "captured $(find "$dest" -name '*.meta' | wc -l) cases into $dest"
