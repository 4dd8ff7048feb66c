// BackupManager: the worker pool, reads, and helpers shared by the create/restore/delete flows
// (which live in create_backup.cc, restore_backup.cc and delete_backup.cc).
#include "backup_service/manager/backup_manager.h"

#include <algorithm>
#include <chrono>

#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"
#include "backup_service/datapath/manifest.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/restore_job.h"

namespace bb {

BackupManager::BackupManager(Database& db, VolumeHost& volumes, ObjectStore& store,
                             BackupManagerOptions options)
    : db_(db),
      volumes_(volumes),
      store_(store),
      options_(std::move(options)),
      backups_(db, options_.host, options_.quota_defaults),
      quotas_(db, options_.quota_defaults),
      volume_records_(db, options_.host),
      snapshot_records_(db, options_.host),
      container_locks_(db.conninfo()) {
  options_.max_concurrent_jobs = std::max(1, options_.max_concurrent_jobs);
  int n = options_.max_concurrent_jobs + kDeleteWorkers;
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

BackupManager::~BackupManager() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void BackupManager::SubmitJob(const std::string& backup_id, JobOperation op,
                              std::function<void(JobHandle&)> run) {
  // The status transition that precedes this call admits one operation per backup, so the
  // registration cannot collide; a collision would be a bug in that transition.
  std::shared_ptr<JobHandle> job = jobs_.Register(backup_id, op);
  if (!job) {
    BB_LOG(kError) << "backup " << backup_id << " already has a job in this daemon";
    job = std::make_shared<JobHandle>(nullptr, backup_id);
  }
  // The job leaves `queued` the moment a worker takes it (its first step may take a while).
  JobPhase first = op == JobOperation::kCreate    ? JobPhase::kSnapshot
                   : op == JobOperation::kRestore ? JobPhase::kCopy
                                                  : JobPhase::kCleanup;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(
        QueuedJob{backup_id, op != JobOperation::kDelete, [job, first, run = std::move(run)] {
                    job->SetPhase(first);
                    run(*job);
                  }});
  }
  cv_.notify_all();
}

std::deque<BackupManager::QueuedJob>::iterator BackupManager::NextRunnableLocked() {
  // On shutdown every queued job may start: each sees Cancellation() and fails fast.
  bool room = stopping_ || running_limited_ < options_.max_concurrent_jobs;
  return std::find_if(queue_.begin(), queue_.end(),
                      [&](const QueuedJob& j) { return !j.limited || room; });
}

void BackupManager::WorkerLoop() {
  for (;;) {
    QueuedJob job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // On shutdown queued jobs still run: each sees Cancellation() and fails fast, so every
      // record it holds reaches a resting status instead of staying transitional.
      cv_.wait(lock, [&] {
        return NextRunnableLocked() != queue_.end() || (stopping_ && queue_.empty());
      });
      auto next = NextRunnableLocked();
      if (next == queue_.end()) return;
      job = std::move(*next);
      queue_.erase(next);
      ++running_;
      if (job.limited) ++running_limited_;
    }
    job.run();
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
      if (job.limited) --running_limited_;
    }
    cv_.notify_all();
  }
}

void BackupManager::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
}

std::optional<JobProgress> BackupManager::FindJob(const std::string& backup_id) {
  std::optional<JobProgress> job = jobs_.Find(backup_id);
  if (!job || job->phase != JobPhase::kQueued) return job;
  std::lock_guard<std::mutex> lock(mu_);
  int ahead = 0;
  for (const QueuedJob& q : queue_) {
    if (q.backup_id == backup_id) {
      job->queue_position = ahead + 1;
      break;
    }
    // Only jobs of the same kind are ahead: deletes do not wait behind backups and restores.
    if (q.limited == (job->operation != JobOperation::kDelete)) ++ahead;
  }
  return job;
}

Result<Backup> BackupManager::GetBackup(const std::string& project_id,
                                        const std::string& backup_id) {
  RETURN_IF_ERROR(ValidateUuid("backup_id", backup_id));
  return backups_.Get(backup_id, project_id);
}

