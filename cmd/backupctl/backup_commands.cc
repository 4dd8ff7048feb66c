// backupctl backup commands: create, list, show, delete, restore, restore-cancel (the long ones
// take --wait, which draws progress on stderr unless --quiet).
#include <iostream>

#include "cmd/backupctl/backup_wait.h"
#include "cmd/backupctl/commands.h"
#include "cmd/backupctl/human_output.h"
#include "cmd/backupctl/list_output.h"

namespace bb::cli {
namespace {

void PrintBackup(Cli& cli, const v1::Backup& backup) {
  if (cli.json()) {
    cli.PrintJson(MessageToJson(backup));
  } else {
    PrintRecord(MessageToJson(backup));
  }
}

// Waits when --wait was given, prints the final (or returned) record, and turns an operation
// that ended in an error status into exit status 1.
int FinishBackupOperation(Cli& cli, const CliArgs& args, const v1::Backup& returned, bool gone_ok) {
  if (!args.Flag("wait")) {
    PrintBackup(cli, returned);
    return kExitOk;
  }
  ProgressDisplay display(cli, args);
  WaitOutcome outcome = WaitForBackup(
      cli, returned, {.gone_ok = gone_ok, .restore = false, .renderer = display.renderer()});
  if (!outcome.status.ok()) return cli.Fail(outcome.status);
  v1::Backup final_record = outcome.backup;
  if (outcome.gone) final_record.set_status("deleted");  // the record went with the backup
  PrintBackup(cli, final_record);
  const std::string& status = final_record.status();
  if (status == "error" || status == "error_deleting") {
    std::cerr << "error: backup " << final_record.id() << " ended in status " << status
              << (final_record.fail_reason().empty() ? "" : ": " + final_record.fail_reason())
              << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

int Create(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::CreateBackupRequest request;
  request.set_volume_id(args.words[2]);
  request.set_name(args.Value("name"));
  request.set_description(args.Value("description"));
  request.set_force(args.Flag("force"));
  request.set_incremental(args.Flag("incremental"));
  request.set_snapshot_id(args.Value("snapshot"));
  request.set_container(args.Value("container"));
  v1::Backup backup;
  grpc::Status s = cli.backups().CreateBackup(cli.NewContext().get(), request, &backup);
  if (!s.ok()) return cli.Fail(s);
  return FinishBackupOperation(cli, args, backup, /*gone_ok=*/false);
}

int List(Cli& cli, const CliArgs& args, const Command& command) {
  v1::ListBackupsRequest request;
  request.set_volume_id(args.Value("volume"));
  request.set_name(args.Value("name"));
  request.set_status(args.Value("status"));
  if (int rc = ReadListOptions(args, command, request.mutable_page()); rc != kExitOk) return rc;
  v1::ListBackupsResponse response;
  grpc::Status s = cli.backups().ListBackups(cli.NewContext().get(), request, &response);
  if (!s.ok()) return cli.Fail(s);
  Json list = Json::array();
  for (const auto& backup : response.backups()) {
    Json record = MessageToJson(backup);
    // The table has no room for the job's fields: a backup waiting for a worker says so in its
    // status column (JSON keeps the status and has job_phase/queue_position).
    if (!cli.json() && backup.job_phase() == "queued") {
      record["status"] =
          backup.status() + " (queued, position " + std::to_string(backup.queue_position()) + ")";
    }
    list.push_back(std::move(record));
  }
  PrintListing(cli, "backups", list, response.page(),
               {"id", "volume_id", "status", "size_gib", "is_incremental", "name"});
  return kExitOk;
}

int Show(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::GetBackupRequest request;
  request.set_backup_id(args.words[2]);
  v1::Backup backup;
  grpc::Status s = cli.backups().GetBackup(cli.NewContext().get(), request, &backup);
  if (!s.ok()) return cli.Fail(s);
  PrintBackup(cli, backup);
  return kExitOk;
}

int Delete(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::DeleteBackupRequest request;
  request.set_backup_id(args.words[2]);
  request.set_force(args.Flag("force"));
  v1::Backup backup;
  grpc::Status s = cli.backups().DeleteBackup(cli.NewContext().get(), request, &backup);
  if (!s.ok()) return cli.Fail(s);
  return FinishBackupOperation(cli, args, backup, /*gone_ok=*/true);
}

int Restore(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::RestoreBackupRequest request;
  request.set_backup_id(args.words[2]);
  request.set_volume_id(args.Value("volume"));
  request.set_name(args.Value("name"));
  v1::RestoreBackupResponse response;
  grpc::Status s = cli.backups().RestoreBackup(cli.NewContext().get(), request, &response);
  if (!s.ok()) return cli.Fail(s);
  Json out = {{"backup_id", response.backup_id()},
              {"volume_id", response.volume_id()},
              {"volume_name", response.volume_name()}};
  if (!args.Flag("wait")) {
    out["backup"] = MessageToJson(response.backup());
    if (cli.json()) {
      cli.PrintJson(out);
    } else {
      std::cout << "restoring backup " << response.backup_id() << " into volume "
                << response.volume_id() << " (" << response.volume_name() << ")\n";
    }
    return kExitOk;
  }

  ProgressDisplay display(cli, args);
  WaitOutcome outcome = WaitForBackup(
      cli, response.backup(), {.gone_ok = false, .restore = true, .renderer = display.renderer()});
  if (!outcome.status.ok()) return cli.Fail(outcome.status);
  // The backup carries no reason for a failed restore; the watch's last message does.
  std::string fail_reason = outcome.backup.fail_reason();
  bool watch_failed = outcome.last_progress && outcome.last_progress->phase() == "error";
  if (watch_failed) fail_reason = outcome.last_progress->fail_reason();
  // The restore's outcome is the target volume's status: a failed restore leaves the backup
  // available and the volume error_restoring (as in Cinder).
  v1::GetVolumeRequest get_volume;
  get_volume.set_volume_id(response.volume_id());
  v1::Volume volume;
  s = cli.volumes().GetVolume(cli.NewContext().get(), get_volume, &volume);
  if (!s.ok()) return cli.Fail(s);
  out["backup"] = MessageToJson(outcome.backup);
  out["volume"] = MessageToJson(volume);
  out["status"] = volume.status();
  if (!fail_reason.empty()) out["fail_reason"] = fail_reason;
  if (cli.json()) {
    cli.PrintJson(out);
  } else {
    std::cout << "restored backup " << response.backup_id() << " into volume " << volume.id()
              << " (" << volume.name() << "): " << volume.status() << "\n";
  }
  if (volume.status() != "available" || watch_failed) {
    std::cerr << "error: restore of backup " << response.backup_id() << " left volume "
              << volume.id() << " in status " << volume.status()
              << (fail_reason.empty() ? "" : ": " + fail_reason) << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

int RestoreCancel(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::CancelRestoreRequest request;
  request.set_backup_id(args.words[2]);
  v1::CancelRestoreResponse response;
  grpc::Status s = cli.backups().CancelRestore(cli.NewContext().get(), request, &response);
  if (!s.ok()) return cli.Fail(s);
  if (cli.json()) {
    cli.PrintJson({{"backup", MessageToJson(response.backup())},
                   {"volume_id", response.volume_id()},
                   {"volume_status", response.volume_status()}});
  } else {
    std::cout << "restore of backup " << response.backup().id() << " cancelled: backup "
              << response.backup().status() << ", volume " << response.volume_id() << " "
              << response.volume_status() << "\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> BackupCommands() {
  return {
      {"backup",
       "create",
       {"VOLUME_ID"},
       {},
       {"force", "incremental", "snapshot", "name", "description", "container", "wait", "quiet"},
       "back up a volume (--force for an in-use volume; --wait until it is available, showing "
       "progress on stderr unless --quiet)",
       Create},
      {"backup",
       "list",
       {},
       {},
       ListOptionNames({"volume", "name", "status"}),
       "list backups, newest first, a page at a time (--marker: the next page)",
       List},
      {"backup", "show", {"BACKUP_ID"}, {}, {}, "show one backup", Show},
      {"backup",
       "delete",
       {"BACKUP_ID"},
       {},
       {"force", "wait", "quiet"},
       "delete a backup (--force, admin: also one in error_deleting, or in creating, which "
       "cancels the running backup)",
       Delete},
      {"backup",
       "restore",
       {"BACKUP_ID"},
       {},
       {"volume", "name", "wait", "quiet"},
       "restore into an existing volume (--volume) or a new one (--name)",
       Restore},
      {"backup",
       "restore-cancel",
       {"BACKUP_ID"},
       {},
       {},
       "stop the restore running on a backup: the backup goes back to available, the target "
       "volume to error (its content is partial)",
       RestoreCancel},
  };
}

}  // namespace bb::cli
