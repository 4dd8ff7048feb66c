// Polling loop for --wait. Nothing is printed while waiting, so stdout carries exactly the final
// record (scripts parse it).
#include "cmd/backupctl/backup_wait.h"

#include <chrono>
#include <thread>

namespace bb::cli {

bool IsTransitional(const std::string& backup_status) {
  return backup_status == "creating" || backup_status == "restoring" || backup_status == "deleting";
}

WaitOutcome WaitForBackup(Cli& cli, const v1::Backup& initial, bool gone_ok) {
  WaitOutcome outcome;
  outcome.backup = initial;
  while (IsTransitional(outcome.backup.status())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    v1::GetBackupRequest request;
    request.set_backup_id(initial.id());
    v1::Backup backup;
    grpc::Status s = cli.backups().GetBackup(cli.NewContext().get(), request, &backup);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND && gone_ok) {
      outcome.gone = true;
      return outcome;
    }
    if (!s.ok()) {
      outcome.status = s;
      return outcome;
    }
    outcome.backup = backup;
  }
  return outcome;
}

}  // namespace bb::cli
