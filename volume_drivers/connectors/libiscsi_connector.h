// LibiscsiConnector: the "iscsi" connector through libiscsi, the userspace initiator. It needs no
// kernel module (this machine and containers without iscsi_tcp use it) and makes no /dev node:
// the data path reads and writes through the BlockDevice that Open returns, one iSCSI session per
// handle (libiscsi_block_device.h).
//
// Connect:    checks the connection info (target_portal, target_iqn, target_lun, CHAP) and logs in
//             once to prove that the target answers and accepts the credentials, then logs out.
//             Returns the device's name, "iscsi://<portal>/<iqn>/<lun>" (no credentials in it).
//             A wrong CHAP secret is PermissionDenied, an unknown target (or an initiator the
//             target's ACL does not list) NotFound, a portal nobody answers on Unavailable.
// Open:       a new session (login with CHAP) as a BlockDevice; closing it logs out.
// Disconnect: nothing on the host outlives the handles (their sessions end when they close or
//             this process dies), so OK once the info is valid; idempotent.
// Flush:      OK: a writable handle flushes (SYNCHRONIZE CACHE) itself on Flush and Close.
// Devices:    always empty: no session survives the process that opened it, so restart cleanup
//             has nothing to find on this side (the target side is RemoveExport's).
// Thread-safety: stateless apart from its options; concurrent calls are fine.
#pragma once

#include "volume_drivers/connectors/connector.h"
#include "volume_drivers/connectors/libiscsi_block_device.h"

namespace bb {

class LibiscsiConnector : public Connector {
 public:
  static constexpr const char* kType = "iscsi";

  explicit LibiscsiConnector(LibiscsiOptions options);

  Result<std::string> Connect(const ConnectionInfo& info) override;
  Status Disconnect(const ConnectionInfo& info, const std::string& device) override;
  Status Flush(const std::string& device) override;
  Result<std::vector<std::string>> Devices(const ConnectionInfo& info) override;
  Result<std::unique_ptr<BlockDevice>> Open(const ConnectionInfo& info, const std::string& device,
                                            AccessMode mode) override;

 private:
  const LibiscsiOptions options_;
};

}  // namespace bb
