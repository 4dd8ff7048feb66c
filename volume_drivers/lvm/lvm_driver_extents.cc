// LvmDriver::ChangedExtents and AllocatedExtents; see lvm_driver.h. Thin snapshots of one volume
// share every pool block the volume did not rewrite between them, and a rewrite of a shared block
// goes to a new block, so the blocks whose mapping differs between the two thin devices
// (thin_delta) cover every byte written in between: the contract's superset. A thin device reads
// zeros wherever it maps no block, so the blocks it maps (thin_dump) cover every byte that may
// hold data.
#include "volume_drivers/extent_ranges.h"
#include "volume_drivers/lvm/lvm_driver.h"

namespace bb {

Result<ExtentReport> LvmDriver::ChangedExtents(const SnapshotRef& base,
                                               const SnapshotRef& snapshot) {
  if (!Capabilities().reports_changed_extents) return VolumeDriver::ChangedExtents(base, snapshot);
  ASSIGN_OR_RETURN(std::string base_lv, SnapshotLv(base.id));
  ASSIGN_OR_RETURN(std::string next_lv, SnapshotLv(snapshot.id));
  ASSIGN_OR_RETURN(std::string origin, VolumeLv(base.volume_id));
  if (base.volume_id != snapshot.volume_id) {
    return Status::InvalidArgument("snapshots " + base.id + " and " + snapshot.id +
                                   " are not of the same volume");
  }
  // One report for both snapshots and the pool (whose device must be active for dmsetup).
  ASSIGN_OR_RETURN(std::vector<lvm::LvInfo> lvs, lvm_.ListLvs(config_.volume_group));
  auto find = [&](const std::string& name) -> const lvm::LvInfo* {
    for (const auto& lv : lvs) {
      if (lv.name == name) return &lv;
    }
    return nullptr;
  };
  const lvm::LvInfo* from = find(base_lv);
  const lvm::LvInfo* to = find(next_lv);
  for (auto [lv, ref] : {std::pair{from, &base}, std::pair{to, &snapshot}}) {
    if (lv == nullptr) {
      return Status::NotFound("snapshot " + ref->id + " not found (logical volume " +
                              config_.volume_group + "/" + SnapshotLv(ref->id).value() + ")");
    }
    // A thin snapshot keeps its origin's name while the origin exists (it cannot be deleted
    // before its snapshots: DeleteVolume).
    if (!lv->origin.empty() && lv->origin != origin) {
      return Status::InvalidArgument("snapshot " + ref->id + " is of " + lv->origin + ", not of " +
                                     origin);
    }
  }
  if (!from->is_thin() || !to->is_thin() || from->pool_lv != config_.thin_pool ||
      to->pool_lv != config_.thin_pool || from->thin_id < 0 || to->thin_id < 0) {
    return ExtentReport{};  // not two thin devices of our pool: the caller reads everything
  }
  if (const lvm::LvInfo* pool = find(config_.thin_pool); pool != nullptr && !pool->active) {
    RETURN_IF_ERROR(lvm_.Run({"lvchange", "-ay", config_.volume_group + "/" + config_.thin_pool}));
  }
  ExtentReport changes;
  changes.known = true;
  ASSIGN_OR_RETURN(changes.ranges, thin_metadata_.Changed(config_.volume_group, config_.thin_pool,
                                                          from->thin_id, to->thin_id));
  // Bytes beyond the base's end count as changed (the volume grew in between); thin_delta lists
  // only the blocks provisioned there.
  if (to->size_bytes > from->size_bytes) {
    changes.ranges.push_back({from->size_bytes, to->size_bytes - from->size_bytes});
  }
  changes.ranges = NormalizeRanges(std::move(changes.ranges), to->size_bytes);
  return changes;
}

Result<ExtentReport> LvmDriver::AllocatedExtents(const SnapshotRef& snapshot) {
  if (!Capabilities().reports_allocated_extents) return VolumeDriver::AllocatedExtents(snapshot);
  ASSIGN_OR_RETURN(std::string lv_name, SnapshotLv(snapshot.id));
  ASSIGN_OR_RETURN(std::vector<lvm::LvInfo> lvs, lvm_.ListLvs(config_.volume_group));
  const lvm::LvInfo* lv = nullptr;
  const lvm::LvInfo* pool = nullptr;
  for (const auto& info : lvs) {
    if (info.name == lv_name) lv = &info;
    if (info.name == config_.thin_pool) pool = &info;
  }
  if (lv == nullptr) {
    return Status::NotFound("snapshot " + snapshot.id + " not found (logical volume " +
                            config_.volume_group + "/" + lv_name + ")");
  }
  if (!lv->is_thin() || lv->pool_lv != config_.thin_pool || lv->thin_id < 0) {
    return ExtentReport{};  // not a thin device of our pool: the caller reads everything
  }
  if (pool != nullptr && !pool->active) {
    RETURN_IF_ERROR(lvm_.Run({"lvchange", "-ay", config_.volume_group + "/" + config_.thin_pool}));
  }
  ExtentReport allocated;
  allocated.known = true;
  ASSIGN_OR_RETURN(allocated.ranges,
                   thin_metadata_.Mapped(config_.volume_group, config_.thin_pool, lv->thin_id));
  allocated.ranges = NormalizeRanges(std::move(allocated.ranges), lv->size_bytes);
  return allocated;
}

}  // namespace bb
