// backupctl backup export / import: a backup's portable record as a file to carry to another
// installation that reaches the same object store.
//   backup export BACKUP_ID > rec.json   prints {"backup_service": ..., "backup_url": ...}, always
//                                        as JSON (with or without --json): the output is the file.
//   backup import FILE                   reads that file ("-" for stdin) and prints the backup.
// Problems with the file itself are reported before any call, as INVALID_ARGUMENT like the
// daemon's own refusals, so scripts see one error format.
#include <fstream>
#include <iostream>

#include "backup_service/common/result.h"
#include "cmd/backupctl/commands.h"
#include "cmd/backupctl/human_output.h"
#include "rpc/status_mapping.h"

namespace bb::cli {
namespace {

// An exported record is a couple of KiB; a much larger file is not one (and is not read whole).
constexpr size_t kMaxRecordFileBytes = 1 << 20;

Result<std::string> ReadRecordText(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return Status::InvalidArgument("cannot read the record file '" + path + "'");
    in = &file;
  }
  std::string text(kMaxRecordFileBytes + 1, '\0');
  in->read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in->bad()) return Status::InvalidArgument("cannot read the record file '" + path + "'");
  text.resize(static_cast<size_t>(in->gcount()));
  if (text.size() > kMaxRecordFileBytes) {
    return Status::InvalidArgument("record file '" + path +
                                   "' is larger than 1 MiB; it is not an exported backup record");
  }
  return text;
}

// The file `backup export` wrote: a JSON object with the two string fields of BackupRecord.
Result<v1::BackupRecord> ParseRecordFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadRecordText(path));
  const std::string hint = " (expected the output of 'backupctl backup export BACKUP_ID')";
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::InvalidArgument("record file '" + path + "' is not a JSON object" + hint);
  }
  v1::BackupRecord record;
  for (const char* key : {"backup_service", "backup_url"}) {
    auto it = json.find(key);
    if (it == json.end() || !it->is_string() || it->get<std::string>().empty()) {
      return Status::InvalidArgument("record file '" + path + "' has no \"" + key + "\" string" +
                                     hint);
    }
  }
  record.set_backup_service(json["backup_service"].get<std::string>());
  record.set_backup_url(json["backup_url"].get<std::string>());
  return record;
}

int Export(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::ExportBackupRecordRequest request;
  request.set_backup_id(args.words[2]);
  v1::BackupRecord record;
  grpc::Status s = cli.backups().ExportBackupRecord(cli.NewContext().get(), request, &record);
  if (!s.ok()) return cli.Fail(s);
  cli.PrintJson(MessageToJson(record));
  return kExitOk;
}

int Import(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  auto record = ParseRecordFile(args.words[2]);
  if (!record.ok()) return cli.Fail(ToGrpcStatus(record.status()));
  v1::ImportBackupRecordRequest request;
  *request.mutable_record() = *record;
  v1::Backup backup;
  grpc::Status s = cli.backups().ImportBackupRecord(cli.NewContext().get(), request, &backup);
  if (!s.ok()) return cli.Fail(s);
  if (cli.json()) {
    cli.PrintJson(MessageToJson(backup));
  } else {
    PrintRecord(MessageToJson(backup));
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> BackupRecordCommands() {
  return {
      {"backup",
       "export",
       {"BACKUP_ID"},
       {},
       {},
       "print an available backup's portable record as JSON (save it to a file for import)",
       Export},
      {"backup",
       "import",
       {"FILE"},
       {},
       {},
       "recreate a backup from an exported record FILE ('-' for stdin) on an installation that "
       "reaches the same object store",
       Import},
  };
}

}  // namespace bb::cli
