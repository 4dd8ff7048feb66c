// Create backup: request checks and the first transition (synchronous), then the worker:
//   record temporary id -> make temporary -> release volume -> copy -> available -> remove temp.
// Every step is persisted before the side effect it guards. A force delete may move the backup
// creating -> deleting at any point (cancel_backup.cc): every write of the job is a
// compare-and-swap on creating, so none lands after it; the job notices (flag, status poll, or a
// lost compare-and-swap), gives back what it holds and finishes the delete.
#include <chrono>

#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/common/uuid.h"
#include "backup_service/common/validation.h"
#include "backup_service/datapath/backup_job.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {
namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<Backup> BackupManager::CreateBackup(const CreateBackupParams& p) {
  RETURN_IF_ERROR(ValidateUuid("volume_id", p.volume_id));
  RETURN_IF_ERROR(ValidateText("name", p.name, kMaxNameBytes));
  RETURN_IF_ERROR(ValidateText("description", p.description, kMaxNameBytes));
  RETURN_IF_ERROR(ValidateOptionalUuid("snapshot_id", p.snapshot_id));
  std::string container = p.container.empty() ? options_.default_container : p.container;
  RETURN_IF_ERROR(ValidateBackupContainerName(container));
  ASSIGN_OR_RETURN(Volume volume, volumes_.GetVolume(p.project_id, p.volume_id));
  ASSIGN_OR_RETURN(DriverCapabilities caps, volumes_.Capabilities());
  BackupSourcePlan plan;
  if (!p.snapshot_id.empty()) {
    // A given snapshot is a point in time already: the volume's status does not matter and is
    // not touched (it cannot be deleted while the snapshot exists).
    ASSIGN_OR_RETURN(Snapshot snapshot, volumes_.GetSnapshot(p.project_id, p.snapshot_id));
    if (snapshot.volume_id != volume.id) {
      return Status::InvalidArgument("snapshot " + snapshot.id + " belongs to volume " +
                                     snapshot.volume_id + ", not to volume " + volume.id);
    }
    if (snapshot.status != SnapshotStatus::kAvailable) {
      return Status::FailedPrecondition(
          "Snapshot to be backed up must be available, but the current status is \"" +
          std::string(ToString(snapshot.status)) + "\".");
    }
    ASSIGN_OR_RETURN(plan, ChooseSnapshotBackupSource(caps, options_.attach));
  } else {
    if (volume.status == VolumeStatus::kInUse && !p.force) {
      return Status::FailedPrecondition("Backing up an in-use volume must use the force flag.");
    }
    if (volume.status != VolumeStatus::kAvailable && volume.status != VolumeStatus::kInUse) {
      return Status::FailedPrecondition(
          "Volume to be backed up must be available or in-use, but the current status is \"" +
          std::string(ToString(volume.status)) + "\".");
    }
    ASSIGN_OR_RETURN(
        plan, ChooseBackupSource(caps, volume.status, options_.attach, options_.use_temp_snapshot));
  }
  Backup b;
  b.id = NewUuid();
  b.project_id = p.project_id;
  b.volume_id = volume.id;
  b.snapshot_id = p.snapshot_id;
  b.name = p.name;
  b.description = p.description;
  b.container = container;
  b.host = options_.host;
  b.size_gib = volume.size_gib;
  // Recorded with the row, before any object is written: restore, delete and restart cleanup
  // go by it, whatever the configuration says later.
  b.storage_format = options_.storage_format;
  if (b.storage_format == kStoragePackedV2) {
    // A wrong master key refuses the request here, before any state changes or data is read.
    RETURN_IF_ERROR(CheckV2Keys(StoreContainer(b), /*for_backup=*/true));
  }
  if (p.incremental) {
    ASSIGN_OR_RETURN(std::optional<Backup> parent,
                     backups_.LatestAvailable(p.project_id, volume.id));
    if (!parent) {
      return Status::FailedPrecondition("No backups available to do an incremental backup.");
    }
    b.parent_id = parent->id;
  }
  if (b.snapshot_id.empty()) {
    // Volume -> backing-up (previous_status saved) and the backup row, in one transaction.
    RETURN_IF_ERROR(backups_.BeginBackup(b, volume.status));
  } else {
    // Snapshot -> backing-up and the backup row, in one transaction.
    RETURN_IF_ERROR(backups_.BeginSnapshotBackup(b));
  }
  BB_LOG(kInfo) << "backup " << b.id << " of volume " << volume.id << " ("
                << ToString(volume.status) << ")"
                << (b.snapshot_id.empty() ? "" : " snapshot " + b.snapshot_id)
                << " accepted; source: " << ToString(plan.kind) << " (" << plan.reason << ")";
  SubmitJob(b.id, JobOperation::kCreate,
            [this, b, volume, plan](JobHandle& job) { RunBackup(b, volume, plan, job); });
  return backups_.Get(b.id);
}

