// BackupManager: creates, restores and deletes backups (Cinder's backup API + manager roles).
//
// Requests are validated and their first transition persisted synchronously (a refused request
// changes nothing); the long part runs on a worker thread. Backup flow:
//   volume available|in-use --(CAS, previous_status saved)--> backing-up
//   -> temporary snapshot (or clone) recorded on the backup, then made by the driver
//   -> volume back to previous_status (attach/detach/extend are not blocked during the copy)
//   -> copy from the temporary: reader -> chunks -> store -> manifest (written last)
//   -> backup available -> temporary removed (in every path, success or failure).
// Cancellation (cancel_backup.cc): a force delete of a creating backup and CancelRestore persist
// their transition first, then stop the job within a second (an in-process flag for a job of
// this daemon, a once-a-second status poll by a job running on another daemon).
// Limits: at most max_concurrent_jobs backups and restores run at once (Cinder's
// backup_max_operations); further ones wait in a FIFO queue, visible as job phase `queued` with
// their position (FindJob). Deletes have workers of their own and never wait behind them.
// Thread-safety: all public methods may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/backup_job.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/datapath/compressor.h"
#include "backup_service/datapath/pipeline_v2/pack_collector.h"
#include "backup_service/datapath/progress.h"
#include "backup_service/datapath/restore_job.h"
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/container_lock.h"
#include "backup_service/db/database.h"
#include "backup_service/db/quota_repository.h"
#include "backup_service/db/snapshot_repository.h"
#include "backup_service/db/volume_repository.h"
#include "backup_service/manager/backup_record.h"
#include "backup_service/manager/backup_source.h"
#include "backup_service/manager/job_registry.h"
#include "backup_service/manager/progress_report.h"
#include "backup_service/manager/source_attachment.h"
#include "backup_service/manager/volume_host.h"
#include "backup_service/model/list_query.h"
#include "backup_service/model/records.h"
#include "backup_service/object_stores/object_store.h"
#include "backup_service/volume_manager/volume_manager.h"

