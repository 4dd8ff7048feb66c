// Channel credentials and the API token from options and environment.
#include "cmd/backupctl/channel_credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

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

Result<std::string> ReadPem(const std::string& option, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("--" + option + ": cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(const CliArgs& args) {
  std::string ca = OptionOrEnv(args, "tls-ca-file", "BACKUPCTL_TLS_CA_FILE");
  std::string cert = OptionOrEnv(args, "tls-cert-file", "BACKUPCTL_TLS_CERT_FILE");
  std::string key = OptionOrEnv(args, "tls-key-file", "BACKUPCTL_TLS_KEY_FILE");
  if (cert.empty() != key.empty()) {
    return Status::InvalidArgument("--tls-cert-file and --tls-key-file go together");
  }
  if (ca.empty()) {
    if (!cert.empty()) {
      return Status::InvalidArgument(
          "--tls-cert-file needs --tls-ca-file (the CA that signed backupd's certificate)");
    }
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;
  ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem("tls-ca-file", ca));
  if (!cert.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem("tls-cert-file", cert));
    ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPem("tls-key-file", key));
  }
  return grpc::SslCredentials(ssl);
}

std::string ApiTokenFor(const CliArgs& args) { return OptionOrEnv(args, "token", "BB_TOKEN"); }

}  // namespace bb::cli
