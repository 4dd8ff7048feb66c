// --wait: the Watch stream, then the final record. stdout is left alone: it carries exactly the
// final record (scripts parse it); progress goes to stderr.
#include "cmd/backupctl/backup_wait.h"

#include <chrono>
#include <iostream>
#include <thread>

#include "rpc/status_mapping.h"

namespace bb::cli {
namespace {

// A watch lasts as long as the job; the daemon's keep-alive messages show it is alive.
constexpr std::chrono::hours kWatchDeadline{24 * 7};

// Polls GetBackup until the backup leaves its transitional status; the first read is immediate.
void PollUntilResting(Cli& cli, const std::string& backup_id, bool gone_ok, WaitOutcome& outcome) {
  for (;;) {
    v1::GetBackupRequest request;
    request.set_backup_id(backup_id);
    v1::Backup backup;
    grpc::Status s = cli.backups().GetBackup(cli.NewContext().get(), request, &backup);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND && gone_ok) {
      outcome.gone = true;
      return;
    }
    if (!s.ok()) {
      outcome.status = s;
      return;
    }
    outcome.backup = backup;
    if (!IsTransitional(backup.status())) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

ProgressDisplay::ProgressDisplay(const Cli& cli, const CliArgs& args)
    : quiet_(args.Flag("quiet")),
      renderer_(ChooseProgressStyle(cli.json(), quiet_), StderrWidth()) {}

bool IsTransitional(const std::string& backup_status) {
  return backup_status == "creating" || backup_status == "restoring" || backup_status == "deleting";
}

bool WatchResult::Finished() const {
  return status.ok() && last && (last->phase() == "done" || last->phase() == "error");
}

WatchResult FollowWatch(Cli& cli, const std::string& backup_id, bool restore,
                        ProgressRenderer* renderer) {
  WatchResult result;
  v1::WatchRequest request;
  request.set_backup_id(backup_id);
  auto context = cli.NewContext(kWatchDeadline);
  auto reader = restore ? cli.backups().WatchRestore(context.get(), request)
                        : cli.backups().WatchBackup(context.get(), request);
  v1::Progress progress;
  while (reader->Read(&progress)) {
    if (renderer != nullptr) {
      std::cerr << renderer->Update(progress, ProgressRenderer::Clock::now()) << std::flush;
    }
    result.last = progress;
  }
  result.status = reader->Finish();
  if (renderer != nullptr) std::cerr << renderer->Finish() << std::flush;
  return result;
}

WaitOutcome WaitForBackup(Cli& cli, const v1::Backup& initial, const WaitOptions& options) {
  WaitOutcome outcome;
  outcome.backup = initial;
  if (!IsTransitional(initial.status())) return outcome;
  WatchResult watch = FollowWatch(cli, initial.id(), options.restore, options.renderer);
  outcome.last_progress = watch.last;
  if (!watch.Finished() && !cli.json() && options.renderer != nullptr) {
    Status s = FromGrpcStatus(watch.status);
    std::cerr << "backupctl: progress stream ended (" << StatusCodeName(s.code()) << ": "
              << s.message() << "); polling the backup's status\n";
  }
  // After a finished stream the backup rests and one read gets the final record; after a broken
  // one this polls until it rests.
  PollUntilResting(cli, initial.id(), options.gone_ok, outcome);
  return outcome;
}

}  // namespace bb::cli
