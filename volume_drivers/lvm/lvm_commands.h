// LvmCommands: the `lvm` binary as the LVM driver calls it. Every call is `lvm <subcommand> ...` as
// an argv through the CommandRunner (never a shell; the runner sets LC_ALL=C), reports are read as
// `--reportformat json --units b --nosuffix`, and failures become the Status codes of
// MapLvmError (lvm_report.h). Knows nothing of volumes: LV and VG names only.
// Thread-safety: as the CommandRunner (LVM serialises metadata changes with its own VG lock).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "volume_drivers/lvm/lvm_report.h"

namespace bb::lvm {

class LvmCommands {
 public:
  explicit LvmCommands(CommandRunner& runner) : runner_(runner) {}

  // `lvm <args...>`; OK on exit 0, MapLvmError otherwise. extent_size_bytes (when known) turns a
  // "VG full" message into bytes.
  Status Run(const std::vector<std::string>& args, int64_t extent_size_bytes = 0);
  // The VG; NotFound "volume group X not found".
  Result<VgInfo> Vg(const std::string& vg);
  // The LV vg/name, nullopt when it does not exist (the VG must exist: NotFound otherwise).
  Result<std::optional<LvInfo>> FindLv(const std::string& vg, const std::string& name);
  // Every LV of the VG, hidden ones included (-a).
  Result<std::vector<LvInfo>> ListLvs(const std::string& vg);

 private:
  Result<CommandResult> Exec(const std::vector<std::string>& args);
  CommandRunner& runner_;
};

}  // namespace bb::lvm
