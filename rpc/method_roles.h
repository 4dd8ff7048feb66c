// The role each gRPC method needs in grpc_auth = token mode: the REST API's route roles
// (api/*_handlers.cc) for the same operations, so a reader token can look but not change, on
// either transport. Admin-only variants of a method (force delete, all projects, reset status)
// are checked in the handlers, as the REST handlers do.
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "backup_service/auth/api_tokens.h"

namespace bb {

// `method` is gRPC's full name, "/bb.v1.BackupService/CreateBackup". An unknown method needs
// admin (fail closed: a new RPC must be added to the table to be usable by tenants).
ApiRole RequiredRole(std::string_view method);

}  // namespace bb
