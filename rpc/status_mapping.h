// Status mapping: the one place where bb::Status and grpc::Status are converted into each other.
// bb::StatusCode mirrors gRPC's canonical codes, so the code maps 1:1 and the message is kept
// verbatim (clients and tests match on Cinder's exact wording).
// Thread-safety: pure functions.
#pragma once

#include <grpcpp/support/status.h>

#include "backup_service/common/status.h"

namespace bb {

// Server side: the manager's answer -> the wire.
grpc::Status ToGrpcStatus(const Status& status);
// Client side: the wire -> a bb::Status (codes without a bb equivalent become kUnknown);
// StatusCodeName() of the result is the name the CLI prints.
Status FromGrpcStatus(const grpc::Status& status);

// Runs a handler body written with RETURN_IF_ERROR/ASSIGN_OR_RETURN (a callable returning
// Status) and maps its outcome once, so every handler answers through ToGrpcStatus.
template <typename Fn>
grpc::Status RunHandler(Fn&& body) {
  return ToGrpcStatus(body());
}

}  // namespace bb
