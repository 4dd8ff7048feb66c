// SnapshotRepository: SQL for snapshots (user snapshots and backups' temporary ones). Status
// changes are compare-and-swaps with an event row, as in VolumeRepository.
// Thread-safety: stateless over Database; safe to use concurrently.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/db/database.h"
#include "backup_service/model/list_query.h"
#include "backup_service/model/records.h"

namespace bb {

// A snapshot kept as its volume's incremental base, and the backup whose data it holds.
struct IncrementalBaseRow {
  Snapshot snapshot;
  std::string backup_id;
};

struct SnapshotChange {
  std::optional<std::string> provider_location;
  std::optional<std::string> provider_auth;
};

// Filters of a snapshot listing (combined with AND); empty members match everything.
struct SnapshotFilter {
  std::string project_id{};  // the caller's project; ignored when the page lists all projects
  std::string volume_id{};
  std::string name{};
  std::string status{};
};

class SnapshotRepository {
 public:
  SnapshotRepository(Database& db, std::string host) : db_(db), host_(std::move(host)) {}

  // Inserts the row only while the volume is in one of `volume_must_be` (checked under a share
  // lock, so a concurrent volume delete either sees the snapshot or makes this insert fail).
  Status Insert(const Snapshot& s, const std::string& reason,
                std::initializer_list<VolumeStatus> volume_must_be);
  Result<Snapshot> Get(const std::string& id, const std::string& project_id = "");
  // One page of user-visible snapshots (backups' temporary ones are never listed) in the page's
  // order. InvalidArgument when the marker is not a snapshot the caller can list.
  Result<Page<Snapshot>> List(const SnapshotFilter& filter, const PageSpec& page);
  Status Transition(const std::string& id, SnapshotStatus from, SnapshotStatus to,
                    const std::string& reason, const SnapshotChange& change = {});
  Status Remove(const std::string& id, SnapshotStatus expected, const std::string& reason);
  // Records an export step (provider_location/provider_auth of the change) on a snapshot that is
  // `expected`, without changing its status: a compare-and-swap on the status with an event row
  // (from = to = expected), like a transition. The reason must not contain provider_auth.
  Status UpdateExport(const std::string& id, SnapshotStatus expected, const std::string& reason,
                      const SnapshotChange& change);
  // User snapshots of `host` in a transitional status that no creating backup holds: what
  // restart cleanup of the snapshot operations must finish (state_machine.cc). Temporary
  // snapshots belong to their backup's cleanup. Oldest first.
  Result<std::vector<Snapshot>> ListNeedingRecovery(const std::string& host);

  // --- Incremental bases (schema/0009_incremental_base.sql) ---
  // The volume's live incremental base (not superseded), if any.
  Result<std::optional<IncrementalBaseRow>> IncrementalBase(const std::string& volume_id);
  // Every base of the volume, live or superseded (a volume delete removes them first).
  Result<std::vector<Snapshot>> IncrementalBasesOf(const std::string& volume_id);
  // Bases made by backups of `backup_host` that restart cleanup removes: superseded ones
  // (deleting), and live ones whose backup is no longer available or restoring (deleted, failed:
  // the base would describe data no backup holds). A valid base is never listed.
  Result<std::vector<IncrementalBaseRow>> StaleIncrementalBases(const std::string& backup_host);

 private:
  Database& db_;
  std::string host_;
};

}  // namespace bb
