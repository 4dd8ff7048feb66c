// Environments of the Connector conformance suite (connector_conformance.h), shared by the
// instances in volume_drivers/connectors/*_connector_conformance_test.cc:
// - LocalFileEnv: the source file itself, as "local" (device_path) or "local_file" (path) info;
// - TgtExportEnv: the source file exported by a real tgtd on 127.0.0.1:3260 through TgtTarget,
//   one target per export, CHAP generated, only 127.0.0.1 allowed (the volume host's side of the
//   iSCSI connectors). tgtd is started through devstack/lib/tgt.sh when none runs (and stopped at
//   process exit only then); IQNs carry the pid, so concurrent runs do not meet.
// Thread-safety: test thread only.
#pragma once

#include <memory>
#include <string>

#include "tests/conformance/connector_conformance.h"

namespace bb::testing {

Result<std::unique_ptr<ConnectorTestEnv>> CreateLocalFileEnv(const std::string& type,
                                                             const std::string& dir);
Result<std::unique_ptr<ConnectorTestEnv>> CreateTgtExportEnv(CommandRunner& runner);

// "" when the kernel's iSCSI TCP transport is there (after trying `modprobe iscsi_tcp`), else
// the reason the iscsiadm instance's live cases skip. tests/expected_skips.txt allows exactly
// this reason under CI=true.
std::string IscsiTcpUnavailableReason();
// InitiatorName= of /etc/iscsi/initiatorname.iscsi, or `fallback` when it cannot be read.
std::string HostInitiatorName(const std::string& fallback);

}  // namespace bb::testing
