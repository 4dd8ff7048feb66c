// LocalVolumeHost: the VolumeHost of a daemon that runs both roles (role all): every call goes
// straight to this process's VolumeManager. Thread-safety: as VolumeManager (all methods
// concurrent); the VolumeManager outlives this object.
#pragma once

#include "backup_service/manager/volume_host.h"
#include "backup_service/volume_manager/volume_manager.h"

namespace bb {

class LocalVolumeHost final : public VolumeHost {
 public:
  explicit LocalVolumeHost(VolumeManager& volumes) : volumes_(volumes) {}

  Result<Volume> GetVolume(const std::string& project_id, const std::string& volume_id) override {
    return volumes_.GetVolume(project_id, volume_id);
  }
  Result<Snapshot> GetSnapshot(const std::string& project_id,
                               const std::string& snapshot_id) override {
    return volumes_.GetSnapshot(project_id, snapshot_id);
  }
  Result<DriverCapabilities> Capabilities() override { return volumes_.Capabilities(); }
  CommandRunner& runner() override { return volumes_.runner(); }
  Result<Snapshot> CreateTemporarySnapshot(const Volume& volume, const std::string& snapshot_id,
                                           const std::string& backup_id) override {
    return volumes_.CreateTemporarySnapshot(volume, snapshot_id, backup_id);
  }
  Result<Volume> CreateTemporaryClone(const Volume& volume, const std::string& clone_id,
                                      const std::string& backup_id) override {
    return volumes_.CreateTemporaryClone(volume, clone_id, backup_id);
  }
  Status DeleteTemporarySnapshot(const std::string& snapshot_id) override {
    return volumes_.DeleteTemporarySnapshot(snapshot_id);
  }
  Status DeleteTemporaryVolume(const std::string& volume_id) override {
    return volumes_.DeleteTemporaryVolume(volume_id);
  }
  Result<ConnectionInfo> ExportSnapshot(const std::string& snapshot_id,
                                        const ConnectorProperties& connector) override {
    return volumes_.ExportSnapshot(snapshot_id, connector);
  }
  Status UnexportSnapshot(const std::string& snapshot_id,
                          const ConnectorProperties& connector) override {
    return volumes_.UnexportSnapshot(snapshot_id, connector);
  }
  Result<ConnectionInfo> ExportVolume(const std::string& volume_id,
                                      const ConnectorProperties& connector) override {
    return volumes_.ExportVolume(volume_id, connector);
  }
  Status UnexportVolume(const std::string& volume_id,
                        const ConnectorProperties& connector) override {
    return volumes_.UnexportVolume(volume_id, connector);
  }
  Result<std::string> VolumeLocalPath(const Volume& volume) override {
    return volumes_.VolumeLocalPath(volume);
  }
  Result<std::string> SnapshotLocalPath(const Snapshot& snapshot) override {
    return volumes_.SnapshotLocalPath(snapshot);
  }
  Result<Volume> CreateVolumeForRestore(const CreateVolumeParams& p) override {
    return volumes_.CreateVolumeForRestore(p);
  }
  Result<ExtentReport> ChangedExtents(const std::string& base_snapshot_id,
                                      const std::string& snapshot_id) override {
    return volumes_.ChangedExtents(base_snapshot_id, snapshot_id);
  }
  Result<ExtentReport> AllocatedExtents(const std::string& snapshot_id) override {
    return volumes_.AllocatedExtents(snapshot_id);
  }

 private:
  VolumeManager& volumes_;
};

}  // namespace bb
