// Channel credentials and the API token from options and environment.
#include "cmd/backupctl/channel_credentials.h"

#include <cstdlib>

#include "rpc/client_credentials.h"

namespace bb::cli {
namespace {

// The option's value, else the environment variable's.
std::string OptionOrEnv(const CliArgs& args, const std::string& option, const char* env) {
  std::string value = args.Value(option);
  if (value.empty()) {
    const char* from_env = std::getenv(env);
    if (from_env != nullptr) value = from_env;
  }
  return value;
}

}  // namespace

Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(const CliArgs& args) {
  return ClientChannelCredentials(
      {.ca_file = OptionOrEnv(args, "tls-ca-file", "BACKUPCTL_TLS_CA_FILE"),
       .cert_file = OptionOrEnv(args, "tls-cert-file", "BACKUPCTL_TLS_CERT_FILE"),
       .key_file = OptionOrEnv(args, "tls-key-file", "BACKUPCTL_TLS_KEY_FILE"),
       .ca_name = "--tls-ca-file",
       .cert_name = "--tls-cert-file",
       .key_name = "--tls-key-file"});
}

std::string ApiTokenFor(const CliArgs& args) { return OptionOrEnv(args, "token", "BB_TOKEN"); }

}  // namespace bb::cli
