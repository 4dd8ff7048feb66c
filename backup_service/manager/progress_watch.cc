// The watch loop. Reports within one watch never move backwards in bytes: the live registry and
// the row can disagree by up to a second of progress (the row is written once a second), and a
// watcher that sees the job end between two polls reads the row.
#include "backup_service/manager/progress_watch.h"

#include <algorithm>

namespace bb {
namespace {

Status CheckFollowable(WatchKind kind, const Backup& b) {
  if (Follows(kind, b.status) || IsResting(b.status)) return Status::Ok();
  std::string other = kind == WatchKind::kBackup ? "WatchRestore" : "WatchBackup";
  return Status::FailedPrecondition("backup " + b.id + " is " + std::string(ToString(b.status)) +
                                    "; follow it with " + other);
}

}  // namespace

Status RunProgressWatch(WatchKind kind, WatchIo& io, const WatchTiming& timing) {
  std::string restore_volume_id;
  BackupStatus last_status = BackupStatus::kAvailable;
  std::optional<ProgressReport> last_sent;
  std::chrono::steady_clock::time_point last_sent_at;
  for (bool first = true;; first = false) {
    Result<ProgressSnapshot> snapshot = io.Poll(restore_volume_id);
    ProgressReport report;
    if (!snapshot.ok()) {
      // A deleted backup reads as NotFound: the delete this watch followed has finished.
      bool deleted = !first && last_status == BackupStatus::kDeleting &&
                     snapshot.status().code() == StatusCode::kNotFound;
      if (!deleted) return snapshot.status();
      report = DeletedReport(last_sent ? last_sent->backup_id : "");
      if (last_sent) report.bytes_total = last_sent->bytes_total;
    } else {
      const Backup& b = snapshot->backup;
      if (first) RETURN_IF_ERROR(CheckFollowable(kind, b));
      last_status = b.status;
      if (b.status == BackupStatus::kRestoring && !b.restore_volume_id.empty()) {
        restore_volume_id = b.restore_volume_id;
      }
      report = DescribeProgress(kind, *snapshot, restore_volume_id);
    }
    if (last_sent && last_sent->operation == report.operation) {
      report.bytes_done = std::max(report.bytes_done, last_sent->bytes_done);
    }
    bool due = !last_sent || report.final || !report.SameProgress(*last_sent) ||
               io.Now() - last_sent_at >= timing.keep_alive;
    if (due) {
      if (!io.Send(report)) return Status::Cancelled("the watcher went away");
      last_sent = report;
      last_sent_at = io.Now();
    }
    if (report.final) return Status::Ok();
    RETURN_IF_ERROR(io.Wait(timing.poll_interval));
  }
}

}  // namespace bb
