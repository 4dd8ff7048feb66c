// The table of failpoints (backup_service/common/failpoint.h) in the create, restore and delete
// flows and the volume/snapshot operations, next to the state table: each names the step it sits
// between, so a crash there is a row of the recovery table in state_machine.cc. The crash tests
// kill backupd at every one of them and fail if any listed failpoint is never reached.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bb {

struct FailpointInfo {
  std::string_view name;
  std::string_view operation;  // create, restore, delete, volume.create, snapshot.delete, ...
  std::string_view where;      // between which steps
};

const std::vector<FailpointInfo>& AllFailpoints();
std::vector<std::string> AllFailpointNames();

}  // namespace bb
