// Client channel credentials from PEM files (client_credentials.h).
#include "rpc/client_credentials.h"

#include <fstream>
#include <sstream>

namespace bb {
namespace {

Result<std::string> ReadPem(const std::string& name, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(name + ": cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::shared_ptr<grpc::ChannelCredentials>> ClientChannelCredentials(
    const ClientTlsFiles& f) {
  if (f.cert_file.empty() != f.key_file.empty()) {
    return Status::InvalidArgument(f.cert_name + " and " + f.key_name + " go together");
  }
  if (f.ca_file.empty()) {
    if (!f.cert_file.empty()) {
      return Status::InvalidArgument(f.cert_name + " needs " + f.ca_name +
                                     " (the CA that signed backupd's certificate)");
    }
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;
  ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(f.ca_name, f.ca_file));
  if (!f.cert_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem(f.cert_name, f.cert_file));
    ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPem(f.key_name, f.key_file));
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace bb
