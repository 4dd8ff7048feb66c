// --wait support: follows the backup's WatchBackup/WatchRestore stream (drawing progress on
// stderr through a ProgressRenderer) until the backup rests, then reads the final record. If the
// stream breaks (daemon restarted, older daemon) it falls back to polling GetBackup every 200 ms.
// Thread-safety: single-threaded, blocks the caller.
#pragma once

#include <optional>
#include <string>

#include "cmd/backupctl/cli_args.h"
#include "cmd/backupctl/cli_context.h"
#include "cmd/backupctl/progress_renderer.h"

namespace bb::cli {

struct WaitOutcome {
  grpc::Status status;  // non-OK when polling itself failed (daemon gone, refused)
  v1::Backup backup;    // the last record seen
  bool gone = false;    // GetBackup answered NOT_FOUND and gone_ok was set
  std::optional<v1::Progress> last_progress;  // the watch's last message (phase done/error at end)
};

struct WaitOptions {
  bool gone_ok = false;  // a NOT_FOUND answer means the operation finished (a deleted backup)
  bool restore = false;  // follow with WatchRestore instead of WatchBackup
  ProgressRenderer* renderer = nullptr;  // nullptr: draw nothing
};

struct WatchResult {
  grpc::Status status;               // how the stream ended
  std::optional<v1::Progress> last;  // the last message received
  bool Finished() const;             // ended OK after a done/error message
};

// The progress display a command's flags ask for: nothing with --quiet, JSON lines with --json,
// else a bar when stderr is a terminal and plain lines when it is not.
class ProgressDisplay {
 public:
  ProgressDisplay(const Cli& cli, const CliArgs& args);
  ProgressRenderer* renderer() { return quiet_ ? nullptr : &renderer_; }

 private:
  bool quiet_;
  ProgressRenderer renderer_;
};

bool IsTransitional(const std::string& backup_status);

// Reads the whole Watch stream of `backup_id`, writing the renderer's text on stderr.
WatchResult FollowWatch(Cli& cli, const std::string& backup_id, bool restore,
                        ProgressRenderer* renderer);

// Starts from `initial` (the record the mutating call returned).
WaitOutcome WaitForBackup(Cli& cli, const v1::Backup& initial, const WaitOptions& options);

}  // namespace bb::cli