void BackupManager::RunBackup(Backup backup, Volume volume, BackupSourcePlan plan, JobHandle& job) {
  BackupChange outcome;
  // The volume (or the given snapshot) is backing-up until released.
  bool held = true;
  bool copy_started = false;  // from here on the store may hold chunks or a manifest of it
  // The device read: closed and disconnected (an iSCSI logout) before the export and the
  // temporary go, on every path.
  std::shared_ptr<SourceAttachment> attached;
  auto detach = [&] {
    if (!attached) return;
    if (Status st = attached->Detach(); !st.ok()) {
      BB_LOG(kWarning) << "backup " << backup.id << ": detaching " << attached->name() << ": "
                       << st.ToString();
    }
    attached.reset();
  };
  auto release = [&](const std::string& why) {
    if (!held) return;
    // Retried through a database outage: a volume left backing-up would block its owner until
    // the next restart of this daemon.
    Status st = PersistWithRetry("releasing the source of backup " + backup.id, [&] {
      return backup.snapshot_id.empty() ? ReleaseVolume(volume, why)
                                        : ReleaseSnapshot(backup.snapshot_id, why);
    });
    if (!st.ok()) BB_LOG(kError) << "backup " << backup.id << ": " << st.ToString();
    held = false;
  };
  auto cancelled = [&] {
    BB_LOG(kInfo) << "backup " << backup.id << " cancelled by a force delete; cleaning up";
    job.SetPhase(JobPhase::kCleanup);
    job.SetFailed("cancelled by a force delete");
    detach();
    // A kill here leaves what restart must give back: the backup deleting, the volume perhaps
    // still backing-up, temporaries and chunks (an error has nothing to fail: it is ignored).
    (void)failpoint::Hit("cancel.after_job_stopped");
    release("backup " + backup.id + " cancelled by a force delete");
    FinishCancelledBackup(backup, copy_started, job);
  };
  auto fail = [&](const Status& why) {
    // A compare-and-swap on creating lost to a force delete is a cancel, not a failure.
    if (job.cancel_requested() ||
        (why.code() == StatusCode::kFailedPrecondition && CancelledInDatabase(backup.id))) {
      return cancelled();
    }
    BB_LOG(kError) << "backup " << backup.id << " failed: " << why.ToString();
    job.SetPhase(JobPhase::kCleanup);
    detach();
    release("backup " + backup.id + " failed");
    RemoveTemporaries(backup, outcome);
    // Before the row leaves creating: a crash in between leaves it to restart cleanup, which
    // does the same. Chunks stay if this fails (the next collection in the container frees them).
    if (copy_started) {
      if (auto discarded = DiscardStoredData(backup, /*wait_for_container=*/true);
          !discarded.ok()) {
        BB_LOG(kError) << "backup " << backup.id << ": " << discarded.status().ToString();
      }
    }
    outcome.fail_reason = why.message();
    outcome.set_finished_now = true;
    // If even this write fails, the backup stays creating and restart cleanup finishes it.
    Status st = PersistWithRetry("failing backup " + backup.id, [&] {
      return backups_.Transition(backup.id, BackupStatus::kCreating, BackupStatus::kError,
                                 why.message(), outcome);
    });
    // Lost to a force delete that came after the last cancellation check.
    if (!st.ok() && CancelledInDatabase(backup.id)) return cancelled();
    if (!st.ok()) BB_LOG(kError) << "backup " << backup.id << ": " << st.ToString();
  };

  // Cancelled while queued (or between the request's commit and this job's registration).
  if (job.cancel_requested() || CancelledInDatabase(backup.id)) return cancelled();
  if (Status fp = failpoint::Hit("create.after_begin"); !fp.ok()) return fail(fp);
  job.SetPhase(JobPhase::kSnapshot);
  auto source = PrepareSource(backup, volume, plan);
  // Unlike Cinder, a failure to get the device fails the backup at once and frees the volume.
  if (!source.ok()) return fail(source.status().WithContext("preparing the source"));
  attached = source->attachment;
  BB_LOG(kInfo) << "backup " << backup.id << " reads " << attached->name() << " ("
                << ToString(plan.kind) << ")";
  BackupChange stamp;
  stamp.data_timestamp = source->data_timestamp;
  stamp.source_device = attached->name();
  (void)backups_.Update(backup.id, BackupStatus::kCreating, "source ready", stamp);
  // The copy continues from the temporary: attach, detach and extend are no longer blocked.
  if (plan.releases_volume_early) release("temporary copy of the volume made");
  if (Status fp = failpoint::Hit("create.after_volume_released"); !fp.ok()) return fail(fp);

  std::optional<Backup> parent;
  if (!backup.parent_id.empty()) {
    // A parent deleted meanwhile only costs existence checks: every manifest is complete.
    auto pr = backups_.Get(backup.parent_id);
    if (pr.ok() && pr->status == BackupStatus::kAvailable) parent = *pr;
  }
  LimitToAllocatedExtents(backup, plan, *attached);
  const bool keep_base = KeepsIncrementalBase(backup, plan);
  std::optional<std::vector<ByteRange>> changed =
      ChangedSinceBase(backup, parent ? &*parent : nullptr, plan);
  job.SetPhase(JobPhase::kCopy);
  copy_started = true;
  Status st = CopyToStore(backup, *attached, parent ? &*parent : nullptr, changed, outcome, job);
  if (!st.ok()) return fail(st);
  detach();
  release("backup " + backup.id + " copied");
  if (Status fp = failpoint::Hit("create.after_manifest"); !fp.ok()) return fail(fp);

  job.SetPhase(JobPhase::kCleanup);
  if (keep_base) {
    // The snapshot stays, as the volume's incremental base, recorded in the commit itself.
    job.SetPhase(JobPhase::kFinalize);
    outcome.set_finished_now = true;
    st = CommitKeepingBase(backup, outcome, "manifest " + *outcome.manifest_object + " written");
    if (st.ok()) {
      if (parent) (void)backups_.AddDependent(parent->id, +1);
      BB_LOG(kInfo) << "backup " << backup.id << " available";
      return;
    }
    if (CancelledInDatabase(backup.id)) return fail(st);
    BB_LOG(kWarning) << "backup " << backup.id
                     << ": keeping the incremental base failed, removing it: " << st.ToString();
  }
  RemoveTemporaries(backup, outcome);
  job.SetPhase(JobPhase::kFinalize);
  outcome.set_finished_now = true;
  // Commit order: chunks and manifest are durable before the row says available. A transient
  // database failure is retried; if the write still fails, the backup fails.
  st = PersistWithRetry("making backup " + backup.id + " available", [&] {
    BB_FAILPOINT("create.before_db_available");
    return backups_.Transition(backup.id, BackupStatus::kCreating, BackupStatus::kAvailable,
                               "manifest " + *outcome.manifest_object + " written", outcome);
  });
  if (!st.ok()) return fail(st);
  if (parent) (void)backups_.AddDependent(parent->id, +1);
  BB_LOG(kInfo) << "backup " << backup.id << " available";
}

