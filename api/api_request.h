// What a REST handler sees and returns: no HTTP library types, so handlers are plain functions
// of (request) -> Result<response>, testable and fuzzable without a socket. The server
// (api_server.cc) fills ApiRequest after version negotiation and authentication, and turns an
// error Status into Cinder's error body (http_error.h).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/authenticator.h"
#include "api/microversion.h"
#include "backup_service/common/result.h"

namespace bb::api {

struct ApiRequest {
  std::string method;
  std::string path;
  std::vector<std::string> path_args;  // the route's captures after the project: ids
  std::string project;                 // the project in the URL (/v3/{project}/...)
  std::multimap<std::string, std::string> query;
  std::string body;
  ApiVersion version;
  ApiCaller caller;
  CallCredential credential;  // the X-Auth-Token as given (forwarded by role api; never logged)
  std::string base_url;       // "http://HOST:PORT" as the client addressed us (links)

  bool is_admin() const { return caller.role == ApiRole::kAdmin; }
  // Project to look records up in by id: the caller's; an admin's reaches every project (as
  // Cinder's admin_or_owner policies), which the managers spell "".
  std::string lookup_project() const { return is_admin() ? "" : caller.project_id; }
};

struct ApiResponse {
  int status = 200;
  std::optional<nlohmann::json> body;  // none: empty body
};

// PermissionDenied (403, Cinder's policy failure) unless the caller has `role`.
Status RequireRole(const ApiRequest& request, ApiRole role, std::string_view action);
// NotFound (404, as Cinder for a version that lacks the resource) below `min`.
Status RequireVersion(const ApiRequest& request, ApiVersion min);

}  // namespace bb::api