Result<Page<Backup>> BackupManager::ListBackups(const ListBackupsQuery& query) {
  RETURN_IF_ERROR(ValidateOptionalUuid("volume_id", query.volume_id));
  RETURN_IF_ERROR(ValidateText("name", query.name, kMaxNameBytes));
  RETURN_IF_ERROR(ValidateStatusFilter("backup", query.status, BackupStatusNames()));
  ASSIGN_OR_RETURN(PageSpec page, ResolvePage(query.page, kBackupSortKeys, options_.list_limits));
  return backups_.List({.project_id = query.project_id,
                        .volume_id = query.volume_id,
                        .name = query.name,
                        .status = query.status},
                       page);
}

std::string BackupManager::StoreContainer(const Backup& b) {
  return b.project_id + "/" + b.container;
}

Result<std::unique_ptr<ContainerHold>> BackupManager::HoldContainer(const std::string& container,
                                                                    ContainerLockMode mode) {
  return container_locks_.Acquire(container, mode, [this] { return stopping_.load(); });
}

Result<int64_t> BackupManager::DiscardStoredData(const Backup& b, bool wait_for_container) {
  std::string container = StoreContainer(b);
  // The manifest first: once it is gone, its chunks (v1) or packs (v2) are unreferenced (the
  // copy may have written it before failing, e.g. when the final database write failed).
  // Removing a manifest needs no lock: it only takes references away; collecting does. The
  // layout is the one recorded on the row when the backup began, never the configuration's.
  const bool v2 = b.storage_format == kStoragePackedV2;
  const std::string manifest = v2 ? ManifestV2ObjectName(b.id) : ManifestObjectName(b.id);
  RETURN_IF_ERROR(store_.Delete(container, manifest)
                      .WithContext("removing the manifest of failed backup " + b.id));
  if (v2) {
    // The v2 collector takes its own locks, the container's only for its fence.
    auto collected = CollectContainer(container, b.storage_format, wait_for_container);
    if (!collected.ok() && collected.status().code() == StatusCode::kUnavailable &&
        !wait_for_container) {
      BB_LOG(kInfo) << "backup " << b.id << ": " << collected.status().message()
                    << "; the packs no manifest names are collected by the next delete there";
      return 0;
    }
    return collected;
  }
  // Exclusive, as for a delete's collection: no backup into the container, on any daemon, may
  // be between "chunk already stored" and writing the manifest that names it.
  auto hold = wait_for_container ? HoldContainer(container, ContainerLockMode::kExclusive)
                                 : container_locks_.TryExclusive(container);
  RETURN_IF_ERROR(hold.status());
  const char* what = v2 ? "packs" : "chunks";
  if (*hold == nullptr) {
    BB_LOG(kInfo) << "backup " << b.id << ": a backup writes into " << container << "; the " << what
                  << " no manifest names are collected by the next delete there";
    return 0;
  }
  // A v2 job killed mid-way leaves packs without an index or manifest: garbage for the pack
  // sweep, not a leak; the v1 sweep never looks at packs/.
  ASSIGN_OR_RETURN(int64_t collected, CollectContainer(container, b.storage_format));
  if (collected > 0) {
    BB_LOG(kInfo) << "backup " << b.id << ": " << collected << " " << what
                  << " no manifest names collected";
  }
  return collected;
}

ProgressFn BackupManager::ThrottledProgress(const std::string& backup_id, JobHandle& job) {
  // Progress is persisted at most once a second: a database write per chunk would cap speed.
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [this, backup_id, last, &job](int64_t done, int64_t total) {
    job.SetBytes(done, total);
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - *last < std::chrono::seconds(1)) return;
    *last = now;
    Status st = backups_.UpdateProgress(backup_id, done, total);
    if (!st.ok()) BB_LOG(kWarning) << "progress of " << backup_id << ": " << st.ToString();
  };
}

