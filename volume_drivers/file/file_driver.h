// FileDriver: the embedded default volume driver. Each volume is a sparse file
// "<volumes_dir>/volume-<id>"; snapshots ("snapshot-<id>") and clones are reflink (FICLONE) copies,
// which are O(1) and crash-consistent when the attached loop device was flushed first.
//
// Capabilities depend on the filesystem under volumes_dir, probed by CheckForSetupError: with
// reflink (XFS with reflink=1, btrfs) snapshots and clones are available; without it only detached
// volumes can be backed up (read directly) and no_consistent_copy_reason says why.
//
// Options (backupd: volume_driver.<key> = value; any other key is refused by Create):
// "volumes_dir" (required, must exist and be writable); "snapshots" = true | false
// (default true); "target_helper" = none | tgt (default none): with tgt, volumes and snapshots
// are exported over iSCSI through tgtd (file_driver_exports.cc: one target per object, LUN 1,
// generated CHAP, the connector's initiator name and address as the access list; snapshots
// read-only), so another host (or libiscsi on this one) reads the reflink snapshot file over TCP;
// "iscsi_portal" (127.0.0.1:3260, where tgtd listens), "iscsi_target_prefix"
// (iqn.2010-10.org.blockbackup:). With snapshots = false the driver declares can_snapshot=false and
// refuses CreateSnapshot, but keeps its reflink clones: the shape of a backend that can clone and
// not snapshot, for which backups of attached volumes read a temporary clone (the manager's
// temp-clone path, proved end to end with this setting). Existing snapshot files can still be
// read and deleted.
// Changed extents (reports_changed_extents, with snapshots): two snapshots' FIEMAP extent maps
// are compared; a range whose physical blocks differ was written in between (fiemap_diff.h).
// Thread-safety: all methods may be called concurrently; per-object work touches only that object's
// file, and the capabilities are guarded by a mutex.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "volume_drivers/targets/driver_exports.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

class FileDriver : public VolumeDriver {
 public:
  static constexpr const char* kName = "file";

  // InvalidArgument for an unknown option (CheckDriverOptions), when "volumes_dir" is missing or
  // empty, "snapshots" is not true/false, or "target_helper" is unknown. `runner` runs tgtadm
  // (with target_helper = tgt).
  static Result<std::unique_ptr<FileDriver>> Create(const DriverConfig& config,
                                                    CommandRunner& runner);
  // `exports` null: nothing is exported (volume_attachable and snapshot_attachable false).
  explicit FileDriver(std::string volumes_dir, bool snapshots_enabled = true,
                      std::unique_ptr<DriverExports> exports = nullptr);

  std::string Name() const override { return kName; }
  Status CheckForSetupError() override;
  DriverCapabilities Capabilities() const override;

  Result<std::string> CreateVolume(const VolumeRef& volume) override;
  Status DeleteVolume(const VolumeRef& volume) override;
  Status ExtendVolume(const VolumeRef& volume, int64_t new_size_bytes) override;
  Result<std::string> CreateClonedVolume(const VolumeRef& dst, const VolumeRef& src) override;
  Result<std::string> CreateVolumeFromSnapshot(const VolumeRef& dst,
                                               const SnapshotRef& snapshot) override;
  Result<std::string> CreateSnapshot(const SnapshotRef& snapshot, const VolumeRef& volume) override;
  Status DeleteSnapshot(const SnapshotRef& snapshot) override;
  // FIEMAP of the two reflink snapshot files compared (fiemap_diff.h); InvalidArgument when
  // their owner tags name different volumes.
  Result<ExtentReport> ChangedExtents(const SnapshotRef& base,
                                      const SnapshotRef& snapshot) override;
  Result<std::string> VolumeLocalPath(const VolumeRef& volume) override;
  Result<std::string> SnapshotLocalPath(const SnapshotRef& snapshot) override;
  Result<ConnectionInfo> InitializeConnection(const VolumeRef& volume,
                                              const ConnectorProperties& connector) override;
  Status TerminateConnection(const VolumeRef& volume,
                             const ConnectorProperties& connector) override;
  // Exports (file_driver_exports.cc); FailedPrecondition without target_helper.
  Result<ExportUpdate> CreateExport(const VolumeRef& volume,
                                    const ConnectorProperties& connector) override;
  Result<ExportUpdate> RemoveExport(const VolumeRef& volume) override;
  Result<ExportUpdate> CreateSnapshotExport(const SnapshotRef& snapshot,
                                            const ConnectorProperties& connector) override;
  Result<ExportUpdate> RemoveSnapshotExport(const SnapshotRef& snapshot) override;
  Result<ConnectionInfo> InitializeSnapshotConnection(
      const SnapshotRef& snapshot, const ConnectorProperties& connector) override;
  Status TerminateSnapshotConnection(const SnapshotRef& snapshot,
                                     const ConnectorProperties& connector) override;

  const std::string& volumes_dir() const { return volumes_dir_; }

 private:
  // Paths are built only from validated UUIDs, so an id can never escape volumes_dir.
  Result<std::string> VolumePath(const std::string& id) const;
  Result<std::string> SnapshotPath(const std::string& id) const;
  // FailedPrecondition with no_snapshot_reason / no_consistent_copy_reason when the capability
  // is off (no reflink, or snapshots configured off).
  Status RequireSnapshots() const;
  Status RequireClones() const;
  Status RequireExports() const;

  const std::string volumes_dir_;  // absolute
  const bool snapshots_enabled_;
  const std::unique_ptr<DriverExports> exports_;  // null without target_helper
  mutable std::mutex mu_;
  DriverCapabilities caps_;  // guarded by mu_; set by CheckForSetupError
};

// The registry's factory (driver_registry.cc): FileDriver::Create as a VolumeDriver.
DriverFactory CreateFileVolumeDriver;

}  // namespace bb
