// backupctl volume commands: create, list, show, delete, attach, detach.
#include <iostream>

#include "cmd/backupctl/commands.h"
#include "cmd/backupctl/human_output.h"
#include "cmd/backupctl/list_output.h"

namespace bb::cli {
namespace {

const std::vector<std::string> kVolumeColumns = {"id", "status", "size_gib", "name"};

int PrintVolume(Cli& cli, const v1::Volume& volume) {
  if (cli.json()) {
    cli.PrintJson(MessageToJson(volume));
  } else {
    PrintRecord(MessageToJson(volume));
  }
  return kExitOk;
}

int Create(Cli& cli, const CliArgs& args, const Command& command) {
  auto size = ParseInteger(args.Value("size-gib"));
  if (!size) return UsageError("--size-gib must be a whole number of GiB", &command);
  v1::CreateVolumeRequest request;
  request.set_size_gib(*size);
  request.set_name(args.Value("name"));
  request.set_description(args.Value("description"));
  v1::Volume volume;
  grpc::Status s = cli.volumes().CreateVolume(cli.NewContext().get(), request, &volume);
  if (!s.ok()) return cli.Fail(s);
  return PrintVolume(cli, volume);
}

int List(Cli& cli, const CliArgs& args, const Command& command) {
  v1::ListVolumesRequest request;
  request.set_name(args.Value("name"));
  request.set_status(args.Value("status"));
  if (int rc = ReadListOptions(args, command, request.mutable_page()); rc != kExitOk) return rc;
  v1::ListVolumesResponse response;
  grpc::Status s = cli.volumes().ListVolumes(cli.NewContext().get(), request, &response);
  if (!s.ok()) return cli.Fail(s);
  Json list = Json::array();
  for (const auto& v : response.volumes()) list.push_back(MessageToJson(v));
  PrintListing(cli, "volumes", list, response.page(), kVolumeColumns);
  return kExitOk;
}

int Show(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::GetVolumeRequest request;
  request.set_volume_id(args.words[2]);
  v1::Volume volume;
  grpc::Status s = cli.volumes().GetVolume(cli.NewContext().get(), request, &volume);
  if (!s.ok()) return cli.Fail(s);
  return PrintVolume(cli, volume);
}

int Delete(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  // Read the record first so that --json can print it (with status "deleted") after the delete:
  // scripts get the same object shape as from every other command.
  v1::GetVolumeRequest get;
  get.set_volume_id(args.words[2]);
  v1::Volume record;
  grpc::Status s = cli.volumes().GetVolume(cli.NewContext().get(), get, &record);
  if (!s.ok()) return cli.Fail(s);
  v1::DeleteVolumeRequest request;
  request.set_volume_id(args.words[2]);
  v1::DeleteVolumeResponse response;
  s = cli.volumes().DeleteVolume(cli.NewContext().get(), request, &response);
  if (!s.ok()) return cli.Fail(s);
  if (cli.json()) {
    record.set_status("deleted");
    cli.PrintJson(MessageToJson(record));
  } else {
    std::cout << "volume " << request.volume_id() << " deleted\n";
  }
  return kExitOk;
}

int Attach(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::AttachVolumeRequest request;
  request.set_volume_id(args.words[2]);
  request.set_instance_uuid(args.Value("instance"));
  v1::Attachment attachment;
  grpc::Status s = cli.volumes().AttachVolume(cli.NewContext().get(), request, &attachment);
  if (!s.ok()) return cli.Fail(s);
  if (cli.json()) {
    cli.PrintJson(MessageToJson(attachment));
  } else {
    std::cout << attachment.device() << "\n";  // scripts use the device path directly
  }
  return kExitOk;
}

int Detach(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::DetachVolumeRequest request;
  request.set_volume_id(args.words[2]);
  request.set_attachment_id(args.Value("attachment"));
  v1::Volume volume;
  grpc::Status s = cli.volumes().DetachVolume(cli.NewContext().get(), request, &volume);
  if (!s.ok()) return cli.Fail(s);
  if (cli.json()) {
    cli.PrintJson(MessageToJson(volume));
  } else {
    std::cout << "volume " << volume.id() << " detached (status " << volume.status() << ")\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> VolumeCommands() {
  return {
      {"volume",
       "create",
       {},
       {"size-gib"},
       {"name", "description"},
       "create an empty volume of N GiB",
       Create},
      {"volume",
       "list",
       {},
       {},
       ListOptionNames({"name", "status"}),
       "list the project's volumes, newest first, a page at a time (--marker: the next page)",
       List},
      {"volume", "show", {"VOLUME_ID"}, {}, {}, "show one volume and its attachments", Show},
      {"volume", "delete", {"VOLUME_ID"}, {}, {}, "delete an available or error volume", Delete},
      {"volume",
       "attach",
       {"VOLUME_ID"},
       {"instance"},
       {},
       "attach on the daemon's host; prints the block device path",
       Attach},
      {"volume",
       "detach",
       {"VOLUME_ID"},
       {},
       {"attachment"},
       "detach (the attachment may be omitted when there is one)",
       Detach},
  };
}

}  // namespace bb::cli
