// backupctl backup commands that change a backup's record without running a job: update (name,
// description) and reset-status (admin: needs the operator token).
#include "cmd/backupctl/commands.h"
#include "cmd/backupctl/human_output.h"

namespace bb::cli {
namespace {

int PrintBackupRecord(Cli& cli, const v1::Backup& backup) {
  if (cli.json()) {
    cli.PrintJson(MessageToJson(backup));
  } else {
    PrintRecord(MessageToJson(backup));
  }
  return kExitOk;
}

int Update(Cli& cli, const CliArgs& args, const Command& command) {
  if (!args.Has("name") && !args.Has("description")) {
    return UsageError("nothing to update: give --name and/or --description", &command);
  }
  v1::UpdateBackupRequest request;
  request.set_backup_id(args.words[2]);
  if (args.Has("name")) request.set_name(args.Value("name"));
  if (args.Has("description")) request.set_description(args.Value("description"));
  v1::Backup backup;
  grpc::Status s = cli.backups().UpdateBackup(cli.NewContext().get(), request, &backup);
  if (!s.ok()) return cli.Fail(s);
  return PrintBackupRecord(cli, backup);
}

int ResetStatus(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::ResetBackupStatusRequest request;
  request.set_backup_id(args.words[2]);
  request.set_status(args.Value("status"));
  v1::Backup backup;
  grpc::Status s = cli.backups().ResetBackupStatus(cli.NewContext().get(), request, &backup);
  if (!s.ok()) return cli.Fail(s);
  return PrintBackupRecord(cli, backup);
}

}  // namespace

std::vector<Command> BackupEditCommands() {
  return {
      {"backup",
       "update",
       {"BACKUP_ID"},
       {},
       {"name", "description"},
       "change a backup's name and/or description",
       Update},
      {"backup",
       "reset-status",
       {"BACKUP_ID"},
       {"status"},
       {},
       "admin: set a stuck backup to available or error and release the volume/snapshot it "
       "holds",
       ResetStatus},
  };
}

}  // namespace bb::cli
