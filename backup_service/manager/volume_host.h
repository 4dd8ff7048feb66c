// VolumeHost: what the backup manager needs from the host that owns the volumes (the volume
// manager and its driver): read volume and snapshot records, make and remove the temporary
// snapshots/clones a backup reads, export them (and restore targets) to this backup host, and
// create a restore target. Two implementations:
//   LocalVolumeHost  (local_volume_host.h)   the VolumeManager of this process (role all);
//   RemoteVolumeHost (rpc/remote_volume_host.h) a volume-role backupd over the internal gRPC
//                    VolumeHostService (role backup), so the backup host is not the volume host.
// Every method has the contract of the VolumeManager method of the same name
// (volume_manager/volume_manager.h); a remote call adds UNAVAILABLE (retry) when the volume host
// cannot be reached. Codes and messages of the volume host's answers reach the caller unchanged.
// Secrets (CHAP credentials in ConnectionInfo) are never logged by either implementation.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <string>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/result.h"
#include "backup_service/model/records.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

struct CreateVolumeParams;

class VolumeHost {
 public:
  virtual ~VolumeHost() = default;

  virtual Result<Volume> GetVolume(const std::string& project_id, const std::string& volume_id) = 0;
  virtual Result<Snapshot> GetSnapshot(const std::string& project_id,
                                       const std::string& snapshot_id) = 0;
  // The volume driver's capabilities. A remote host answers them once and they are cached (they
  // are stable after the driver's setup); Unavailable while the volume host was never reached.
  virtual Result<DriverCapabilities> Capabilities() = 0;
  // The runner of THIS process: the backup host's connectors (iscsiadm, losetup) run here.
  virtual CommandRunner& runner() = 0;

  virtual Result<Snapshot> CreateTemporarySnapshot(const Volume& volume,
                                                   const std::string& snapshot_id,
                                                   const std::string& backup_id) = 0;
  virtual Result<Volume> CreateTemporaryClone(const Volume& volume, const std::string& clone_id,
                                              const std::string& backup_id) = 0;
  virtual Status DeleteTemporarySnapshot(const std::string& snapshot_id) = 0;
  virtual Status DeleteTemporaryVolume(const std::string& volume_id) = 0;

  virtual Result<ConnectionInfo> ExportSnapshot(const std::string& snapshot_id,
                                                const ConnectorProperties& connector) = 0;
  virtual Status UnexportSnapshot(const std::string& snapshot_id,
                                  const ConnectorProperties& connector) = 0;
  virtual Result<ConnectionInfo> ExportVolume(const std::string& volume_id,
                                              const ConnectorProperties& connector) = 0;
  virtual Status UnexportVolume(const std::string& volume_id,
                                const ConnectorProperties& connector) = 0;

  // Paths on the volume host. A remote host answers FAILED_PRECONDITION without a call: its
  // paths do not exist here (role backup always attaches through an export).
  virtual Result<std::string> VolumeLocalPath(const Volume& volume) = 0;
  virtual Result<std::string> SnapshotLocalPath(const Snapshot& snapshot) = 0;

  virtual Result<Volume> CreateVolumeForRestore(const CreateVolumeParams& p) = 0;

  // The driver's ChangedExtents between two snapshots of one volume, by id.
  virtual Result<ExtentReport> ChangedExtents(const std::string& base_snapshot_id,
                                              const std::string& snapshot_id) = 0;
  // The driver's AllocatedExtents of a snapshot, by id.
  virtual Result<ExtentReport> AllocatedExtents(const std::string& snapshot_id) = 0;
};

}  // namespace bb