namespace bb {

struct BackupManagerOptions {
  std::string host;
  std::string default_container = "backups";
  int64_t chunk_size = 4 << 20;  // format v1 only (v2 chunks are 32 KiB)
  // Codec of new chunks (config compression); compression_level is the zstd level. v1 backups
  // get zstd or none (the config refuses lz4 with v1).
  Compression compression = Compression::kZstd;
  int compression_level = 3;
  // Format of NEW backups (config backup_format): kStoragePackedV2 (packs, README "Format v2")
  // or kStorageChunkedV1. Existing backups are read, deleted and exported by their own recorded
  // format whatever this says.
  std::string storage_format = std::string(kStoragePackedV2);
  // Config backup_master_key_file: when set, new v2 containers are encrypted with container keys
  // wrapped by it, and encrypted containers can be read.
  std::optional<Key256> master_key;
  int workers_per_job = 2;
  // Config changed_extent_incrementals: a v2 backup that read a temporary snapshot of a volume
  // whose driver reports changed extents keeps it as the volume's incremental base, and an
  // incremental whose parent is that base's backup reads only the changed chunks
  // (backup_service/datapath/README.md "Changed-extent incrementals"). On by default, as the
  // config's default.
  bool changed_extent_incrementals = true;
  // Config collect_on_delete: a delete runs the collection of its container after removing the
  // manifest. false: deletes only remove manifests, and the operator collects with `backupctl
  // gc` (CollectGarbage), once for many deletes (each collection marks every manifest of the
  // container, so a retention run deleting N backups pays that N times with true).
  bool collect_on_delete = true;
  // Backups and restores running at once (config max_concurrent_jobs, alias
  // backup_max_operations); deletes do not count.
  int max_concurrent_jobs = 4;
  ListLimits list_limits{};  // page size of ListBackups (config list_default_limit, list_max_limit)
  // The remote-attach path (config backup_attach): auto takes the cheapest source the driver
  // offers; local never attaches an export; remote always reads through one.
  BackupAttach attach = BackupAttach::kAuto;
  // Config backup_use_temp_snapshot (Cinder's option): false makes backups of volumes read a
  // temporary clone even when the driver can snapshot (backup_source.h).
  bool use_temp_snapshot = true;
  // This backup host as the driver's exports see it (host, initiator name, address), and how it
  // attaches them (config iscsi_initiator_name, my_ip).
  ConnectorProperties backup_connector{};
  ConnectorOptions connector_options{};
  // Backup quotas of a project without limits of its own (config quota_backups,
  // quota_backup_gigabytes; Cinder's defaults).
  QuotaLimits quota_defaults{};
};

// ListBackups: filters (combined with AND; empty = any) and paging.
struct ListBackupsQuery {
  std::string project_id{};
  std::string volume_id{};
  std::string name{};    // exact
  std::string status{};  // a backup status
  PageRequest page{};
};

struct CreateBackupParams {
  std::string project_id;
  std::string volume_id;
  std::string name;
  std::string description;
  bool force = false;
  bool incremental = false;
  std::string snapshot_id;
  std::string container;
};

struct RestoreParams {
  std::string project_id;
  std::string backup_id;
  std::string volume_id;  // empty: create a new volume
  std::string name;       // name of the new volume
};

struct RestoreStarted {
  Backup backup;
  Volume volume;
};

// After CancelRestore: the backup (available) and the target volume (error; available when the
// restore had already finished).
struct RestoreCancelled {
  Backup backup;
  Volume volume;
};

// What restart-time cleanup did (recovery.cc).
struct RecoveryReport {
  int backups_failed = 0;
  int restores_rolled_back = 0;
  int deletes_resumed = 0;
  int temporaries_removed = 0;
  int64_t chunks_collected = 0;
  std::vector<std::string> problems;  // steps that failed and will be retried at the next start
};

// What VerifyBackup checked (verify_backup.cc). "blobs" are v2 blobs (data and chunk lists)
// or v1 chunk objects; packs_checked is 0 for v1.
struct VerifyReport {
  std::string backup_id;
  std::string storage_format;
  int64_t size_bytes = 0;
  int64_t chunks = 0;
  int64_t chunks_zero = 0;
  int64_t blobs_checked = 0;
  int64_t plain_bytes = 0;
  int64_t packs_checked = 0;
  int64_t bytes_read = 0;
  double seconds = 0;
};

// What RebuildCatalog found in a container (catalog_rebuild.cc): backup ids inserted, already
// present, and manifests it could not use ("object: reason").
struct CatalogRebuildReport {
  std::string container;  // the store container, "<project>/<container>"
  int manifests = 0;
  std::vector<std::string> inserted;
  std::vector<std::string> already_present;
  std::vector<std::string> skipped;
  // v2 containers: the index rebuilt from the packs first (pipeline_v2/index_rebuild.h).
  int packs_indexed = 0;                           // packs no readable index object named
  std::string index_object;                        // the index object written for them
  std::vector<std::string> index_objects_removed;  // damaged ones, after it was written
  std::vector<std::string> unreadable_packs;
};

// What CollectGarbage did to a container (collect_garbage.cc): the v2 collector's figures (all
// zero for a container without v2 data) and the v1 chunks swept.
struct GarbageReport {
  std::string container;  // the store container, "<project>/<container>"
  v2::PackCollectResult packs;
  int64_t v1_chunks_deleted = 0;
  double seconds = 0;
};

// What a backup reads (a local path or an attached export, opened as a block device) and the
// instant its data represents.
struct PreparedSource {
  std::shared_ptr<SourceAttachment> attachment;
  int64_t data_timestamp = 0;  // epoch microseconds
};

class BackupManager {
 public:
  BackupManager(Database& db, VolumeHost& volumes, ObjectStore& store,
                BackupManagerOptions options);
  ~BackupManager();  // waits for running jobs

  Result<Backup> CreateBackup(const CreateBackupParams& p);
  Result<Backup> GetBackup(const std::string& project_id, const std::string& backup_id);
  // Every field is validated first (InvalidArgument saying what to fix). Listing all projects
  // is allowed here; the transport checks that the caller is the operator.
  Result<Page<Backup>> ListBackups(const ListBackupsQuery& query);
  Result<Backup> DeleteBackup(const std::string& project_id, const std::string& backup_id,
                              bool force);
  Result<RestoreStarted> RestoreBackup(const RestoreParams& p);
  // Name and/or description; at least one must be given (update_backup.cc).
  Result<Backup> UpdateBackup(const std::string& project_id, const std::string& backup_id,
                              const std::optional<std::string>& name,
                              const std::optional<std::string>& description);
  // Admin (any project): status available|error, and what the backup holds released
  // (reset_backup.cc; semantics in proto/backup.proto ResetBackupStatusRequest).
  Result<Backup> ResetBackupStatus(const std::string& backup_id, const std::string& status);

