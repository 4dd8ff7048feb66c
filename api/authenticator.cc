// Authenticators: the API-token lookup and Cinder's noauth rule.
#include "api/authenticator.h"

#include "backup_service/common/validation.h"

namespace bb::api {

Result<std::optional<ApiCaller>> TokenAuthenticator::Authenticate(std::string_view token) {
  ASSIGN_OR_RETURN(auto row, tokens_.Verify(token));
  if (!row) return std::optional<ApiCaller>();
  auto role = ParseApiRole(row->role);
  if (!role) return std::optional<ApiCaller>();  // the table's CHECK makes this unreachable
  return std::optional<ApiCaller>(
      ApiCaller{.user_id = row->id, .project_id = row->project_id, .role = *role});
}

Result<std::optional<ApiCaller>> NoAuthAuthenticator::Authenticate(std::string_view token) {
  size_t colon = token.find(':');
  std::string user(token.substr(0, colon));
  std::string project =
      colon == std::string_view::npos ? user : std::string(token.substr(colon + 1));
  // Ids the rest of the service accepts; anything else is not a caller.
  if (!ValidateProjectId("user", user).ok() || !ValidateProjectId("project", project).ok()) {
    return std::optional<ApiCaller>();
  }
  return std::optional<ApiCaller>(
      ApiCaller{.user_id = user, .project_id = project, .role = ApiRole::kAdmin});
}

Result<std::unique_ptr<Authenticator>> CreateAuthenticator(std::string_view kind,
                                                           ApiTokens& tokens) {
  if (kind == "token") return std::unique_ptr<Authenticator>(new TokenAuthenticator(tokens));
  if (kind == "noauth") return std::unique_ptr<Authenticator>(new NoAuthAuthenticator());
  return Status::InvalidArgument("api_auth must be token or noauth");
}

}  // namespace bb::api
