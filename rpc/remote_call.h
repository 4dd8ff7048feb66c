// One unary RPC on behalf of a REST caller (role api, remote_api_operations.h): the caller's
// token as x-auth-token, a deadline, and the answer as a bb::Status with its code and message
// unchanged; a transport failure names the service's address.
// Thread-safety: a function; the stub is shared (gRPC stubs are thread-safe).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>

#include "api/authenticator.h"
#include "rpc/call_auth.h"
#include "rpc/status_mapping.h"

namespace bb {

// Calls are short (a record read or a first transition); a hung daemon must not hold a REST
// worker thread for long.
inline constexpr auto kRemoteApiCallDeadline = std::chrono::seconds(60);

template <typename Stub, typename Method, typename Request, typename Response>
Status CallAs(Stub& stub, Method method, const api::CallCredential& who, const std::string& address,
              const Request& request, Response* response) {
  grpc::ClientContext context;
  context.AddMetadata(kAuthTokenHeader, who.token);
  context.set_deadline(std::chrono::system_clock::now() + kRemoteApiCallDeadline);
  grpc::Status s = (stub.*method)(&context, request, response);
  if (s.ok()) return Status::Ok();
  Status st = FromGrpcStatus(s);
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
      s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return Status(st.code(), "backupd at " + address + ": " + st.message());
  }
  return st;
}

// A probe's answer (RemoteVolumeOperations::CheckChecksTokens): a call made without a valid
// token must be refused with UNAUTHENTICATED.
inline Status ExpectTokenRefused(const Status& answer, const std::string& what,
                                 const std::string& address) {
  if (answer.code() == StatusCode::kUnauthenticated) return Status::Ok();
  if (answer.ok()) {
    return Status::FailedPrecondition(
        "the " + what + " at " + address +
        " answered a call that carried no valid token: it runs grpc_auth = trusted-header and "
        "would act for any project a call names. Role api forwards each caller's token and "
        "needs the daemons behind it to check them: set grpc_auth = token there");
  }
  return answer;
}

}  // namespace bb
