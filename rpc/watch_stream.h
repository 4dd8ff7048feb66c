// The gRPC side of WatchBackup/WatchRestore: RunProgressWatch (backup_service/manager) over a
// grpc::ServerWriter. A watch ends promptly when its caller goes away (the context is cancelled)
// or when the server stops (WatchStop), so an open watch never holds up daemon shutdown for more
// than a poll slice (100 ms). A watch of a job this daemon runs is woken when the job ends
// (JobRegistry::WaitUntilEnded), so `backupctl ... --wait` returns as the job ends.
// Thread-safety: WatchStop is shared by all watches; StreamProgress runs on the call's thread.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/sync_stream.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "backup.pb.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {

// Set once when the server begins to shut down; wakes every waiting watch.
class WatchStop {
 public:
  void Stop();
  // Waits up to `d`; true when stopped.
  bool WaitFor(std::chrono::milliseconds d);
  bool stopped();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

v1::Progress ToProto(const ProgressReport& report);

// Streams the progress of `backup_id` (already scoped to `project_id` by the manager) until the
// backup rests, the caller goes away, or `stop` is set (UNAVAILABLE "backupd is stopping").
Status StreamProgress(BackupManager& backups, WatchKind kind, const std::string& project_id,
                      const std::string& backup_id, grpc::ServerContext& context,
                      grpc::ServerWriter<v1::Progress>& writer, WatchStop& stop);

}  // namespace bb
