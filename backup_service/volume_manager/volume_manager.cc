// VolumeManager: volume create/get/list/delete, temporary clones, local paths.
// Attachments are in volume_attachments.cc, snapshots in volume_snapshots.cc.
#include "backup_service/volume_manager/volume_manager.h"

#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/common/uuid.h"
#include "backup_service/common/validation.h"

namespace bb {

VolumeManager::VolumeManager(Database& db, VolumeDriver& driver, CommandRunner& runner,
                             std::string host, ListLimits list_limits)
    : db_(db),
      volumes_(db, host),
      snapshots_(db, host),
      driver_(driver),
      runner_(runner),
      host_(std::move(host)),
      list_limits_(list_limits) {}

VolumeRef VolumeManager::Ref(const Volume& v) const {
  return VolumeRef{v.id, v.size_gib << 30, v.provider_location, v.provider_auth};
}

SnapshotRef VolumeManager::Ref(const Snapshot& s) const {
  return SnapshotRef{s.id, s.volume_id, s.size_gib << 30, s.provider_location, s.provider_auth};
}

ConnectorProperties VolumeManager::HostConnector() const {
  return ConnectorProperties{host_, "", ""};
}

Result<Volume> VolumeManager::CreateVolume(const CreateVolumeParams& p) {
  return CreateVolumeRecord(p, VolumeStatus::kAvailable, false, "create requested");
}

Result<Volume> VolumeManager::CreateVolumeForRestore(const CreateVolumeParams& p) {
  return CreateVolumeRecord(p, VolumeStatus::kRestoringBackup, false, "restore target");
}

Result<Volume> VolumeManager::CreateVolumeRecord(const CreateVolumeParams& p, VolumeStatus resting,
                                                 bool is_temporary, const std::string& reason) {
  if (p.size_gib < 1 || p.size_gib > kMaxVolumeSizeGib) {
    return Status::InvalidArgument("size_gib must be between 1 and " +
                                   std::to_string(kMaxVolumeSizeGib) + ", got " +
                                   std::to_string(p.size_gib));
  }
  RETURN_IF_ERROR(ValidateText("name", p.name, kMaxNameBytes));
  RETURN_IF_ERROR(ValidateText("description", p.description, kMaxNameBytes));
  Volume v;
  v.id = NewUuid();
  v.project_id = p.project_id;
  v.name = p.name;
  v.description = p.description;
  v.size_gib = p.size_gib;
  v.status = VolumeStatus::kCreating;
  v.host = host_;
  // The row exists before the driver volume does, so a crash in between leaves a findable row.
  RETURN_IF_ERROR(volumes_.Insert(v, is_temporary, reason));
  Status st = failpoint::Hit("volume.create.after_begin");
  Result<std::string> location = st.ok() ? driver_.CreateVolume(Ref(v)) : Result<std::string>(st);
  if (location.ok()) {
    if (Status fp = failpoint::Hit("volume.create.after_driver"); !fp.ok()) location = fp;
  }
  if (location.ok()) {
    VolumeChange change;
    change.provider_location = *location;
    st = volumes_.Transition(v.id, VolumeStatus::kCreating, resting, "driver volume created",
                             change);
  } else {
    st = location.status();
  }
  if (!st.ok()) {
    BB_LOG(kError) << "creating volume " << v.id << " failed: " << st.ToString();
    // Rather an error record than storage that no record describes.
    (void)FailCreate(v, st.message());
    return st.WithContext("creating volume " + v.id);
  }
  return volumes_.Get(v.id);
}

Status VolumeManager::FailCreate(const Volume& v, const std::string& why) {
  RETURN_IF_ERROR(driver_.DeleteVolume(Ref(v)).WithContext("removing volume " + v.id));
  return volumes_.Transition(v.id, VolumeStatus::kCreating, VolumeStatus::kError, why);
}

Result<Volume> VolumeManager::GetVolume(const std::string& project_id,
                                        const std::string& volume_id) {
  RETURN_IF_ERROR(ValidateUuid("volume_id", volume_id));
  return volumes_.Get(volume_id, project_id);
}

Result<Page<ListedVolume>> VolumeManager::ListVolumes(const ListVolumesQuery& query) {
  RETURN_IF_ERROR(ValidateText("name", query.name, kMaxNameBytes));
  RETURN_IF_ERROR(ValidateStatusFilter("volume", query.status, VolumeStatusNames()));
  ASSIGN_OR_RETURN(PageSpec page, ResolvePage(query.page, kVolumeSortKeys, list_limits_));
  ASSIGN_OR_RETURN(
      Page<Volume> volumes,
      volumes_.List({.project_id = query.project_id, .name = query.name, .status = query.status},
                    page));
  std::vector<std::string> ids;
  for (const auto& v : volumes.records) ids.push_back(v.id);
  ASSIGN_OR_RETURN(auto attachments, volumes_.ListAttachments(ids));
  Page<ListedVolume> out{
      .next_marker = volumes.next_marker, .count = volumes.count, .limit = volumes.limit};
  for (auto& v : volumes.records) {
    auto it = attachments.find(v.id);
    out.records.push_back({.volume = std::move(v),
                           .attachments = it == attachments.end() ? std::vector<Attachment>{}
                                                                  : std::move(it->second)});
  }
  return out;
}

Status VolumeManager::DeleteVolume(const std::string& project_id, const std::string& volume_id) {
  RETURN_IF_ERROR(ValidateUuid("volume_id", volume_id));
  ASSIGN_OR_RETURN(Volume v, volumes_.Get(volume_id, project_id));
  if (v.status != VolumeStatus::kAvailable && v.status != VolumeStatus::kError &&
      v.status != VolumeStatus::kErrorRestoring) {
    std::string hint = v.status == VolumeStatus::kInUse ? "; detach it first" : "";
    return Status::FailedPrecondition("volume " + v.id +
                                      " must be available or error to be deleted, but it is " +
                                      std::string(ToString(v.status)) + hint);
  }
  RETURN_IF_ERROR(volumes_.BeginDelete(v.id, v.status));
  Status st = failpoint::Hit("volume.delete.after_begin");
  if (st.ok()) st = RemoveIncrementalBases(v.id);
  if (st.ok()) st = driver_.DeleteVolume(Ref(v));
  if (st.ok()) st = failpoint::Hit("volume.delete.after_driver");
  if (!st.ok()) {
    (void)volumes_.Transition(v.id, VolumeStatus::kDeleting, VolumeStatus::kError, st.message());
    return st.WithContext("deleting volume " + v.id);
  }
  return volumes_.Remove(v.id, VolumeStatus::kDeleting, "driver volume deleted");
}

Result<Volume> VolumeManager::CreateTemporaryClone(const Volume& volume,
                                                   const std::string& clone_id,
                                                   const std::string& backup_id) {
  Volume v;
  v.id = clone_id;
  v.project_id = volume.project_id;
  v.name = "backup-vol-" + volume.id;
  v.description = "temporary clone for backup " + backup_id;
  v.size_gib = volume.size_gib;
  v.status = VolumeStatus::kCreating;
  v.host = host_;
  RETURN_IF_ERROR(
      volumes_.Insert(v, /*is_temporary=*/true, "temporary clone for backup " + backup_id));
  Status st = failpoint::Hit("create.after_temp_row");
  if (st.ok()) st = FlushAttachedDevices(volume);
  Result<std::string> location =
      st.ok() ? driver_.CreateClonedVolume(Ref(v), Ref(volume)) : Result<std::string>(st);
  if (location.ok()) {
    if (Status fp = failpoint::Hit("create.after_temp_made"); !fp.ok()) location = fp;
  }
  if (!location.ok()) {
    (void)volumes_.Transition(v.id, VolumeStatus::kCreating, VolumeStatus::kError,
                              location.status().message());
    (void)DeleteTemporaryVolume(v.id);
    return location.status().WithContext("cloning volume " + volume.id);
  }
  VolumeChange change;
  change.provider_location = *location;
  RETURN_IF_ERROR(volumes_.Transition(v.id, VolumeStatus::kCreating, VolumeStatus::kAvailable,
                                      "clone made", change));
  return volumes_.Get(v.id);
}

Status VolumeManager::DeleteTemporaryVolume(const std::string& volume_id) {
  auto v = volumes_.Get(volume_id);
  if (v.status().code() == StatusCode::kNotFound) return Status::Ok();  // already gone
  if (!v.ok()) return v.status();
  return DeleteTemporaryVolumeImpl(*v);
}

Status VolumeManager::DeleteTemporaryVolumeImpl(const Volume& v) {
  VolumeStatus s = v.status;
  if (s == VolumeStatus::kCreating) {
    RETURN_IF_ERROR(volumes_.Transition(v.id, s, VolumeStatus::kError, "cleanup"));
    s = VolumeStatus::kError;
  }
  if (s != VolumeStatus::kDeleting) {
    RETURN_IF_ERROR(volumes_.BeginDelete(v.id, s));
  }
  // It may have been exported to the backup host (temp-clone-attached); removing the export is
  // idempotent and finds it by the volume's id, recorded or not.
  if (driver_.Capabilities().volume_attachable) {
    RETURN_IF_ERROR(driver_.RemoveExport(Ref(v)).status());
  }
  RETURN_IF_ERROR(driver_.DeleteVolume(Ref(v)));
  return volumes_.Remove(v.id, VolumeStatus::kDeleting, "temporary volume removed");
}

Result<std::string> VolumeManager::VolumeLocalPath(const Volume& volume) {
  return driver_.VolumeLocalPath(Ref(volume));
}

Result<std::string> VolumeManager::SnapshotLocalPath(const Snapshot& snapshot) {
  return driver_.SnapshotLocalPath(Ref(snapshot));
}

}  // namespace bb
