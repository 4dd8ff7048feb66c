#!/usr/bin/env bash
# VM test (run by tests/run.sh's vm stage, the VM already booted): the VolumeDriver conformance
# suite's lvm instantiations (thick and thin) against real LVM in the guest; the steps are in
# guest/lvm_conformance.sh. The stage copied the test binary to $BB_VM_PREFIX/bin.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$root/devstack/vm/run.sh" env BB_PREFIX="$BB_VM_PREFIX" \
  bash -s <"$root/tests/vm/guest/lvm_conformance.sh"
