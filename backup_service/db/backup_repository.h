// BackupRepository: SQL for backups. Status changes are compare-and-swaps with an event row in
// the same transaction; Update() persists a step that does not change the status (a temporary
// recorded before it is made, progress) under the same compare-and-swap on the current status.
// Thread-safety: stateless over Database; safe to use concurrently.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/db/database.h"
#include "backup_service/model/list_query.h"
#include "backup_service/model/quotas.h"
#include "backup_service/model/records.h"

namespace bb {

// Columns changed together with a transition or an update; unset members are left alone.
// Empty strings in id columns store NULL.
struct BackupChange {
  std::optional<std::string> fail_reason;
  std::optional<std::string> temp_volume_id;
  std::optional<std::string> temp_snapshot_id;
  std::optional<std::string> restore_volume_id;
  std::optional<std::string> manifest_object;
  std::optional<int64_t> object_count;
  std::optional<int64_t> stored_bytes;
  std::optional<int64_t> bytes_done;
  std::optional<int64_t> bytes_total;
  std::optional<BackupSourceKind> source_kind;
  std::optional<std::string> source_reason;
  std::optional<std::string> source_device;
  std::optional<int64_t> data_timestamp;  // epoch microseconds
  bool set_started_now = false;
  bool set_finished_now = false;
  bool set_deleted_now = false;
};

// What a backup holds and an operator's reset gives back, changed in the reset's transaction.
struct VolumeRelease {
  std::string volume_id;
  VolumeStatus from = VolumeStatus::kBackingUp;
  VolumeStatus to = VolumeStatus::kAvailable;
};
struct SnapshotRelease {
  std::string snapshot_id;
  SnapshotStatus from = SnapshotStatus::kBackingUp;
  SnapshotStatus to = SnapshotStatus::kAvailable;
};

// Filters of a backup listing (combined with AND); empty members match everything. The manager
// validates them first.
struct BackupFilter {
  std::string project_id{};  // the caller's project; ignored when the page lists all projects
  std::string volume_id{};
  std::string name{};
  std::string status{};
};

// A host's backups in transitional statuses (`backupctl service list`).
struct UnfinishedWork {
  int64_t creating = 0;
  int64_t restoring = 0;
  int64_t deleting = 0;
};

class BackupRepository {
 public:
  // quota_defaults: the limits of a project that has none of its own (model/quotas.h).
  BackupRepository(Database& db, std::string host, QuotaLimits quota_defaults = {})
      : db_(db), host_(std::move(host)), quota_defaults_(quota_defaults) {}

  // Inserts a row as it is, without the quota check (fixtures and tests).
  Status Insert(const Backup& b, const std::string& reason);
  // BeginBackup, BeginSnapshotBackup and InsertImported check the project's backup quota in
  // their transaction (quota_repository.h: ResourceExhausted, nothing written, when over).
  // In one transaction: volume volume_from -> backing-up (previous_status = volume_from) and the
  // backup row inserted as creating. Refused (nothing written) if the volume moved meanwhile.
  Status BeginBackup(const Backup& b, VolumeStatus volume_from);
  // In one transaction: the user's snapshot available -> backing-up (it must belong to the
  // backup's volume and not be temporary) and the backup row inserted as creating. The volume's
  // status is not touched.
  Status BeginSnapshotBackup(const Backup& b);
  // In one transaction: volume volume_from -> restoring-backup (no-op when already there, as
  // for a volume created for the restore) and backup available -> restoring.
  // volume_created: the volume was created for this restore (restart then puts it to error).
  Status BeginRestore(const std::string& backup_id, const std::string& volume_id,
                      VolumeStatus volume_from, bool volume_created);
  // Import of an exported backup record (backup_import.cc). CheckIdUnused: AlreadyExists when a
  // row with that id exists in any status, deleted included (deleted rows are kept and the id is
  // the primary key). InsertImported, in one transaction: the same check; parent_id kept only
  // when that backup is in this database and project (else dropped: every manifest names all its
  // chunks) and
  // then counted as its dependent; the row inserted as available with location, sizes and times
  // from `b`, and its first event.
  Status CheckIdUnused(const std::string& id);
  // check_quota false: catalog rebuild (the backups exist in the store already).
  Status InsertImported(const Backup& b, const std::string& reason, bool check_quota = true);
  // NotFound when missing, deleted, or in another project (when project_id is non-empty).
  Result<Backup> Get(const std::string& id, const std::string& project_id = "");
  // One page of backups in the page's order (keyset_page.h); deleted ones are never listed.
  // InvalidArgument when the marker is not a backup the caller can list.
  Result<Page<Backup>> List(const BackupFilter& filter, const PageSpec& page);
  // EXPLAIN ANALYZE of what List runs for the same arguments (bench/list_bench).
  Result<std::string> ExplainList(const BackupFilter& filter, const PageSpec& page);
  // Backups of `host` that restart cleanup must look at: transitional ones, and any that still
  // records a temporary snapshot/clone (its removal failed earlier). Oldest first.
  Result<std::vector<Backup>> ListNeedingRecovery(const std::string& host);
  // Transitional backups per host (backup_hosts.cc); hosts with none are absent.
  Result<std::map<std::string, UnfinishedWork>> UnfinishedByHost();
  // Takeover: the backup, still `status` on `from_host`, becomes this repository's host's (a
  // compare-and-swap on status and host, with an event row), so that only the adopting daemon
  // works on it from now on. FailedPrecondition when it moved on meanwhile.
  Status Adopt(const std::string& id, BackupStatus status, const std::string& from_host);
  // The available backup of the volume with the newest data_timestamp (incremental parent).
  Result<std::optional<Backup>> LatestAvailable(const std::string& project_id,
                                                const std::string& volume_id);

