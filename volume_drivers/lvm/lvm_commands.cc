// The lvm command layer; see lvm_commands.h.
#include "volume_drivers/lvm/lvm_commands.h"

namespace bb::lvm {
namespace {

std::vector<std::string> Argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"lvm"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

Result<CommandResult> LvmCommands::Exec(const std::vector<std::string>& args) {
  CommandOptions options;
  options.timeout = std::chrono::minutes(5);  // lvcreate waits for udev; a busy VG lock queues
  return runner_.Run(Argv(args), options);
}

Status LvmCommands::Run(const std::vector<std::string>& args, int64_t extent_size_bytes) {
  ASSIGN_OR_RETURN(CommandResult r, Exec(args));
  if (r.exit_code != 0) return MapLvmError(Argv(args), r, extent_size_bytes);
  return Status::Ok();
}

Result<VgInfo> LvmCommands::Vg(const std::string& vg) {
  std::vector<std::string> args{"vgs", "--reportformat", "json", "--units", "b", "--nosuffix",
                                "-o",  kVgsFields,       vg};
  ASSIGN_OR_RETURN(CommandResult r, Exec(args));
  if (r.exit_code != 0) return MapLvmError(Argv(args), r);
  ASSIGN_OR_RETURN(std::vector<VgInfo> vgs, ParseVgsReport(r.out));
  if (vgs.size() != 1) return Status::NotFound("volume group " + vg + " not found");
  return vgs.front();
}

Result<std::optional<LvInfo>> LvmCommands::FindLv(const std::string& vg, const std::string& name) {
  std::vector<std::string> args{"lvs",      "--reportformat", "json", "--units",
                                "b",        "--nosuffix",     "-a",   "-o",
                                kLvsFields, vg + "/" + name};
  ASSIGN_OR_RETURN(CommandResult r, Exec(args));
  if (r.exit_code != 0) {
    Status s = MapLvmError(Argv(args), r);
    // A missing LV is an answer here; a missing VG stays an error.
    if (s.code() == StatusCode::kNotFound && s.message().starts_with("logical volume")) {
      return std::optional<LvInfo>();
    }
    return s;
  }
  ASSIGN_OR_RETURN(std::vector<LvInfo> lvs, ParseLvsReport(r.out));
  for (auto& lv : lvs) {
    if (lv.name == name) return std::optional<LvInfo>(std::move(lv));
  }
  return std::optional<LvInfo>();
}

Result<std::vector<LvInfo>> LvmCommands::ListLvs(const std::string& vg) {
  std::vector<std::string> args{"lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-a",
                                "-o",  kLvsFields,       vg};
  ASSIGN_OR_RETURN(CommandResult r, Exec(args));
  if (r.exit_code != 0) return MapLvmError(Argv(args), r);
  return ParseLvsReport(r.out);
}

}  // namespace bb::lvm
