// OperatorAuth: who may make admin requests (reset-status, force delete, listing all projects,
// service list/takeover).
//
// The local operator holds a secret token in a file that only it can read (devstack/stack.sh
// writes one, mode 0600, and points both backupd and backupctl at it). A call carrying the token
// in the `x-operator-token` metadata header is an admin call. backupd keeps only the token's
// SHA-256 and compares digests in constant time, so neither the token nor a timing side channel
// leaks through the daemon. Without a configured token, admin requests are refused.
// (Project-scoped API tokens with roles come with the REST API; this is the operator's key.)
// Thread-safety: immutable after construction; IsOperator may be called concurrently.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"

namespace grpc {
class ServerContext;  // not included: cmd/backupd holds an OperatorAuth without gRPC headers
}

namespace bb {

inline constexpr char kOperatorTokenHeader[] = "x-operator-token";

class OperatorAuth {
 public:
  // No operator: every admin request is refused.
  OperatorAuth() = default;
  // Reads the token from `path` (surrounding whitespace ignored). InvalidArgument when the file is
  // unreadable, or the token is shorter than 32 characters or contains non-printable bytes.
  static Result<OperatorAuth> FromFile(const std::string& path);
  static Result<OperatorAuth> FromToken(std::string_view token);

  bool configured() const { return digest_.has_value(); }
  // True when the call carries the operator token.
  bool IsOperator(const grpc::ServerContext& context) const;
  // True when `token` is the operator token (constant-time comparison of digests).
  bool MatchesToken(std::string_view token) const;
  // The PERMISSION_DENIED RequireOperator answers to a call without the token.
  Status RequireOperatorMessage(std::string_view what) const;
  // Ok for an operator call; PERMISSION_DENIED naming `what` otherwise.
  Status RequireOperator(const grpc::ServerContext& context, std::string_view what) const;

 private:
  std::optional<std::array<unsigned char, 32>> digest_;
};

// Validates and trims a token as read from a file; shared with backupctl, which sends it.
Result<std::string> ReadOperatorTokenFile(const std::string& path);

}  // namespace bb
