// backupctl backup watch: follows the progress of an operation someone else started. Progress
// goes to stderr like --wait's; stdout gets the last Progress message (the outcome).
#include <iostream>

#include "cmd/backupctl/backup_wait.h"
#include "cmd/backupctl/commands.h"
#include "cmd/backupctl/human_output.h"

namespace bb::cli {
namespace {

int Watch(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  ProgressDisplay display(cli, args);
  WatchResult watch = FollowWatch(cli, args.words[2], args.Flag("restore"), display.renderer());
  if (!watch.status.ok()) return cli.Fail(watch.status);
  if (!watch.last) {
    return cli.Fail(grpc::Status(grpc::StatusCode::INTERNAL, "the watch ended without progress"));
  }
  const v1::Progress& last = *watch.last;
  if (cli.json()) {
    cli.PrintJson(MessageToJson(last));
  } else {
    PrintRecord(MessageToJson(last));
  }
  if (last.phase() == "error") {
    std::cerr << "error: " << last.operation() << " of backup " << last.backup_id()
              << " failed (backup status " << last.status() << ")"
              << (last.fail_reason().empty() ? "" : ": " + last.fail_reason()) << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> BackupWatchCommands() {
  return {
      {"backup",
       "watch",
       {"BACKUP_ID"},
       {},
       {"restore", "quiet"},
       "follow the create/delete running on a backup (--restore: its restore) until it ends",
       Watch},
  };
}

}  // namespace bb::cli
