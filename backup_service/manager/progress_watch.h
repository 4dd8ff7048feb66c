// RunProgressWatch: the loop behind WatchBackup/WatchRestore, free of gRPC so that it can be
// tested with a fake transport and clock. It polls about twice a second (io.Wait may return
// sooner: rpc/watch_stream.cc wakes when this daemon's job ends), sends a report when the
// progress changed (or as a keep-alive), and ends after the report of the resting backup.
// Thread-safety: one loop per watch; the WatchIo is used from the calling thread only.
#pragma once

#include <chrono>
#include <string>

#include "backup_service/common/result.h"
#include "backup_service/manager/progress_report.h"

namespace bb {

class WatchIo {
 public:
  virtual ~WatchIo() = default;
  // One observation. restore_volume_id: the restore target seen earlier (empty if none); the
  // observation then carries its status once the backup no longer restores.
  virtual Result<ProgressSnapshot> Poll(const std::string& restore_volume_id) = 0;
  // False when the watcher went away.
  virtual bool Send(const ProgressReport& report) = 0;
  // Waits up to `d`. Not OK when the watch must end at once (watcher gone, daemon stopping);
  // that status ends the watch.
  virtual Status Wait(std::chrono::milliseconds d) = 0;
  virtual std::chrono::steady_clock::time_point Now() = 0;
};

struct WatchTiming {
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds keep_alive{5000};  // an unchanged report is repeated this often
};

// Errors: the first poll's (INVALID_ARGUMENT, NOT_FOUND); FAILED_PRECONDITION when the backup
// runs an operation the watch does not follow (restoring for kBackup, creating/deleting for
// kRestore); a later poll's failure; Wait's status; CANCELLED when Send fails.
Status RunProgressWatch(WatchKind kind, WatchIo& io, const WatchTiming& timing = {});

}  // namespace bb