  // Cancels the restore running on the backup (cancel_backup.cc): in one transaction the backup
  // goes back to available and the target volume to error (its content is partial); the job
  // then stops within a second. project_id empty: any project (the operator).
  // FailedPrecondition when the backup is not restoring.
  Result<RestoreCancelled> CancelRestore(const std::string& project_id,
                                         const std::string& backup_id);
  // This daemon's job on the backup (queued with its queue position, or running), if any.
  std::optional<JobProgress> FindJob(const std::string& backup_id);
  // Waits up to `d` for this daemon's job on the backup to end; true when none runs (any more).
  bool WaitUntilJobEnded(const std::string& backup_id, std::chrono::milliseconds d) const {
    return jobs_.WaitUntilEnded(backup_id, d);
  }

  // Restart-time cleanup of `host`'s unfinished backups, restores and deletes (recovery.cc).
  // Call before serving requests; resumed deletes run on the workers.
  Result<RecoveryReport> RecoverHost(const std::string& host);
  // Export/import of a backup's record for another installation on the same object store
  // (backup_record_ops.cc). Export needs an available backup; import checks the record, that it
  // is the caller's project's, that the id is unused here and that the manifest is in this
  // installation's store, then inserts the backup as available.
  Result<BackupRecordWire> ExportBackupRecord(const std::string& project_id,
                                              const std::string& backup_id);
  Result<Backup> ImportBackupRecord(const std::string& project_id, const BackupRecordWire& record);
  // Re-reads and checks every object an available backup depends on, writing nothing
  // (verify_backup.cc): DataLoss naming the backup and the damaged object; FailedPrecondition
  // when the backup is not available or the master key cannot open its container.
  Result<VerifyReport> VerifyBackup(const std::string& project_id, const std::string& backup_id);
  // Disaster recovery (catalog_rebuild.cc): holding the container exclusive, rebuilds lost or
  // damaged index objects from the packs, then reads every manifest of the project's
  // `container` (default: the configured one) and inserts the backups this database lacks as
  // available, without quota checks (they exist already). Admin only; the transport checks it.
  Result<CatalogRebuildReport> RebuildCatalog(const std::string& project_id,
                                              const std::string& container);
  // Admin (`backupctl gc`; collect_garbage.cc): the collection a delete runs, on demand, for
  // the project's `container` (default: the configured one): v2 packs (CollectPacksFenced,
  // waiting for its fence between backups) and v1 chunks (the container held exclusive).
  // NotFound when the store has no such container; FailedPrecondition when the master key
  // cannot open it. The transport checks the caller is an admin.
  Result<GarbageReport> CollectGarbage(const std::string& project_id, const std::string& container);
  // One observation for WatchBackup/WatchRestore (watch_backup.cc): the row (NotFound for a
  // missing, deleted or other project's backup) and this daemon's live or recently finished
  // job. restore_volume_id: a restore target the watcher saw earlier; its status is read once
  // the backup no longer restores, so a watcher learns the outcome of a restore it followed.
  Result<ProgressSnapshot> Progress(const std::string& project_id, const std::string& backup_id,
                                    const std::string& restore_volume_id = "");

  // Backup quotas (quota_ops.cc; what counts: model/quotas.h). Get: the project's limits and
  // usage. Update (admin): the given limits, refused with InvalidArgument below the usage.
  // Reset (admin): the defaults again. InvalidArgument for a malformed project id.
  Result<ProjectQuota> GetQuota(const std::string& project_id);
  Result<ProjectQuota> UpdateQuota(const std::string& project_id, const QuotaUpdate& update);
  Status ResetQuota(const std::string& project_id);
  const QuotaLimits& DefaultQuota() const { return options_.quota_defaults; }
  // Blocks until no job is queued or running (tests, shutdown).
  void WaitIdle();

 private:
  // How often a running job reads its backup's status to learn of a cancel by another daemon.
  static constexpr std::chrono::seconds kCancelPollInterval{1};
  // Workers beyond max_concurrent_jobs, for deletes (which never wait behind backups/restores).
  static constexpr int kDeleteWorkers = 2;

