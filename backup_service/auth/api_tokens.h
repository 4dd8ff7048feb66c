// ApiTokens: the REST API's project-scoped tokens. A token is "bbt_" + 64 hex digits (32 bytes
// from OpenSSL's CSPRNG); only its SHA-256 is stored (api_tokens), so the database never holds
// a usable credential and the token is shown exactly once, by Issue. A token carries one project
// and one role. Issue/Revoke/List are the local operator's (backupctl token ..., over the gRPC
// ServiceAdmin with the operator token); Verify is what the REST API's authenticator calls.
// Thread-safety: stateless over Database; safe to use concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/db/api_token_repository.h"
#include "backup_service/db/database.h"

namespace bb {

// Cinder's default personas: reader (get/list), member (create, update, delete, restore),
// admin (export/import, reset status, force delete, every project).
enum class ApiRole { kReader = 0, kMember = 1, kAdmin = 2 };
std::string_view ToString(ApiRole role);
std::optional<ApiRole> ParseApiRole(std::string_view name);
// True when `have` grants what `need` needs (admin > member > reader).
inline bool RoleAtLeast(ApiRole have, ApiRole need) {
  return static_cast<int>(have) >= static_cast<int>(need);
}

// 64 lower-case hex digits of SHA-256(token): what api_tokens.token_sha256 holds.
std::string TokenDigestHex(std::string_view data);

struct IssuedApiToken {
  ApiTokenRow row;
  std::string token;  // the secret: give it to the user once, never log it
};

class ApiTokens {
 public:
  explicit ApiTokens(Database& db) : repo_(db) {}

  // InvalidArgument for a malformed project id, an unknown role or a description over 255 bytes.
  Result<IssuedApiToken> Issue(const std::string& project_id, const std::string& role,
                               const std::string& description);
  // InvalidArgument for a malformed id; NotFound; FailedPrecondition when already revoked.
  Result<ApiTokenRow> Revoke(const std::string& id);
  // project_id empty: every project.
  Result<std::vector<ApiTokenRow>> List(const std::string& project_id);
  // The valid token's row, or nullopt (unknown, revoked or malformed: the caller answers 401
  // without saying which). Unavailable when the database is.
  Result<std::optional<ApiTokenRow>> Verify(std::string_view token);

 private:
  ApiTokenRepository repo_;
};

}  // namespace bb