Result<PreparedSource> BackupManager::PrepareSource(Backup& backup, const Volume& volume,
                                                    const BackupSourcePlan& plan) {
  BackupChange start;
  start.set_started_now = true;
  start.source_kind = plan.kind;
  start.source_reason = plan.reason;
  start.bytes_total = volume.size_gib << 30;
  auto local = [](const std::string& path, int64_t when) -> Result<PreparedSource> {
    ASSIGN_OR_RETURN(auto a, SourceAttachment::OpenLocal(path, AccessMode::kReadOnly));
    return PreparedSource{std::move(a), when};
  };
  // Exported to this backup host and attached through the connector its connection names. A
  // failure after the export removes it (ExportSnapshot on its own failures; the fail path's
  // cleanup of the temporary, or the snapshot's release, on later ones).
  auto attach = [&](const Snapshot& snap, int64_t when) -> Result<PreparedSource> {
    ASSIGN_OR_RETURN(ConnectionInfo info,
                     volumes_.ExportSnapshot(snap.id, options_.backup_connector));
    ASSIGN_OR_RETURN(auto a,
                     SourceAttachment::Attach(info, volumes_.runner(), options_.connector_options,
                                              AccessMode::kReadOnly));
    return PreparedSource{std::move(a), when};
  };
  // A temporary's id is recorded on the backup before the temporary exists, so from here on a
  // crash always leaves an id that cleanup can find (and the fail path below removes it).
  switch (plan.kind) {
    case BackupSourceKind::kTempSnapshotLocal:
    case BackupSourceKind::kTempSnapshotAttached: {
      backup.temp_snapshot_id = NewUuid();
      start.temp_snapshot_id = backup.temp_snapshot_id;
      RETURN_IF_ERROR(backups_.Update(backup.id, BackupStatus::kCreating,
                                      "temporary snapshot recorded", start));
      BB_FAILPOINT("create.after_temp_recorded");
      ASSIGN_OR_RETURN(Snapshot snap, volumes_.CreateTemporarySnapshot(
                                          volume, backup.temp_snapshot_id, backup.id));
      if (plan.kind == BackupSourceKind::kTempSnapshotAttached) return attach(snap, NowMicros());
      ASSIGN_OR_RETURN(std::string path, volumes_.SnapshotLocalPath(snap));
      return local(path, NowMicros());
    }
    case BackupSourceKind::kSnapshotLocal:
    case BackupSourceKind::kSnapshotAttached: {
      RETURN_IF_ERROR(backups_.Update(backup.id, BackupStatus::kCreating,
                                      "reading snapshot " + backup.snapshot_id, start));
      ASSIGN_OR_RETURN(Snapshot snap, volumes_.GetSnapshot(backup.project_id, backup.snapshot_id));
      // The data is the snapshot's: its creation is the instant the backup represents.
      if (plan.kind == BackupSourceKind::kSnapshotAttached) return attach(snap, snap.created_at);
      ASSIGN_OR_RETURN(std::string path, volumes_.SnapshotLocalPath(snap));
      return local(path, snap.created_at);
    }
    case BackupSourceKind::kTempCloneLocal:
    case BackupSourceKind::kTempCloneAttached: {
      backup.temp_volume_id = NewUuid();
      start.temp_volume_id = backup.temp_volume_id;
      RETURN_IF_ERROR(
          backups_.Update(backup.id, BackupStatus::kCreating, "temporary clone recorded", start));
      BB_FAILPOINT("create.after_temp_recorded");
      ASSIGN_OR_RETURN(Volume clone,
                       volumes_.CreateTemporaryClone(volume, backup.temp_volume_id, backup.id));
      if (plan.kind == BackupSourceKind::kTempCloneAttached) {
        // Removed with the clone (DeleteTemporaryVolume) on every path.
        ASSIGN_OR_RETURN(ConnectionInfo info,
                         volumes_.ExportVolume(clone.id, options_.backup_connector));
        ASSIGN_OR_RETURN(
            auto a, SourceAttachment::Attach(info, volumes_.runner(), options_.connector_options,
                                             AccessMode::kReadOnly));
        return PreparedSource{std::move(a), NowMicros()};
      }
      ASSIGN_OR_RETURN(std::string path, volumes_.VolumeLocalPath(clone));
      return local(path, NowMicros());
    }
    default: {
      RETURN_IF_ERROR(backups_.Update(backup.id, BackupStatus::kCreating,
                                      "reading the volume directly", start));
      ASSIGN_OR_RETURN(std::string path, volumes_.VolumeLocalPath(volume));
      return local(path, NowMicros());
    }
  }
}

