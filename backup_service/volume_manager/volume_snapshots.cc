// VolumeManager: user snapshots and the temporary snapshots that backups read from.
#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/common/uuid.h"
#include "backup_service/common/validation.h"
#include "backup_service/volume_manager/volume_manager.h"
#include "volume_drivers/extent_ranges.h"

namespace bb {
namespace {

Status CannotSnapshot(const DriverCapabilities& caps, const Volume& v) {
  std::string why = !caps.no_snapshot_reason.empty() ? caps.no_snapshot_reason
                    : !caps.no_consistent_copy_reason.empty()
                        ? caps.no_consistent_copy_reason
                        : "the volume driver cannot make snapshots";
  return Status::FailedPrecondition("cannot snapshot volume " + v.id + ": " + why);
}

}  // namespace

Result<Snapshot> VolumeManager::CreateSnapshot(const CreateSnapshotParams& p) {
  RETURN_IF_ERROR(ValidateUuid("volume_id", p.volume_id));
  RETURN_IF_ERROR(ValidateText("name", p.name, kMaxNameBytes));
  RETURN_IF_ERROR(ValidateText("description", p.description, kMaxNameBytes));
  ASSIGN_OR_RETURN(Volume v, volumes_.Get(p.volume_id, p.project_id));
  if (v.status == VolumeStatus::kInUse && !p.force) {
    return Status::FailedPrecondition("Snapshot of an in-use volume must use the force flag.");
  }
  if (v.status != VolumeStatus::kAvailable && v.status != VolumeStatus::kInUse) {
    return Status::FailedPrecondition("volume " + v.id +
                                      " must be available or in-use to snapshot, but it is " +
                                      std::string(ToString(v.status)));
  }
  DriverCapabilities caps = driver_.Capabilities();
  if (!caps.can_snapshot) return CannotSnapshot(caps, v);
  Snapshot s;
  s.id = NewUuid();
  s.project_id = p.project_id;
  s.volume_id = v.id;
  s.name = p.name;
  s.description = p.description;
  s.size_gib = v.size_gib;
  s.status = SnapshotStatus::kCreating;
  s.host = host_;
  // The row first: it also keeps the volume from being deleted while the snapshot is made.
  RETURN_IF_ERROR(
      snapshots_.Insert(s, "snapshot requested", {VolumeStatus::kAvailable, VolumeStatus::kInUse}));
  Status st = failpoint::Hit("snapshot.create.after_begin");
  if (st.ok()) st = FlushAttachedDevices(v);
  Result<std::string> location =
      st.ok() ? driver_.CreateSnapshot(Ref(s), Ref(v)) : Result<std::string>(st);
  if (location.ok()) {
    if (Status fp = failpoint::Hit("snapshot.create.after_driver"); !fp.ok()) location = fp;
  }
  if (location.ok()) {
    SnapshotChange change;
    change.provider_location = *location;
    st = snapshots_.Transition(s.id, SnapshotStatus::kCreating, SnapshotStatus::kAvailable,
                               "driver snapshot made", change);
  } else {
    st = location.status();
  }
  if (!st.ok()) {
    BB_LOG(kError) << "snapshot " << s.id << " of volume " << v.id << " failed: " << st.ToString();
    (void)FailSnapshotCreate(s, st.message());
    return st.WithContext("snapshotting volume " + v.id);
  }
  return snapshots_.Get(s.id);
}

Status VolumeManager::FailSnapshotCreate(const Snapshot& s, const std::string& why) {
  RETURN_IF_ERROR(driver_.DeleteSnapshot(Ref(s)).WithContext("removing snapshot " + s.id));
  return snapshots_.Transition(s.id, SnapshotStatus::kCreating, SnapshotStatus::kError, why);
}

Result<Snapshot> VolumeManager::GetSnapshot(const std::string& project_id,
                                            const std::string& snapshot_id) {
  RETURN_IF_ERROR(ValidateUuid("snapshot_id", snapshot_id));
  return snapshots_.Get(snapshot_id, project_id);
}

Result<Page<Snapshot>> VolumeManager::ListSnapshots(const ListSnapshotsQuery& query) {
  RETURN_IF_ERROR(ValidateOptionalUuid("volume_id", query.volume_id));
  RETURN_IF_ERROR(ValidateText("name", query.name, kMaxNameBytes));
  RETURN_IF_ERROR(ValidateStatusFilter("snapshot", query.status, SnapshotStatusNames()));
  ASSIGN_OR_RETURN(PageSpec page, ResolvePage(query.page, kSnapshotSortKeys, list_limits_));
  return snapshots_.List({.project_id = query.project_id,
                          .volume_id = query.volume_id,
                          .name = query.name,
                          .status = query.status},
                         page);
}

Status VolumeManager::DeleteSnapshot(const std::string& project_id,
                                     const std::string& snapshot_id) {
  RETURN_IF_ERROR(ValidateUuid("snapshot_id", snapshot_id));
  ASSIGN_OR_RETURN(Snapshot s, snapshots_.Get(snapshot_id, project_id));
  if (s.is_temporary) {
    return Status::FailedPrecondition("snapshot " + s.id +
                                      " belongs to a running backup and is removed by it");
  }
  if (s.status != SnapshotStatus::kAvailable && s.status != SnapshotStatus::kError) {
    return Status::FailedPrecondition("snapshot " + s.id +
                                      " must be available or error to be deleted, but it is " +
                                      std::string(ToString(s.status)));
  }
  RETURN_IF_ERROR(snapshots_.Transition(s.id, s.status, SnapshotStatus::kDeleting, "delete"));
  Status st = failpoint::Hit("snapshot.delete.after_begin");
  if (st.ok()) st = driver_.DeleteSnapshot(Ref(s));
  if (st.ok()) st = failpoint::Hit("snapshot.delete.after_driver");
  if (!st.ok()) {
    (void)snapshots_.Transition(s.id, SnapshotStatus::kDeleting, SnapshotStatus::kError,
                                st.message());
    return st.WithContext("deleting snapshot " + s.id);
  }
  return snapshots_.Remove(s.id, SnapshotStatus::kDeleting, "driver snapshot deleted");
}

Result<Snapshot> VolumeManager::CreateTemporarySnapshot(const Volume& volume,
                                                        const std::string& snapshot_id,
                                                        const std::string& backup_id) {
  Snapshot s;
  s.id = snapshot_id;
  s.project_id = volume.project_id;
  s.volume_id = volume.id;
  s.name = "backup-snap-" + volume.id;
  s.description = "temporary snapshot for backup " + backup_id;
  s.size_gib = volume.size_gib;
  s.status = SnapshotStatus::kCreating;
  s.is_temporary = true;
  s.host = host_;
  RETURN_IF_ERROR(snapshots_.Insert(s, "temporary snapshot for backup " + backup_id,
                                    {VolumeStatus::kBackingUp}));
  Status st = failpoint::Hit("create.after_temp_row");
  if (st.ok()) st = FlushAttachedDevices(volume);
  Result<std::string> location =
      st.ok() ? driver_.CreateSnapshot(Ref(s), Ref(volume)) : Result<std::string>(st);
  if (location.ok()) {
    if (Status fp = failpoint::Hit("create.after_temp_made"); !fp.ok()) location = fp;
  }
  if (!location.ok()) {
    (void)snapshots_.Transition(s.id, SnapshotStatus::kCreating, SnapshotStatus::kError,
                                location.status().message());
    (void)DeleteTemporarySnapshot(s.id);
    return location.status().WithContext("snapshotting volume " + volume.id);
  }
  SnapshotChange change;
  change.provider_location = *location;
  RETURN_IF_ERROR(snapshots_.Transition(s.id, SnapshotStatus::kCreating, SnapshotStatus::kAvailable,
                                        "driver snapshot made", change));
  return snapshots_.Get(s.id);
}

Status VolumeManager::DeleteTemporarySnapshot(const std::string& snapshot_id) {
  auto s = snapshots_.Get(snapshot_id);
  if (s.status().code() == StatusCode::kNotFound) return Status::Ok();  // already gone
  if (!s.ok()) return s.status();
  SnapshotStatus st = s->status;
  if (st == SnapshotStatus::kCreating || st == SnapshotStatus::kBackingUp) {
    SnapshotStatus next =
        st == SnapshotStatus::kCreating ? SnapshotStatus::kError : SnapshotStatus::kAvailable;
    RETURN_IF_ERROR(snapshots_.Transition(s->id, st, next, "cleanup"));
    st = next;
  }
  if (st != SnapshotStatus::kDeleting) {
    RETURN_IF_ERROR(snapshots_.Transition(s->id, st, SnapshotStatus::kDeleting, "cleanup"));
  }
  // It may have been exported to the backup host (the remote-attach path); removing the export
  // is idempotent and finds it by the snapshot's id, recorded or not.
  if (driver_.Capabilities().snapshot_attachable) {
    RETURN_IF_ERROR(driver_.RemoveSnapshotExport(Ref(*s)).status());
  }
  RETURN_IF_ERROR(driver_.DeleteSnapshot(Ref(*s)));
  return snapshots_.Remove(s->id, SnapshotStatus::kDeleting, "temporary snapshot removed");
}

Result<ExtentReport> VolumeManager::ChangedExtents(const std::string& base_snapshot_id,
                                                   const std::string& snapshot_id) {
  RETURN_IF_ERROR(ValidateUuid("base_snapshot_id", base_snapshot_id));
  RETURN_IF_ERROR(ValidateUuid("snapshot_id", snapshot_id));
  if (!driver_.Capabilities().reports_changed_extents) return ExtentReport{};
  ASSIGN_OR_RETURN(Snapshot base, snapshots_.Get(base_snapshot_id));
  ASSIGN_OR_RETURN(Snapshot next, snapshots_.Get(snapshot_id));
  if (base.volume_id != next.volume_id) {
    return Status::InvalidArgument("snapshots " + base.id + " and " + next.id +
                                   " are not of the same volume");
  }
  ASSIGN_OR_RETURN(ExtentReport changes, driver_.ChangedExtents(Ref(base), Ref(next)));
  if (changes.known) {
    changes.ranges = CoarsenRanges(changes.ranges, 4096, next.size_gib << 30, kMaxChangedRanges);
  }
  return changes;
}

Result<ExtentReport> VolumeManager::AllocatedExtents(const std::string& snapshot_id) {
  RETURN_IF_ERROR(ValidateUuid("snapshot_id", snapshot_id));
  if (!driver_.Capabilities().reports_allocated_extents) return ExtentReport{};
  ASSIGN_OR_RETURN(Snapshot snap, snapshots_.Get(snapshot_id));
  ASSIGN_OR_RETURN(ExtentReport allocated, driver_.AllocatedExtents(Ref(snap)));
  if (allocated.known) {
    allocated.ranges =
        CoarsenRanges(allocated.ranges, 4096, snap.size_gib << 30, kMaxChangedRanges);
  }
  return allocated;
}

Status VolumeManager::RemoveIncrementalBases(const std::string& volume_id) {
  ASSIGN_OR_RETURN(std::vector<Snapshot> bases, snapshots_.IncrementalBasesOf(volume_id));
  for (const Snapshot& s : bases) {
    RETURN_IF_ERROR(DeleteTemporarySnapshot(s.id).WithContext("removing incremental base " + s.id));
  }
  return Status::Ok();
}

}  // namespace bb
