// Authenticator: who a REST request acts for, from its X-Auth-Token header. An interface, so
// that Keystone token validation can be added beside the two built-in ones:
//   TokenAuthenticator   project-scoped API tokens (backup_service/auth/api_tokens.h), stored
//                        hashed in PostgreSQL; the default.
//   NoAuthAuthenticator  development only (config api_auth = noauth): the token "USER:PROJECT"
//                        (or "USER", project = user) is trusted as is and is an admin, exactly as
//                        Cinder's noauth middleware does. Never for a shared installation.
// Neither ever logs a token.
// Thread-safety: Authenticate may be called concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "backup_service/auth/api_tokens.h"
#include "backup_service/common/result.h"

namespace bb::api {

struct ApiCaller {
  std::string user_id;  // the token id (api tokens) or the user part (noauth)
  std::string project_id;
  ApiRole role = ApiRole::kReader;
};

// The caller's credential as it came in (X-Auth-Token): what role api forwards with every call
// so that the daemon it calls authenticates the caller again (api/volume_operations.h). Never
// logged.
struct CallCredential {
  std::string token;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The caller, or nullopt when the token is missing, unknown, revoked or malformed (HTTP 401;
  // the answer does not say which). An error when the check itself failed (database down: 503).
  virtual Result<std::optional<ApiCaller>> Authenticate(std::string_view token) = 0;
  // "token" or "noauth", for the startup log line.
  virtual std::string_view name() const = 0;
};

class TokenAuthenticator final : public Authenticator {
 public:
  explicit TokenAuthenticator(ApiTokens& tokens) : tokens_(tokens) {}
  Result<std::optional<ApiCaller>> Authenticate(std::string_view token) override;
  std::string_view name() const override { return "token"; }

 private:
  ApiTokens& tokens_;
};

class NoAuthAuthenticator final : public Authenticator {
 public:
  Result<std::optional<ApiCaller>> Authenticate(std::string_view token) override;
  std::string_view name() const override { return "noauth"; }
};

// "token" -> TokenAuthenticator over `tokens`, "noauth" -> NoAuthAuthenticator; InvalidArgument
// for anything else (config key api_auth).
Result<std::unique_ptr<Authenticator>> CreateAuthenticator(std::string_view kind,
                                                           ApiTokens& tokens);

}  // namespace bb::api