Status BackupManager::CopyToStore(Backup& backup, SourceAttachment& source, const Backup* parent,
                                  const std::optional<std::vector<ByteRange>>& changed,
                                  BackupChange& done, JobHandle& job) {
  std::string container = StoreContainer(backup);
  RETURN_IF_ERROR(store_.EnsureContainer(container));
  BackupJobSpec spec;
  spec.source_device = &source.device();
  spec.size_bytes = backup.size_gib << 30;
  spec.store = &store_;
  spec.container = container;
  spec.backup_id = backup.id;
  spec.volume_id = backup.volume_id;
  if (parent != nullptr) {
    spec.parent_id = parent->id;
    if (StoreContainer(*parent) == container) spec.parent_manifest_object = parent->manifest_object;
  }
  spec.chunk_size = options_.chunk_size;
  spec.compression_level =
      options_.compression == Compression::kNone ? 0 : options_.compression_level;
  spec.workers = options_.workers_per_job;
  spec.progress = ThrottledProgress(backup.id, job);
  spec.cancelled = Cancellation("create.mid_upload", job,
                                [this, id = backup.id] { return CancelledInDatabase(id); });
  auto hold = HoldContainer(container, ContainerLockMode::kShared);
  if (!hold.ok()) {
    if (hold.status().code() == StatusCode::kCancelled) {
      return Status::Cancelled("backupd stopped before the backup began; take it again");
    }
    return hold.status();
  }
  auto result = backup.storage_format == kStoragePackedV2 ? RunBackupV2(spec, backup, changed)
                                                          : RunBackupJob(spec);
  if (!result.ok()) {
    if (job.cancel_requested()) return Status::Cancelled("cancelled by a force delete");
    if (result.status().code() == StatusCode::kCancelled && stopping_) {
      return Status::Cancelled("backupd stopped during the backup; take it again");
    }
    return result.status().WithContext("copying " + source.name());
  }
  // The chunks it found already stored were safe only while the hold lasted: if its session
  // broke, a collector may have removed some before the manifest referred to them.
  if (Status held = (*hold)->Verify(); !held.ok()) {
    (void)store_.Delete(container, result->manifest_object);
    return held.WithContext("the container lock was lost during the copy; take the backup again");
  }
  done.manifest_object = result->manifest_object;
  done.object_count = result->object_count;
  done.stored_bytes = result->stored_bytes;
  done.bytes_done = spec.size_bytes;  // logical bytes: skipped holes count as done
  BB_LOG(kInfo) << "backup " << backup.id << ": " << result->chunks_total << " chunks ("
                << result->chunks_new << " new, " << result->chunks_reused << " reused, "
                << result->chunks_zero << " zero), " << result->bytes_read << " bytes read, "
                << result->stored_bytes << " bytes stored in " << result->seconds << " s";
  return Status::Ok();
}

}  // namespace bb