  Status Transition(const std::string& id, BackupStatus from, BackupStatus to,
                    const std::string& reason, const BackupChange& change = {});
  Status Update(const std::string& id, BackupStatus expected, const std::string& reason,
                const BackupChange& change);
  // Operator reset (state_machine.h IsLegalReset): backup from -> to with `change`, plus the
  // volume/snapshot it held, each a compare-and-swap with an event row, all in one transaction.
  // A held record that has moved on meanwhile is left alone (it is no longer held).
  Status Reset(const std::string& id, BackupStatus from, BackupStatus to, const std::string& reason,
               const BackupChange& change, const std::optional<VolumeRelease>& volume,
               const std::optional<SnapshotRelease>& snapshot);
  // What a backup cancelled while creating may still hold, given back in one transaction with
  // the same guards as Reset (a volume/snapshot that another creating backup holds is left
  // alone; one that has moved on is no longer held). The backup's own status is not changed.
  Status ReleaseHeld(const std::string& id, const std::string& reason,
                     const std::optional<VolumeRelease>& volume,
                     const std::optional<SnapshotRelease>& snapshot);
  // Name and/or description (unset members are kept); NotFound when missing, deleted or in
  // another project.
  Result<Backup> UpdateInfo(const std::string& id, const std::string& project_id,
                            const std::optional<std::string>& name,
                            const std::optional<std::string>& description);
  // The commit of a backup that keeps its temporary snapshot as the volume's incremental base
  // (backup_base.cc, schema/0009_incremental_base.sql), in one transaction: the backup creating
  // -> available with `change` (which must clear temp_snapshot_id: the snapshot is no longer a
  // temporary to remove), the snapshot (available, of `volume_id`) becomes the volume's base, and
  // the base it replaces, if any, goes available -> deleting (persisted before it is removed).
  // Returns the ids of the superseded bases, for the caller to remove.
  Result<std::vector<std::string>> MakeAvailableKeepingBase(const std::string& id,
                                                            const std::string& reason,
                                                            const BackupChange& change,
                                                            const std::string& snapshot_id,
                                                            const std::string& volume_id);
  // Progress counters only: no event row (one per chunk would be a database write per chunk).
  Status UpdateProgress(const std::string& id, int64_t bytes_done, int64_t bytes_total);
  // Adjusts the parent's dependent count atomically (single statement; no lost updates).
  Status AddDependent(const std::string& parent_id, int delta);

 private:
  // The one INSERT of a backup row (and its first event), inside the caller's transaction.
  void InsertRow(pqxx::dbtransaction& txn, const Backup& b, const std::string& reason);
  // The guarded volume/snapshot releases of Reset and ReleaseHeld, with their event rows.
  void ReleaseInTransaction(pqxx::dbtransaction& txn, const std::string& id,
                            const std::string& reason, const std::optional<VolumeRelease>& volume,
                            const std::optional<SnapshotRelease>& snapshot);
  // The compare-and-swap and its event row; `also` runs in the same transaction after it.
  Status Apply(const std::string& id, BackupStatus from, BackupStatus to, const std::string& reason,
               const BackupChange& change,
               const std::function<void(pqxx::dbtransaction&)>& also = nullptr);
  Database& db_;
  std::string host_;
  QuotaLimits quota_defaults_;
};

}  // namespace bb
