// FileDriver: the embedded default volume driver. Each volume is a sparse file
// "<volumes_dir>/volume-<id>"; snapshots ("snapshot-<id>") and clones are reflink (FICLONE) copies,
// which are O(1) and crash-consistent when the attached loop device was flushed first.
//
// Capabilities depend on the filesystem under volumes_dir, probed by CheckForSetupError: with
// reflink (XFS with reflink=1, btrfs) snapshots and clones are available; without it only detached
// volumes can be backed up (read directly) and no_consistent_copy_reason says why.
//
// Config: "volumes_dir" (required, must exist and be writable).
// Thread-safety: all methods may be called concurrently; per-object work touches only that object's
// file, and the capabilities are guarded by a mutex.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "volume_drivers/volume_driver.h"

namespace bb {

class FileDriver : public VolumeDriver {
 public:
  static constexpr const char* kName = "file";

  // InvalidArgument when "volumes_dir" is missing or empty.
  static Result<std::unique_ptr<FileDriver>> Create(const DriverConfig& config);
  explicit FileDriver(std::string volumes_dir);

  std::string Name() const override { return kName; }
  Status CheckForSetupError() override;
  DriverCapabilities Capabilities() const override;

  Result<std::string> CreateVolume(const VolumeRef& volume) override;
  Status DeleteVolume(const VolumeRef& volume) override;
  Status ExtendVolume(const VolumeRef& volume, int64_t new_size_bytes) override;
  Result<std::string> CreateClonedVolume(const VolumeRef& dst, const VolumeRef& src) override;
  Result<std::string> CreateSnapshot(const SnapshotRef& snapshot, const VolumeRef& volume) override;
  Status DeleteSnapshot(const SnapshotRef& snapshot) override;
  Result<std::string> VolumeLocalPath(const VolumeRef& volume) override;
  Result<std::string> SnapshotLocalPath(const SnapshotRef& snapshot) override;
  Result<ConnectionInfo> InitializeConnection(const VolumeRef& volume,
                                              const ConnectorProperties& connector) override;
  Status TerminateConnection(const VolumeRef& volume,
                             const ConnectorProperties& connector) override;

  const std::string& volumes_dir() const { return volumes_dir_; }

 private:
  // Paths are built only from validated UUIDs, so an id can never escape volumes_dir.
  Result<std::string> VolumePath(const std::string& id) const;
  Result<std::string> SnapshotPath(const std::string& id) const;
  // FailedPrecondition with no_consistent_copy_reason when reflink is unavailable.
  Status RequireReflink() const;

  const std::string volumes_dir_;  // absolute
  mutable std::mutex mu_;
  DriverCapabilities caps_;  // guarded by mu_; set by CheckForSetupError
};

}  // namespace bb
