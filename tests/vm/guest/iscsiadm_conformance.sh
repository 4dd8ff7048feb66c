#!/usr/bin/env bash
# Runs INSIDE the test VM (tests/vm/iscsiadm_conformance.sh pipes it in): the Connector
# conformance suite's Iscsiadm/* cases with the kernel initiator available (iscsi_tcp loaded,
# iscsid running), so none of them may skip. The suite starts tgtd with devstack/lib/tgt.sh
# (BB_DEVSTACK_LIB) on 127.0.0.1:3260 and stops it when it started it.
# Environment: BB_PREFIX (the test binary in $BB_PREFIX/bin, the scripts in $BB_PREFIX/devstack/lib).
set -euo pipefail
: "${BB_PREFIX:?}"
export LC_ALL=C
modprobe iscsi_tcp
systemctl start iscsid.service
echo "open-iscsi $(iscsiadm --version | awk '{print $3}'), tgt $(tgtd --version 2>/dev/null || dpkg-query -W -f '${Version}' tgt), $(sed -n 's/^InitiatorName=/initiator /p' /etc/iscsi/initiatorname.iscsi)"
t0=$SECONDS
out=/var/tmp/bb-iscsiadm-conformance.log
rc=0
BB_DEVSTACK_LIB=$BB_PREFIX/devstack/lib "$BB_PREFIX/bin/bb_connector_conformance_test" \
  --gtest_filter='Iscsiadm/*' --gtest_brief=1 >"$out" 2>&1 || rc=$?
cat "$out"
echo "iscsiadm connector conformance: $((SECONDS - t0)) s"
((rc == 0)) || exit "$rc"
# A skip here would hide the very cases this test exists for.
if grep -q '^\[  SKIPPED \]' "$out"; then
  echo "FAILED: cases skipped in the guest, where iscsi_tcp is available" >&2
  exit 1
fi
iscsiadm -m session >/dev/null 2>&1 && {
  echo "FAILED: sessions left: $(iscsiadm -m session)" >&2
  exit 1
}
exit 0