  // A job waiting for a worker. Backups and restores count against max_concurrent_jobs.
  struct QueuedJob {
    std::string backup_id;
    bool limited = false;
    std::function<void()> run;
  };
  void WorkerLoop();
  // The first queued job a worker may start now (queue_.end() if none). Caller holds mu_.
  std::deque<QueuedJob>::iterator NextRunnableLocked();
  // The worker halves of the three operations (create_backup.cc, restore_backup.cc,
  // delete_backup.cc). They never throw and always leave every record in a resting status.
  void RunBackup(Backup backup, Volume volume, BackupSourcePlan plan, JobHandle& job);
  void RunRestore(Backup backup, Volume volume, bool volume_is_new, JobHandle& job);
  // Also finishes a backup cancelled while creating: gives back the volume/snapshot it may still
  // hold and its temporaries; data_written false skips the chunk collection (nothing was stored).
  void RunDelete(Backup backup, JobHandle& job, bool data_written = true);
  // Force delete of a creating backup: creating -> deleting, then the job is told
  // (cancel_backup.cc).
  Result<Backup> CancelCreate(const Backup& backup);
  // Raises the cancel flag of this daemon's job on the backup; a job still queued is taken out
  // of the queue and run at once on the calling thread (it only gives back what it holds).
  // False when this daemon has no job on the backup.
  bool CancelLocalJob(const std::string& backup_id);
  // The job of a backup that left creating under it (force delete): remove what it made and
  // finish the delete. The job has already given back the volume/snapshot it held.
  void FinishCancelledBackup(const Backup& backup, bool data_written, JobHandle& job);
  // True when the backup's row says a force delete cancelled it (status deleting).
  bool CancelledInDatabase(const std::string& backup_id);
  // Gives back the volume (to its previous status) or given snapshot (to available) that a
  // backup cancelled while creating may still hold; guarded so that what another running backup
  // holds is left alone.
  Status ReleaseHeldSource(const Backup& backup, const std::string& reason);
  // Registers the job (phase queued) and queues `run` with its handle.
  void SubmitJob(const std::string& backup_id, JobOperation op,
                 std::function<void(JobHandle&)> run);
  // Persists the start of the copy, makes the temporary `plan` asks for (its id recorded on
  // `backup` first) and returns the path to read.
  Result<PreparedSource> PrepareSource(Backup& backup, const Volume& volume,
                                       const BackupSourcePlan& plan);
  // Reads the source into the store; fills `done` on success.
  // `changed`: the changed-extent incremental's ranges since the parent (v2 only).
  Status CopyToStore(Backup& backup, SourceAttachment& source, const Backup* parent,
                     const std::optional<std::vector<ByteRange>>& changed, BackupChange& done,
                     JobHandle& job);
  // A snapshot source whose driver reports allocated extents: `source` then skips the rest
  // (allocated_extents.cc). Logs why when it cannot.
  void LimitToAllocatedExtents(const Backup& backup, const BackupSourcePlan& plan,
                               SourceAttachment& source);
  // Changed-extent incrementals (incremental_base.cc). Whether this backup keeps its temporary
  // snapshot as the volume's incremental base (config, format v2, a local temporary snapshot, a
  // driver reporting changed extents).
  bool KeepsIncrementalBase(const Backup& backup, const BackupSourcePlan& plan);
  // The ranges changed since the volume's base when it holds `parent`'s data; nullopt (read
  // everything) otherwise, the reason logged.
  std::optional<std::vector<ByteRange>> ChangedSinceBase(const Backup& backup, const Backup* parent,
                                                         const BackupSourcePlan& plan);
  // creating -> available keeping the temporary snapshot as the base (one transaction with the
  // old base's deleting), then the old base removed. `outcome` is updated with what was written.
  Status CommitKeepingBase(const Backup& backup, BackupChange& outcome, const std::string& reason);
  // Restart cleanup of the bases made by `host`'s backups: superseded or orphaned ones removed.
  void RemoveStaleBases(const std::string& host, RecoveryReport& report);
  // Format v2 (v2_data_path.cc): the copy with RunV2Backup, a restore with RunV2Restore, the
  // key check a request makes before anything is written, and the collection of a container.
  // They take the v1 job specs (source/target, store, container, progress, cancellation) and
  // answer in the v1 result types, so the flows around them stay format-blind.
  Result<BackupJobResult> RunBackupV2(const BackupJobSpec& spec, const Backup& backup,
                                      const std::optional<std::vector<ByteRange>>& changed);
  Result<RestoreJobResult> RunRestoreV2(const RestoreJobSpec& spec, const Backup& backup);
  // FailedPrecondition saying what to fix when this daemon's master key cannot open the
  // container's key (wrong key, none configured for an encrypted container, or a key configured
  // for a container created unencrypted). Ok for a container without v2 data yet.
  Status CheckV2Keys(const std::string& container, bool for_backup);
  // Collects what no manifest of `storage_format` references in the container. v1 chunks: the
  // caller holds the container exclusive. v2 packs: CollectPacksFenced (its own locks; with
  // !wait, Unavailable when a backup or another collector runs there). Objects collected.
  Result<int64_t> CollectContainer(const std::string& container, const std::string& storage_format,
                                   bool wait = true);
  // The v2 collector with repacking (v2_collection.cc): the container's gc lock for the run,
  // the container lock exclusive only for the fence (FenceContainer). Caller holds nothing.
  Result<v2::PackCollectResult> CollectPacksFenced(const std::string& container, bool wait);
  // The container exclusive for a collector's fence: try-locks between backups, then (after
  // 10 minutes of failing) a wait in the lock's queue. !wait: one try (nullptr when busy).
  Result<std::unique_ptr<ContainerHold>> FenceContainer(const std::string& container, bool wait);
  // Puts the volume back to its previous status after backing-up.
  Status ReleaseVolume(const Volume& volume, const std::string& reason);
  // Puts a given snapshot back to available after backing-up.
  Status ReleaseSnapshot(const std::string& snapshot_id, const std::string& reason);
  // Removes the temporary snapshot/clone of a backup; clears the ids in `change` when removed.
  // False when one of them could not be removed (its id stays recorded for the next attempt).
  // Restart cleanup of a backup that read through an export: logs out what this host's
  // connector still holds connected to it (recovery.cc).
  Status DisconnectLeftoverSource(const Backup& b);
  bool RemoveTemporaries(const Backup& backup, BackupChange& change);
  // Removes what a failed backup stored: its manifest if it was written, then every chunk of the
  // container that no manifest names; returns how many chunks it collected. Idempotent (nothing
  // stored, or already removed, is fine). The collection waits for backups into the container
  // (on any daemon) to end, or with !wait_for_container (restart cleanup, takeover: they must
  // not wait for hours) is skipped while one runs: the next delete there collects them.
  Result<int64_t> DiscardStoredData(const Backup& b, bool wait_for_container);
  // Feeds the job's live counters on every chunk and the database at most once a second.
  ProgressFn ThrottledProgress(const std::string& backup_id, JobHandle& job);
  // Stops a job when the daemon stops, when its cancel flag is raised, when `row_says_stop`
  // (a status read, made at most once a second: kCancelPollInterval) says another daemon
  // cancelled it, or when the failpoint `mid_failpoint` (hit once per chunk) is set to fail.
  CancelFn Cancellation(const char* mid_failpoint, JobHandle& job,
                        std::function<bool()> row_says_stop);
  // Retries a database write that failed transiently, with backoff: while PostgreSQL is
  // unreachable for up to 2 minutes (or until the daemon stops); an Aborted or Internal failure
  // (serialization conflict, failpoint error) 5 times. A compare-and-swap conflict
  // (FailedPrecondition) is returned at once.
  Status PersistWithRetry(const std::string& what, const std::function<Status()>& write);
  // Object-store container of a backup: "<project>/<container>" (dedup never crosses projects).
  static std::string StoreContainer(const Backup& b);
  // Holds the container shared (a backup) or exclusive (chunk collection) across every daemon
  // on the database; waits, unless this daemon stops meanwhile (Cancelled).
  Result<std::unique_ptr<ContainerHold>> HoldContainer(const std::string& container,
                                                       ContainerLockMode mode);

  Database& db_;
  VolumeHost& volumes_;  // this process's VolumeManager, or a volume-role backupd over gRPC
  ObjectStore& store_;
  BackupManagerOptions options_;
  BackupRepository backups_;
  QuotaRepository quotas_;
  VolumeRepository volume_records_;
  SnapshotRepository snapshot_records_;
  JobRegistry jobs_;
  // Backups into a container hold it shared; chunk collection holds it exclusive, so a chunk a
  // running backup found "already stored" is never collected under it, whichever daemon runs
  // either (container_lock.h).
  ContainerLocks container_locks_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<QueuedJob> queue_;
  int running_ = 0;          // jobs on a worker (or run by CancelLocalJob)
  int running_limited_ = 0;  // of which backups and restores
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace bb
