// --wait support: polls GetBackup every 200 ms until the backup leaves its transitional status
// (creating, restoring, deleting). Thread-safety: single-threaded, blocks the caller.
#pragma once

#include <string>

#include "cmd/backupctl/cli_context.h"

namespace bb::cli {

struct WaitOutcome {
  grpc::Status status;  // non-OK when polling itself failed (daemon gone, refused)
  v1::Backup backup;    // the last record seen
  bool gone = false;    // GetBackup answered NOT_FOUND and gone_ok was set
};

bool IsTransitional(const std::string& backup_status);

// Starts from `initial` (the record the mutating call returned). gone_ok: a NOT_FOUND answer
// means the operation finished (a deleted backup may disappear).
WaitOutcome WaitForBackup(Cli& cli, const v1::Backup& initial, bool gone_ok);

}  // namespace bb::cli
