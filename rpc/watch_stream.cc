// StreamProgress: a WatchIo over the manager, the call's context and the stream writer.
#include "rpc/watch_stream.h"

#include <algorithm>

#include "backup_service/manager/progress_watch.h"

namespace bb {
namespace {

// How often a waiting watch checks whether its caller is still there (IsCancelled cannot wake a
// waiter) and so the longest a watch holds up server shutdown.
constexpr std::chrono::milliseconds kWaitSlice{100};

class GrpcWatchIo : public WatchIo {
 public:
  GrpcWatchIo(BackupManager& backups, std::string project_id, std::string backup_id,
              grpc::ServerContext& context, grpc::ServerWriter<v1::Progress>& writer,
              WatchStop& stop)
      : backups_(backups),
        project_id_(std::move(project_id)),
        backup_id_(std::move(backup_id)),
        context_(context),
        writer_(writer),
        stop_(stop) {}

  Result<ProgressSnapshot> Poll(const std::string& restore_volume_id) override {
    auto snapshot = backups_.Progress(project_id_, backup_id_, restore_volume_id);
    job_live_ = snapshot.ok() && snapshot->live.has_value();
    return snapshot;
  }
  bool Send(const ProgressReport& report) override {
    return !context_.IsCancelled() && writer_.Write(ToProto(report));
  }
  Status Wait(std::chrono::milliseconds d) override {
    auto until = std::chrono::steady_clock::now() + d;
    for (;;) {
      if (context_.IsCancelled()) return Status::Cancelled("the watcher went away");
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Status::Ok();
      const auto slice = std::min(left, kWaitSlice);
      if (job_live_) {
        // This daemon runs the job: its end wakes the watch, which polls at once, so `--wait`
        // returns with the final record as the job ends, not up to a poll interval later.
        if (backups_.WaitUntilJobEnded(backup_id_, slice)) {
          job_live_ = false;
          return Status::Ok();
        }
        if (stop_.stopped()) {
          return Status::Unavailable("backupd is stopping; watch again or poll GetBackup");
        }
      } else if (stop_.WaitFor(slice)) {
        return Status::Unavailable("backupd is stopping; watch again or poll GetBackup");
      }
    }
  }
  std::chrono::steady_clock::time_point Now() override { return std::chrono::steady_clock::now(); }

 private:
  BackupManager& backups_;
  std::string project_id_;
  std::string backup_id_;
  grpc::ServerContext& context_;
  grpc::ServerWriter<v1::Progress>& writer_;
  WatchStop& stop_;
  bool job_live_ = false;  // this daemon ran a job on the backup at the last poll
};

}  // namespace

void WatchStop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool WatchStop::stopped() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

bool WatchStop::WaitFor(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, d, [this] { return stopped_; });
}

v1::Progress ToProto(const ProgressReport& report) {
  v1::Progress out;
  out.set_backup_id(report.backup_id);
  out.set_phase(report.phase);
  out.set_queue_position(report.queue_position);
  out.set_bytes_done(report.bytes_done);
  out.set_bytes_total(report.bytes_total);
  out.set_mb_per_s(report.mb_per_s);
  out.set_status(report.status);
  out.set_fail_reason(report.fail_reason);
  out.set_operation(report.operation);
  return out;
}

Status StreamProgress(BackupManager& backups, WatchKind kind, const std::string& project_id,
                      const std::string& backup_id, grpc::ServerContext& context,
                      grpc::ServerWriter<v1::Progress>& writer, WatchStop& stop) {
  GrpcWatchIo io(backups, project_id, backup_id, context, writer, stop);
  return RunProgressWatch(kind, io);
}

}  // namespace bb
