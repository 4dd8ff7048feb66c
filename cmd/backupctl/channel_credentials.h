// How backupctl reaches backupd: plaintext, or TLS with the CA to trust (and, for mutual TLS,
// this client's certificate and key), from the --tls-* options or their environment variables
// (BACKUPCTL_TLS_CA_FILE, BACKUPCTL_TLS_CERT_FILE, BACKUPCTL_TLS_KEY_FILE); and the API token
// sent with every call (--token or BB_TOKEN). The token travels as call metadata rather than
// grpc::CallCredentials, because gRPC drops call credentials on a plaintext channel and the
// default daemon listens in plaintext on loopback.
// Thread-safety: single-threaded (one command per process).
#pragma once

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "backup_service/common/result.h"
#include "cmd/backupctl/cli_args.h"

namespace bb::cli {

// InvalidArgument naming the option when a file is unreadable, or a certificate is given
// without its key (or the reverse), or a client certificate without --tls-ca-file.
Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(const CliArgs& args);

// --token, else $BB_TOKEN, else "".
std::string ApiTokenFor(const CliArgs& args);

}  // namespace bb::cli
