// OperatorAuth: token file reading and constant-time digest comparison.
#include "rpc/operator_auth.h"

#include <grpcpp/server_context.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>

namespace bb {
namespace {

constexpr size_t kMinTokenChars = 32;
constexpr size_t kMaxTokenChars = 1024;

std::array<unsigned char, 32> Sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    std::abort();  // only on allocation failure or a broken provider
  }
  return out;
}

Status ValidateToken(std::string_view token) {
  if (token.size() < kMinTokenChars || token.size() > kMaxTokenChars) {
    return Status::InvalidArgument("the operator token must be 32 to 1024 characters (e.g. " +
                                   std::string("`openssl rand -hex 32`)"));
  }
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument("the operator token may only contain printable ASCII");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ReadOperatorTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read the operator token file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string token = buffer.str();
  const char* blanks = " \t\r\n";
  token.erase(0, token.find_first_not_of(blanks) == std::string::npos
                     ? token.size()
                     : token.find_first_not_of(blanks));
  token.erase(token.find_last_not_of(blanks) + 1);
  Status st = ValidateToken(token);
  if (!st.ok()) return st.WithContext(path);
  return token;
}

Result<OperatorAuth> OperatorAuth::FromFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string token, ReadOperatorTokenFile(path));
  return FromToken(token);
}

Result<OperatorAuth> OperatorAuth::FromToken(std::string_view token) {
  RETURN_IF_ERROR(ValidateToken(token));
  OperatorAuth auth;
  auth.digest_ = Sha256(token);
  return auth;
}

bool OperatorAuth::IsOperator(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range(kOperatorTokenHeader);
  if (begin == end || std::next(begin) != end) return false;
  return MatchesToken(std::string_view(begin->second.data(), begin->second.size()));
}

bool OperatorAuth::MatchesToken(std::string_view token) const {
  if (!digest_) return false;
  auto given = Sha256(token);
  return CRYPTO_memcmp(given.data(), digest_->data(), given.size()) == 0;
}

Status OperatorAuth::RequireOperator(const grpc::ServerContext& context,
                                     std::string_view what) const {
  if (IsOperator(context)) return Status::Ok();
  return RequireOperatorMessage(what);
}

Status OperatorAuth::RequireOperatorMessage(std::string_view what) const {
  if (!digest_) {
    return Status::PermissionDenied(std::string(what) +
                                    " is an admin operation, and this backupd has no "
                                    "operator_token_file configured");
  }
  return Status::PermissionDenied(
      std::string(what) +
      " is an admin operation: give the operator token (backupctl --operator-token-file FILE or "
      "BACKUPCTL_OPERATOR_TOKEN_FILE)");
}

}  // namespace bb
