// LocalConnector: the "local" connection type (os-brick's LocalConnector, protocol LOCAL): the
// volume or snapshot is already a path on this host (a block device such as an LVM snapshot's
// /dev/mapper node, or a regular file), so there is nothing to attach.
//
// Connect:    data["device_path"] must be an absolute path to an existing block device or regular
//             file (InvalidArgument when missing, relative, or a directory/socket/...; NotFound
//             when it does not exist). Returns that path.
// Flush:      fsync(2) of the path: every write acknowledged on it reaches its backing store.
// Disconnect: nothing to detach; flushes the path when it still exists (a restore's writes are
//             durable before the caller reports success) and is OK when it does not. Idempotent.
// Devices:    the path when it exists (it is "connected" for as long as it is there), else empty.
// Open:       the default FileBlockDevice on the path.
// Thread-safety: stateless; concurrent calls are fine.
#pragma once

#include <string>
#include <vector>

#include "volume_drivers/connectors/connector.h"

namespace bb {

class LocalConnector : public Connector {
 public:
  static constexpr const char* kType = "local";

  Result<std::string> Connect(const ConnectionInfo& info) override;
  Status Disconnect(const ConnectionInfo& info, const std::string& device) override;
  Status Flush(const std::string& device) override;
  Result<std::vector<std::string>> Devices(const ConnectionInfo& info) override;
};

namespace local {
// data["device_path"]; InvalidArgument when missing or not absolute.
Result<std::string> DevicePathFromInfo(const ConnectionInfo& info);
}  // namespace local

}  // namespace bb
