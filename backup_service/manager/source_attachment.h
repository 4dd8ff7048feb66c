// SourceAttachment: the backup host's handle on what a backup reads or a restore writes: a local
// path opened as a FileBlockDevice, or an export attached through the connector its
// ConnectionInfo names (an iSCSI login through libiscsi: no /dev node) and opened as a
// BlockDevice. Detach closes the handle and disconnects (logs out); it is idempotent and the
// destructor runs it. The export itself is the volume manager's (ExportSnapshot/UnexportSnapshot).
// name() identifies the device for logs and the backup's source_device: a path or an
// iscsi://portal/iqn/lun URL, never a credential.
// Thread-safety: device() may be used from several threads (BlockDevice's contract); Detach must
// not race with them.
#pragma once

#include <memory>
#include <string>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/result.h"
#include "volume_drivers/connectors/allocated_ranges_device.h"
#include "volume_drivers/connectors/block_device.h"
#include "volume_drivers/connectors/connector.h"

namespace bb {

class SourceAttachment {
 public:
  static Result<std::unique_ptr<SourceAttachment>> OpenLocal(const std::string& path,
                                                             AccessMode mode);
  // Connect + Open; on failure whatever was connected is disconnected again.
  static Result<std::unique_ptr<SourceAttachment>> Attach(const ConnectionInfo& info,
                                                          CommandRunner& runner,
                                                          const ConnectorOptions& options,
                                                          AccessMode mode);
  ~SourceAttachment();
  SourceAttachment(const SourceAttachment&) = delete;
  SourceAttachment& operator=(const SourceAttachment&) = delete;

  BlockDevice& device() { return *device_; }
  const std::string& name() const { return name_; }
  bool remote() const { return connector_ != nullptr; }
  // From now on device() reports everything outside `allocated` (the driver's AllocatedExtents of
  // what is read) as known zero, so a backup does not read it (AllocatedRangesDevice).
  void LimitReadsTo(std::vector<ByteRange> allocated);
  Status Detach();

 private:
  SourceAttachment() = default;
  std::unique_ptr<Connector> connector_;  // null for a local path
  ConnectionInfo info_;
  std::string name_;
  std::unique_ptr<BlockDevice> device_;
  bool detached_ = false;
};

}  // namespace bb
