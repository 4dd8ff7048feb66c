// A REST route: method, path pattern under /v3/{project}, the role its policy needs (cinder-facts
// §2.6), the first microversion that has it, and its handler. The route tables are in the
// *_handlers.cc files; api_server.cc registers them all.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/api_request.h"

namespace bb::api {

class BackupOperations;
class VolumeOperations;

using ApiHandler = std::function<Result<ApiResponse>(const ApiRequest&)>;

struct Route {
  std::string method;   // GET, POST, PUT, DELETE
  std::string pattern;  // regex after "/v3/{project}", e.g. "/backups/([^/]+)"
  ApiRole role = ApiRole::kReader;
  ApiVersion min_version = kMinApiVersion;
  ApiHandler handler;
};

std::vector<Route> VolumeRoutes(VolumeOperations& volumes);
std::vector<Route> SnapshotRoutes(VolumeOperations& volumes);
std::vector<Route> AttachmentRoutes(VolumeOperations& volumes);
std::vector<Route> BackupRoutes(BackupOperations& backups);
std::vector<Route> QuotaRoutes(BackupOperations& backups);

// ApiResponse helpers.
inline ApiResponse Json(int status, nlohmann::json body) { return {status, std::move(body)}; }
inline ApiResponse Empty(int status) { return {status, std::nullopt}; }

}  // namespace bb::api
