// Progress of the operation on a backup, as WatchBackup/WatchRestore report it (proto Progress).
// ProgressSnapshot is one observation (the row, and what this daemon's job registry knows);
// DescribeProgress turns it into a report. A job that another daemon runs is only visible
// through its row: the phase is then derived from the status and the recorded steps, the bytes
// are the row's (persisted at most once a second), the speed is bytes over time since start.
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "backup_service/manager/job_registry.h"
#include "backup_service/model/records.h"

namespace bb {

// What a watch follows: kBackup creating/deleting (WatchBackup), kRestore restoring.
enum class WatchKind { kBackup, kRestore };

struct ProgressSnapshot {
  Backup backup;                        // the row, read after the registry (see Progress())
  std::optional<JobProgress> live;      // the job, when this daemon runs it
  std::optional<FinishedJob> finished;  // the job that ended here recently, if any
  // Status of the restore target the watcher saw earlier (ProgressQuery::restore_volume_id),
  // read once the backup is no longer restoring; nullopt when not asked or the volume is gone.
  std::optional<VolumeStatus> restore_target_status;
  int64_t now_us = 0;  // wall clock of the observation (for speeds derived from the row)
};

struct ProgressReport {
  std::string backup_id;
  std::string operation;   // create, restore, delete
  std::string phase;       // queued, snapshot, copy, finalize, cleanup, done, error
  int queue_position = 0;  // while queued on this daemon: 1 = the next to start
  int64_t bytes_done = 0;
  int64_t bytes_total = 0;
  double mb_per_s = 0;
  std::string status;  // the backup's status
  std::string fail_reason;
  bool final = false;  // the backup rests: the last report of a watch

  // Equal apart from the speed (which changes on every observation of a running job).
  bool SameProgress(const ProgressReport& other) const;
};

// True for the statuses `kind` follows.
bool Follows(WatchKind kind, BackupStatus status);
// available, error, error_deleting, deleted: no operation is running.
bool IsResting(BackupStatus status);

// The report for one observation by a watch of `kind`. restore_volume_id: the restore target the
// watch saw while the backup was restoring (empty if it never did).
ProgressReport DescribeProgress(WatchKind kind, const ProgressSnapshot& snapshot,
                                const std::string& restore_volume_id);

// The final report after a backup being deleted disappeared (a deleted row reads as NotFound).
ProgressReport DeletedReport(const std::string& backup_id);

}  // namespace bb
