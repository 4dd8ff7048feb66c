// CallAuth: who a gRPC call acts for, decided once per call by the auth interceptor
// (auth_interceptor.h) and read by every handler, so that gRPC follows the REST API's rules.
//
// Two modes (backupd config grpc_auth):
//   token           the call carries an API token in `x-auth-token` (the REST API's tokens,
//                   checked through the same api::Authenticator, so roles reader/member/admin
//                   mean the same) and acts in the token's project; an `x-project-id` naming
//                   another project is refused, so the header alone impersonates nobody. The
//                   operator token (`x-operator-token`) is accepted too: an admin acting in the
//                   `x-project-id` project. No credential: UNAUTHENTICATED.
//   trusted-header  development and the embedded loopback daemon: the project is `x-project-id`
//                   as sent ("default" without it), an admin only with the operator token, and
//                   the per-method role table is not applied (the behaviour before tokens).
// The verdict (a caller, or the status to answer) is kept per call, keyed by the call's
// ServerContext, from the interceptor's first hook to the call's end. A handler asking about a
// call without a verdict gets UNAUTHENTICATED: forgetting to install the interceptor fails closed.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "backup_service/auth/api_tokens.h"
#include "backup_service/common/result.h"

namespace bb {
namespace api {
class Authenticator;
}
class OperatorAuth;

inline constexpr char kAuthTokenHeader[] = "x-auth-token";

enum class GrpcAuthMode { kToken, kTrustedHeader };
// "token" | "trusted-header"; nullopt otherwise.
std::optional<GrpcAuthMode> ParseGrpcAuthMode(std::string_view name);

struct RpcCaller {
  std::string project_id;
  ApiRole role = ApiRole::kMember;
  bool admin() const { return role == ApiRole::kAdmin; }
};

using GrpcMetadata = std::multimap<grpc::string_ref, grpc::string_ref>;

class CallAuth {
 public:
  // `authenticator` is needed in token mode only (may be null otherwise); both referents must
  // outlive this object.
  CallAuth(GrpcAuthMode mode, api::Authenticator* authenticator, const OperatorAuth& operator_auth)
      : mode_(mode), authenticator_(authenticator), operator_auth_(operator_auth) {}

  GrpcAuthMode mode() const { return mode_; }

  // The verdict for a call to `method` ("/bb.v1.BackupService/CreateBackup") with `metadata`:
  // the caller, or UNAUTHENTICATED (no or bad credential), PERMISSION_DENIED (role too low,
  // another project), INVALID_ARGUMENT (malformed project id) or UNAVAILABLE (the token could
  // not be checked: database down).
  Result<RpcCaller> Authenticate(const GrpcMetadata& metadata, std::string_view method) const;

  // The interceptor's side: keep / drop the verdict of a call.
  void Record(const grpc::ServerContextBase* call, Result<RpcCaller> verdict);
  void Forget(const grpc::ServerContextBase* call);

  // The handlers' side.
  Result<RpcCaller> Caller(const grpc::ServerContextBase& call) const;
  Result<std::string> ProjectOf(const grpc::ServerContextBase& call) const;
  // The project to look a record up in by id: the caller's; "" (every project) for an admin, as
  // the REST API's admin (api_request.h lookup_project, Cinder's admin_or_owner policies).
  Result<std::string> LookupProjectOf(const grpc::ServerContextBase& call) const;
  // True when the call is an admin's (the operator token, or an admin API token in token mode).
  bool IsAdmin(const grpc::ServerContextBase& call) const;
  // Ok for an admin call; the verdict's error, or PERMISSION_DENIED naming `what`, otherwise.
  Status RequireAdmin(const grpc::ServerContextBase& call, std::string_view what) const;

 private:
  Result<RpcCaller> AuthenticateToken(const GrpcMetadata& metadata) const;

  GrpcAuthMode mode_;
  api::Authenticator* authenticator_;
  const OperatorAuth& operator_auth_;
  mutable std::mutex mu_;
  std::unordered_map<const grpc::ServerContextBase*, Result<RpcCaller>> verdicts_;
};

}  // namespace bb
