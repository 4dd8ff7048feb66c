// Policy and version checks shared by the handlers.
#include "api/api_request.h"

namespace bb::api {

Status RequireRole(const ApiRequest& request, ApiRole role, std::string_view action) {
  if (RoleAtLeast(request.caller.role, role)) return Status::Ok();
  return Status::PermissionDenied("Policy doesn't allow " + std::string(action) +
                                  " to be performed.");
}

Status RequireVersion(const ApiRequest& request, ApiVersion min) {
  if (request.version >= min) return Status::Ok();
  return Status::NotFound("API version " + request.version.ToString() +
                          " is not supported on this method (needs " + min.ToString() + ").");
}

}  // namespace bb::api
