// backupctl snapshot commands: create, list, show, delete.
#include <iostream>

#include "cmd/backupctl/commands.h"
#include "cmd/backupctl/human_output.h"
#include "cmd/backupctl/list_output.h"

namespace bb::cli {
namespace {

int PrintSnapshot(Cli& cli, const v1::Snapshot& snapshot) {
  if (cli.json()) {
    cli.PrintJson(MessageToJson(snapshot));
  } else {
    PrintRecord(MessageToJson(snapshot));
  }
  return kExitOk;
}

int Create(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::CreateSnapshotRequest request;
  request.set_volume_id(args.words[2]);
  request.set_name(args.Value("name"));
  request.set_description(args.Value("description"));
  request.set_force(args.Flag("force"));
  v1::Snapshot snapshot;
  grpc::Status s = cli.volumes().CreateSnapshot(cli.NewContext().get(), request, &snapshot);
  if (!s.ok()) return cli.Fail(s);
  return PrintSnapshot(cli, snapshot);
}

int List(Cli& cli, const CliArgs& args, const Command& command) {
  v1::ListSnapshotsRequest request;
  request.set_volume_id(args.Value("volume"));
  request.set_name(args.Value("name"));
  request.set_status(args.Value("status"));
  if (int rc = ReadListOptions(args, command, request.mutable_page()); rc != kExitOk) return rc;
  v1::ListSnapshotsResponse response;
  grpc::Status s = cli.volumes().ListSnapshots(cli.NewContext().get(), request, &response);
  if (!s.ok()) return cli.Fail(s);
  Json list = Json::array();
  for (const auto& snapshot : response.snapshots()) list.push_back(MessageToJson(snapshot));
  PrintListing(cli, "snapshots", list, response.page(),
               {"id", "volume_id", "status", "size_gib", "name"});
  return kExitOk;
}

int Show(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::GetSnapshotRequest request;
  request.set_snapshot_id(args.words[2]);
  v1::Snapshot snapshot;
  grpc::Status s = cli.volumes().GetSnapshot(cli.NewContext().get(), request, &snapshot);
  if (!s.ok()) return cli.Fail(s);
  return PrintSnapshot(cli, snapshot);
}

int Delete(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  // Read the record first so that --json can print it (with status "deleted") after the delete:
  // scripts get the same object shape as from every other command.
  v1::GetSnapshotRequest get;
  get.set_snapshot_id(args.words[2]);
  v1::Snapshot record;
  grpc::Status s = cli.volumes().GetSnapshot(cli.NewContext().get(), get, &record);
  if (!s.ok()) return cli.Fail(s);
  v1::DeleteSnapshotRequest request;
  request.set_snapshot_id(args.words[2]);
  v1::DeleteSnapshotResponse response;
  s = cli.volumes().DeleteSnapshot(cli.NewContext().get(), request, &response);
  if (!s.ok()) return cli.Fail(s);
  if (cli.json()) {
    record.set_status("deleted");
    cli.PrintJson(MessageToJson(record));
  } else {
    std::cout << "snapshot " << request.snapshot_id() << " deleted\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> SnapshotCommands() {
  return {
      {"snapshot",
       "create",
       {"VOLUME_ID"},
       {},
       {"name", "description", "force"},
       "snapshot a volume (--force for an in-use volume)",
       Create},
      {"snapshot",
       "list",
       {},
       {},
       ListOptionNames({"volume", "name", "status"}),
       "list snapshots, newest first, a page at a time (--marker: the next page)",
       List},
      {"snapshot", "show", {"SNAPSHOT_ID"}, {}, {}, "show one snapshot", Show},
      {"snapshot", "delete", {"SNAPSHOT_ID"}, {}, {}, "delete a snapshot", Delete},
  };
}

}  // namespace bb::cli