CancelFn BackupManager::Cancellation(const char* mid_failpoint, JobHandle& job,
                                     std::function<bool()> row_says_stop) {
  // The first call reads the row at once (a cancel may have come while the job was queued).
  auto last_poll = std::make_shared<std::chrono::steady_clock::time_point>();
  return [this, mid_failpoint, &job, row_says_stop = std::move(row_says_stop), last_poll] {
    if (stopping_.load() || job.cancel_requested()) return true;
    auto now = std::chrono::steady_clock::now();
    if (now - *last_poll >= kCancelPollInterval) {
      *last_poll = now;
      if (row_says_stop()) {
        job.RequestCancel();
        return true;
      }
    }
    return !failpoint::Hit(mid_failpoint).ok();
  };
}

Status BackupManager::PersistWithRetry(const std::string& what,
                                       const std::function<Status()>& write) {
  // PostgreSQL unreachable (restarting, failing over) is waited out: giving up would leave the
  // record transitional until the next restart. A conflict or an unknown error is not worth
  // more than a few attempts.
  constexpr auto kOutageBudget = std::chrono::minutes(2);
  constexpr int kOtherAttempts = 5;
  auto deadline = std::chrono::steady_clock::now() + kOutageBudget;
  auto delay = std::chrono::milliseconds(200);
  Status st;
  for (int attempt = 1;; ++attempt) {
    st = write();
    bool unreachable = st.code() == StatusCode::kUnavailable;
    bool transient =
        unreachable || st.code() == StatusCode::kAborted || st.code() == StatusCode::kInternal;
    if (st.ok() || !transient) return st;
    bool more = unreachable ? std::chrono::steady_clock::now() < deadline && !stopping_
                            : attempt < kOtherAttempts;
    if (!more) return st;
    BB_LOG(kWarning) << what << " (attempt " << attempt << "): " << st.ToString();
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(2000));
  }
}

Status BackupManager::ReleaseVolume(const Volume& volume, const std::string& reason) {
  VolumeStatus back =
      volume.status == VolumeStatus::kInUse ? VolumeStatus::kInUse : VolumeStatus::kAvailable;
  VolumeChange change;
  change.previous_status = std::optional<VolumeStatus>();
  return volume_records_.Transition(volume.id, VolumeStatus::kBackingUp, back, reason, change);
}

Status BackupManager::ReleaseSnapshot(const std::string& snapshot_id, const std::string& reason) {
  // Exported for a remote-attach read: the export goes first (idempotent; OK when none).
  RETURN_IF_ERROR(volumes_.UnexportSnapshot(snapshot_id, options_.backup_connector));
  return snapshot_records_.Transition(snapshot_id, SnapshotStatus::kBackingUp,
                                      SnapshotStatus::kAvailable, reason);
}

bool BackupManager::RemoveTemporaries(const Backup& backup, BackupChange& change) {
  bool all_removed = true;
  if (!backup.temp_snapshot_id.empty()) {
    Status st = PersistWithRetry("removing temporary snapshot " + backup.temp_snapshot_id, [&] {
      return volumes_.DeleteTemporarySnapshot(backup.temp_snapshot_id);
    });
    if (st.ok()) {
      change.temp_snapshot_id = "";
    } else {
      // The id stays recorded on the backup so restart cleanup can find the leftover.
      all_removed = false;
      BB_LOG(kError) << "backup " << backup.id << ": temporary snapshot " << backup.temp_snapshot_id
                     << " not removed: " << st.ToString();
    }
  }
  if (!backup.temp_volume_id.empty()) {
    Status st = PersistWithRetry("removing temporary clone " + backup.temp_volume_id, [&] {
      return volumes_.DeleteTemporaryVolume(backup.temp_volume_id);
    });
    if (st.ok()) {
      change.temp_volume_id = "";
    } else {
      all_removed = false;
      BB_LOG(kError) << "backup " << backup.id << ": temporary clone " << backup.temp_volume_id
                     << " not removed: " << st.ToString();
    }
  }
  return all_removed;
}

}  // namespace bb
