// LvmDriver: volumes as logical volumes of one LVM volume group (Cinder's LVMVolumeDriver).
//
// Names: volume <id> is LV "volume-<id>", snapshot <id> is LV "_snapshot-<id>" (ids are validated
// UUIDs, so a name never escapes the VG); temporary LVs are "bbtmp-<id>" and are removed on the
// failure paths and by CheckForSetupError (a crash's leftovers). provider_location is the LV path
// /dev/<vg>/<lv> (or the iSCSI export while exported).
//
// lvm_type:
// - thick: linear LVs; snapshots are COW snapshots (`lvcreate -s -L <fraction of the size>`; a COW
//   store that fills up invalidates the snapshot: reads fail, and SnapshotLocalPath says so);
//   clones and volumes from snapshots are new LVs filled by a copy (from a temporary snapshot for
//   clones); new and grown space is zeroed (BLKZEROOUT), since extents are reused unwiped.
// - thin: thin LVs in `thin_pool`; snapshots are thin snapshots (activated with `-ay -K`), clones
//   and volumes from snapshots are thin snapshots made normal LVs (`-kn`): O(1). Changed extents
//   between two snapshots come from the pool's metadata (thin_delta, lvm_thin_metadata.h;
//   reports_changed_extents when thin_delta is installed), and the blocks one snapshot maps from
//   thin_dump (reports_allocated_extents). Thick volumes report neither: a COW
//   snapshot's exception store says what changed in the origin since that snapshot, not between
//   two snapshots.
// - auto: thin when `thin_pool` exists in the VG, thick otherwise (decided by CheckForSetupError).
// A volume with snapshots is not deleted (FailedPrecondition): a thick origin's snapshots would go
// with it, and a thin origin's snapshots would lose the volume they belong to.
//
// Options (backupd: volume_driver.<key>; a key not listed here is refused): "volume_group"
// (required), "lvm_type" (thick | thin | auto; default auto), "thin_pool" (default "pool"),
// "snapshot_cow_fraction" (thick snapshots' COW size as a fraction of the volume, (0, 1], default
// 1: a full-size store never overflows), "target_helper" (none | tgt), "iscsi_portal",
// "iscsi_target_prefix" as for the file driver (file_driver.h).
//
// Thread-safety: every method may be called concurrently for different objects (LVM serialises its
// metadata updates); the capabilities are guarded by a mutex.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "volume_drivers/lvm/lvm_commands.h"
#include "volume_drivers/lvm/lvm_thin_metadata.h"
#include "volume_drivers/targets/driver_exports.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

enum class LvmType { kThick, kThin, kAuto };

struct LvmDriverConfig {
  std::string volume_group;
  LvmType type = LvmType::kAuto;
  std::string thin_pool = "pool";
  double snapshot_cow_fraction = 1.0;
};

class LvmDriver : public VolumeDriver {
 public:
  static constexpr const char* kName = "lvm";

  // InvalidArgument on an unknown key, a missing volume_group or an invalid lvm_type, thin_pool,
  // snapshot_cow_fraction or target_helper. `runner` runs lvm (and tgtadm) and must outlive it.
  static Result<std::unique_ptr<LvmDriver>> Create(const DriverConfig& config,
                                                   CommandRunner& runner);
  static Result<LvmDriverConfig> ParseConfig(const DriverConfig& config);
  LvmDriver(LvmDriverConfig config, CommandRunner& runner,
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
  // Thin only (lvm_driver_extents.cc): thin_delta between the two snapshots' thin devices, and
  // thin_dump of one snapshot's thin device.
  Result<ExtentReport> ChangedExtents(const SnapshotRef& base,
                                      const SnapshotRef& snapshot) override;
  Result<ExtentReport> AllocatedExtents(const SnapshotRef& snapshot) override;
  Result<std::string> VolumeLocalPath(const VolumeRef& volume) override;
  Result<std::string> SnapshotLocalPath(const SnapshotRef& snapshot) override;
  // Connections and exports: lvm_driver_exports.cc.
  Result<ConnectionInfo> InitializeConnection(const VolumeRef& volume,
                                              const ConnectorProperties& connector) override;
  Status TerminateConnection(const VolumeRef& volume,
                             const ConnectorProperties& connector) override;
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

  // thin after CheckForSetupError resolved auto.
  bool thin() const;

 private:
  // LV names from validated UUIDs (InvalidArgument otherwise).
  static Result<std::string> VolumeLv(const std::string& id);
  static Result<std::string> SnapshotLv(const std::string& id);
  std::string DevPath(const std::string& lv) const;
  // The LV, NotFound "<what> not found (logical volume vg/lv)" when absent.
  Result<lvm::LvInfo> MustFind(const std::string& lv, const std::string& what);
  // Activates the LV when it is not (thin snapshots skip activation: -K), returns its path.
  Result<std::string> Activate(const lvm::LvInfo& lv);
  // lvcreate of an empty LV of `size` bytes (thin or thick, zeroed).
  Status CreateEmptyLv(const std::string& lv, int64_t size);
  // lvcreate -s of `origin` named `lv`: thin (normal LV when `as_volume`) or thick COW of
  // cow_bytes.
  Status CreateSnapshotLv(const std::string& lv, const std::string& origin, bool as_volume,
                          int64_t cow_bytes);
  // lvremove with a bounded retry (and deactivation) while the LV is briefly busy after a close.
  Status RemoveLv(const std::string& lv);
  // Grows an LV to at least `size` bytes; zeroes the new space of thick LVs.
  Status GrowLv(const lvm::LvInfo& lv, int64_t size);
  // thick: `dst` becomes a copy of `src` (a new LV of dst_size, data copied, the rest zeroed).
  Status CopyIntoNewLv(const std::string& src, const std::string& dst, int64_t dst_size);
  Status RequireExports() const;
  int64_t ExtentSize() const;

  const LvmDriverConfig config_;
  lvm::LvmCommands lvm_;
  lvm::ThinPoolMetadata thin_metadata_;
  const std::unique_ptr<DriverExports> exports_;  // null without target_helper
  mutable std::mutex mu_;
  bool thin_ = false;        // guarded by mu_; resolved by CheckForSetupError
  int64_t extent_size_ = 0;  // guarded by mu_
  DriverCapabilities caps_;  // guarded by mu_
};

// The registry's factory (driver_registry.cc): LvmDriver::Create as a VolumeDriver.
DriverFactory CreateLvmVolumeDriver;

}  // namespace bb
