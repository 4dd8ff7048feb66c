// Connector: the host side of an attachment (os-brick's role). Given the ConnectionInfo a driver
// returned, it makes a block device appear on this host and removes it again.
//
// Connect returns the device path. Disconnect flushes the device and removes it; it is idempotent
// (OK when the device is already gone). Flush makes every write acknowledged on the device durable
// in the backing store, so that a snapshot taken afterwards contains it (crash consistency).
// Devices lists what is connected for `info` on this host now, whoever connected it: restart
// cleanup uses it to find a device that a crash left before its path was recorded.
// Thread-safety: concurrent calls for different volumes are allowed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/result.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

class Connector {
 public:
  virtual ~Connector() = default;
  virtual Result<std::string> Connect(const ConnectionInfo& info) = 0;
  virtual Status Disconnect(const ConnectionInfo& info, const std::string& device) = 0;
  virtual Status Flush(const std::string& device) = 0;
  virtual Result<std::vector<std::string>> Devices(const ConnectionInfo& info) = 0;
};

// "local_file" -> the loop connector (losetup --direct-io=on). NotFound for unknown types.
Result<std::unique_ptr<Connector>> CreateConnector(const std::string& driver_volume_type,
                                                   CommandRunner& runner);

}  // namespace bb
