#!/usr/bin/env bash
# VM test (run by tests/run.sh's vm stage, the VM already booted): the Connector conformance
# suite's iscsiadm instance with its live cases, which skip on hosts without the iscsi_tcp module
# (tests/expected_skips.txt): real open-iscsi logins in the guest to a tgtd there. The stage
# copied the test binary to $BB_VM_PREFIX/bin; devstack/lib (tgt.sh, which the suite runs) is
# copied in here. Steps: guest/iscsiadm_conformance.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$root/devstack/vm/copy-in.sh" "$root/devstack/lib/common.sh" "$root/devstack/lib/tgt.sh" \
  "$BB_VM_PREFIX/devstack/lib"
"$root/devstack/vm/run.sh" env BB_PREFIX="$BB_VM_PREFIX" \
  bash -s <"$root/tests/vm/guest/iscsiadm_conformance.sh"
