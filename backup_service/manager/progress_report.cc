// DescribeProgress: the live job when this daemon runs it, else the row; the outcome once the
// backup rests (for a restore: the job's remembered outcome, else the target volume's status).
#include "backup_service/manager/progress_report.h"

namespace bb {
namespace {

std::string_view OperationOf(BackupStatus status) {
  switch (status) {
    case BackupStatus::kRestoring:
      return "restore";
    case BackupStatus::kDeleting:
    case BackupStatus::kDeleted:
    case BackupStatus::kErrorDeleting:
      return "delete";
    default:
      return "create";
  }
}

JobOperation JobOperationOf(BackupStatus status) {
  switch (status) {
    case BackupStatus::kRestoring:
      return JobOperation::kRestore;
    case BackupStatus::kDeleting:
      return JobOperation::kDelete;
    default:
      return JobOperation::kCreate;
  }
}

double MegabytesPerSecond(int64_t bytes, int64_t from_us, int64_t to_us) {
  if (from_us <= 0 || to_us <= from_us) return 0;
  return static_cast<double>(bytes) / 1e6 / (static_cast<double>(to_us - from_us) / 1e6);
}

// A running operation seen only through its row (another daemon runs it, or it is between
// being accepted and registered).
void FromRow(const Backup& b, int64_t now_us, ProgressReport& r) {
  r.bytes_done = b.bytes_done;
  r.bytes_total = b.bytes_total;
  switch (b.status) {
    case BackupStatus::kCreating:
      if (b.started_at == 0) {
        r.phase = "queued";
      } else if (b.source_device.empty()) {
        r.phase = "snapshot";  // the source is recorded once the temporary copy exists
      } else if (b.bytes_total > 0 && b.bytes_done >= b.bytes_total) {
        r.phase = "finalize";
      } else {
        r.phase = "copy";
      }
      r.mb_per_s = MegabytesPerSecond(b.bytes_done, b.started_at, now_us);
      break;
    case BackupStatus::kRestoring:
      r.phase = "copy";  // the row has no restore start time: no speed
      break;
    default:
      r.phase = "cleanup";
      break;
  }
}

void Final(WatchKind kind, const ProgressSnapshot& s, const std::string& restore_volume_id,
           ProgressReport& r) {
  const Backup& b = s.backup;
  r.final = true;
  r.bytes_done = b.bytes_done;
  r.bytes_total = b.bytes_total;
  if (b.finished_at > b.started_at)
    r.mb_per_s = MegabytesPerSecond(b.bytes_done, b.started_at, b.finished_at);
  bool backup_ok = b.status == BackupStatus::kAvailable || b.status == BackupStatus::kDeleted ||
                   b.status == BackupStatus::kRestoring;
  if (kind == WatchKind::kRestore) {
    r.operation = "restore";
    if (s.finished && s.finished->progress.operation == JobOperation::kRestore) {
      r.bytes_done = s.finished->progress.bytes_done;
      r.bytes_total = s.finished->progress.bytes_total;
      r.mb_per_s = s.finished->progress.mb_per_s;
      r.phase = s.finished->failed ? "error" : "done";
      r.fail_reason = s.finished->fail_reason;
      return;
    }
    if (s.restore_target_status) {
      // Restored elsewhere (another daemon): the target's status is the outcome.
      bool ok = *s.restore_target_status == VolumeStatus::kAvailable;
      r.phase = ok ? "done" : "error";
      if (!ok) {
        r.fail_reason = "restore failed: volume " + restore_volume_id + " is " +
                        std::string(ToString(*s.restore_target_status));
      }
      return;
    }
    // Nothing to follow: the backup's own state.
    r.phase = backup_ok ? "done" : "error";
    if (!backup_ok) r.fail_reason = b.fail_reason;
    return;
  }
  r.operation = std::string(OperationOf(b.status));
  if (s.finished && s.finished->progress.operation != JobOperation::kRestore) {
    r.operation = std::string(ToString(s.finished->progress.operation));
  }
  r.phase = backup_ok ? "done" : "error";
  if (!backup_ok) r.fail_reason = b.fail_reason;
}

}  // namespace

bool ProgressReport::SameProgress(const ProgressReport& o) const {
  return backup_id == o.backup_id && operation == o.operation && phase == o.phase &&
         queue_position == o.queue_position && bytes_done == o.bytes_done &&
         bytes_total == o.bytes_total && status == o.status && fail_reason == o.fail_reason &&
         final == o.final;
}

bool Follows(WatchKind kind, BackupStatus status) {
  if (kind == WatchKind::kRestore) return status == BackupStatus::kRestoring;
  return status == BackupStatus::kCreating || status == BackupStatus::kDeleting;
}

bool IsResting(BackupStatus status) {
  return status == BackupStatus::kAvailable || status == BackupStatus::kError ||
         status == BackupStatus::kErrorDeleting || status == BackupStatus::kDeleted;
}

ProgressReport DescribeProgress(WatchKind kind, const ProgressSnapshot& s,
                                const std::string& restore_volume_id) {
  const Backup& b = s.backup;
  ProgressReport r;
  r.backup_id = b.id;
  r.status = std::string(ToString(b.status));
  // The row rests but this daemon's job has not returned yet: its outcome is known only when it
  // has (a failed restore also leaves the backup available), so the watch goes on a poll longer.
  if (!Follows(kind, b.status) && IsResting(b.status) && s.live &&
      (kind == WatchKind::kRestore) == (s.live->operation == JobOperation::kRestore)) {
    r.operation = std::string(ToString(s.live->operation));
    r.phase = "finalize";
    r.bytes_done = s.live->bytes_done;
    r.bytes_total = s.live->bytes_total;
    r.mb_per_s = s.live->mb_per_s;
    return r;
  }
  // An operation the watch does not follow counts as the end of the one it did (a backup that
  // became restoring between two polls was created; the caller refuses it on the first poll).
  if (!Follows(kind, b.status)) {
    Final(kind, s, restore_volume_id, r);
    return r;
  }
  r.operation = std::string(OperationOf(b.status));
  if (s.live && s.live->operation == JobOperationOf(b.status)) {
    r.phase = std::string(ToString(s.live->phase));
    r.queue_position = s.live->queue_position;
    r.bytes_done = s.live->bytes_done;
    r.bytes_total = s.live->bytes_total;
    r.mb_per_s = s.live->mb_per_s;
    // Until the first chunk the job has no total; the copy covers the whole volume/backup.
    if (r.bytes_total == 0 && s.live->operation != JobOperation::kDelete) {
      r.bytes_total = b.size_gib << 30;
    }
    return r;
  }
  FromRow(b, s.now_us, r);
  return r;
}

ProgressReport DeletedReport(const std::string& backup_id) {
  ProgressReport r;
  r.backup_id = backup_id;
  r.operation = "delete";
  r.phase = "done";
  r.status = std::string(ToString(BackupStatus::kDeleted));
  r.final = true;
  return r;
}

}  // namespace bb
