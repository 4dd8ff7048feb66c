// CallAuth: the two modes' verdicts and the per-call verdict table (call_auth.h).
#include "rpc/call_auth.h"

#include "api/authenticator.h"
#include "rpc/method_roles.h"
#include "rpc/operator_auth.h"
#include "rpc/project_context.h"

namespace bb {
namespace {

// The single value of `name`; nullopt when absent; InvalidArgument when repeated (ambiguous).
Result<std::optional<std::string>> SingleHeader(const GrpcMetadata& metadata, const char* name) {
  auto [begin, end] = metadata.equal_range(name);
  if (begin == end) return std::optional<std::string>();
  if (std::next(begin) != end) {
    return Status::InvalidArgument(std::string(name) + " given more than once");
  }
  return std::optional<std::string>(std::string(begin->second.data(), begin->second.size()));
}

}  // namespace

std::optional<GrpcAuthMode> ParseGrpcAuthMode(std::string_view name) {
  if (name == "token") return GrpcAuthMode::kToken;
  if (name == "trusted-header") return GrpcAuthMode::kTrustedHeader;
  return std::nullopt;
}

Result<RpcCaller> CallAuth::AuthenticateToken(const GrpcMetadata& metadata) const {
  ASSIGN_OR_RETURN(auto token, SingleHeader(metadata, kAuthTokenHeader));
  ASSIGN_OR_RETURN(auto operator_token, SingleHeader(metadata, kOperatorTokenHeader));
  ASSIGN_OR_RETURN(auto named_project, SingleHeader(metadata, kProjectIdHeader));
  if (token) {
    if (authenticator_ == nullptr) return Status::Internal("no authenticator for grpc_auth=token");
    auto checked = authenticator_->Authenticate(*token);
    if (!checked.ok()) {
      return Status::Unavailable("the API token could not be checked: " +
                                 checked.status().message());
    }
    if (!checked->has_value()) {
      return Status::Unauthenticated(
          "the x-auth-token is not valid (unknown, revoked or "
          "malformed)");
    }
    const api::ApiCaller& caller = **checked;
    // The header may repeat the token's project, never name another: it cannot impersonate.
    if (named_project && *named_project != caller.project_id) {
      return Status::PermissionDenied("the API token is for project " + caller.project_id +
                                      ", not for the x-project-id " + *named_project);
    }
    return RpcCaller{.project_id = caller.project_id, .role = caller.role};
  }
  if (operator_token) {
    if (!operator_auth_.MatchesToken(*operator_token)) {
      return Status::Unauthenticated("the x-operator-token is not this backupd's operator token");
    }
    std::string project = named_project.value_or(kDefaultProjectId);
    RETURN_IF_ERROR(ValidateProjectId(project));
    return RpcCaller{.project_id = project, .role = ApiRole::kAdmin};
  }
  return Status::Unauthenticated(
      "this backupd requires an API token (grpc_auth = token): give one with backupctl --token "
      "or BB_TOKEN (made by `backupctl token create`)");
}

Result<RpcCaller> CallAuth::Authenticate(const GrpcMetadata& metadata,
                                         std::string_view method) const {
  if (mode_ == GrpcAuthMode::kTrustedHeader) {
    ASSIGN_OR_RETURN(auto project, ProjectIdFromMetadata(metadata));
    ASSIGN_OR_RETURN(auto operator_token, SingleHeader(metadata, kOperatorTokenHeader));
    bool admin = operator_token && operator_auth_.MatchesToken(*operator_token);
    return RpcCaller{.project_id = project, .role = admin ? ApiRole::kAdmin : ApiRole::kMember};
  }
  ASSIGN_OR_RETURN(RpcCaller caller, AuthenticateToken(metadata));
  ApiRole needed = RequiredRole(method);
  if (!RoleAtLeast(caller.role, needed)) {
    return Status::PermissionDenied(std::string(method) + " needs the role " +
                                    std::string(ToString(needed)) + "; this token's role is " +
                                    std::string(ToString(caller.role)));
  }
  return caller;
}

void CallAuth::Record(const grpc::ServerContextBase* call, Result<RpcCaller> verdict) {
  std::lock_guard<std::mutex> lock(mu_);
  verdicts_.insert_or_assign(call, std::move(verdict));
}

void CallAuth::Forget(const grpc::ServerContextBase* call) {
  std::lock_guard<std::mutex> lock(mu_);
  verdicts_.erase(call);
}

Result<RpcCaller> CallAuth::Caller(const grpc::ServerContextBase& call) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = verdicts_.find(&call);
  if (it == verdicts_.end()) {
    return Status::Unauthenticated("the call was not authenticated (no auth interceptor ran)");
  }
  return it->second;
}

Result<std::string> CallAuth::ProjectOf(const grpc::ServerContextBase& call) const {
  ASSIGN_OR_RETURN(RpcCaller caller, Caller(call));
  return caller.project_id;
}

Result<std::string> CallAuth::LookupProjectOf(const grpc::ServerContextBase& call) const {
  ASSIGN_OR_RETURN(RpcCaller caller, Caller(call));
  return caller.admin() ? std::string() : caller.project_id;
}

bool CallAuth::IsAdmin(const grpc::ServerContextBase& call) const {
  auto caller = Caller(call);
  return caller.ok() && caller->admin();
}

Status CallAuth::RequireAdmin(const grpc::ServerContextBase& call, std::string_view what) const {
  ASSIGN_OR_RETURN(RpcCaller caller, Caller(call));
  if (caller.admin()) return Status::Ok();
  if (mode_ == GrpcAuthMode::kToken) {
    return Status::PermissionDenied(std::string(what) +
                                    " is an admin operation: use an admin token or the operator "
                                    "token");
  }
  // trusted-header: the operator token is the only way to be an admin; say how to give it.
  return operator_auth_.RequireOperatorMessage(what);
}

}  // namespace bb
