// gRPC client channel credentials from PEM files: plaintext without a CA; TLS trusting the CA;
// mutual TLS when a client certificate and key are given too. Shared by backupctl (--tls-*
// options) and role api's calls to the daemons behind it (backend_tls_* config keys), so both
// check the same things and name the setting at fault in the same way.
// Thread-safety: pure functions.
#pragma once

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "backup_service/common/result.h"
#include "rpc/client_tls_files.h"

namespace bb {

// InvalidArgument naming the setting when a file is unreadable, a certificate is given without
// its key (or the reverse), or a client certificate without a CA.
Result<std::shared_ptr<grpc::ChannelCredentials>> ClientChannelCredentials(
    const ClientTlsFiles& files);

}  // namespace bb
