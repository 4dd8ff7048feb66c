// ApiTokenRepository: SQL for the REST API's tokens (schema/0006_api_tokens.sql). Only a token's
// SHA-256 reaches this layer, as 64 lower-case hex digits; the token itself never does.
// Thread-safety: stateless over Database; safe to use concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/db/database.h"

namespace bb {

struct ApiTokenRow {
  std::string id;
  std::string project_id;
  std::string role;  // reader | member | admin (the table's CHECK)
  std::string description;
  int64_t created_at = 0;  // epoch microseconds
  int64_t revoked_at = 0;  // 0 while valid
};

class ApiTokenRepository {
 public:
  explicit ApiTokenRepository(Database& db) : db_(db) {}

  // Inserts a token. AlreadyExists when the digest is already stored (a collision of random
  // tokens: the caller makes a new one).
  Status Insert(const ApiTokenRow& row, const std::string& sha256_hex);
  // The valid (not revoked) token with this digest; nullopt when none.
  Result<std::optional<ApiTokenRow>> FindValid(const std::string& sha256_hex);
  // Sets revoked_at. NotFound for an unknown id; FailedPrecondition when already revoked.
  Result<ApiTokenRow> Revoke(const std::string& id);
  // Every token (revoked ones too), newest first; project_id empty = every project.
  Result<std::vector<ApiTokenRow>> List(const std::string& project_id);

 private:
  Database& db_;
};

}  // namespace bb
