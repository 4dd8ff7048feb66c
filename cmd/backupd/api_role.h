// Role api (README "Roles"): a backupd that serves only the REST API and forwards every call,
// with the caller's own token, over gRPC to the daemons that own the records
// (rpc/remote_api_operations.h). It opens PostgreSQL only to authenticate requests (the token
// table; migrations applied as by every role), claims no host identity and runs no driver, store,
// manager or gRPC server.
#pragma once

#include <signal.h>

#include "cmd/backupd/backupd_config.h"

namespace bb {

// Runs until SIGTERM/SIGINT (already blocked in `stop_signals`); the process exit status.
// *served is set once the REST API listens.
int RunApiRole(const BackupdConfig& config, const sigset_t& stop_signals, bool* served);

}  // namespace bb
