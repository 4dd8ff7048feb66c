// TlsFiles: a TLS server's (or client's) PEM files, read and checked once at startup, so that a
// wrong path or a key that does not belong to the certificate stops backupd with a message that
// names the file, instead of every handshake failing later without one. Used by the REST API
// (cpp-httplib's SSLServer reads the files itself: it gets the checked paths) and by gRPC
// (grpc::SslServerCredentials takes the PEM text).
// Thread-safety: pure functions; TlsPem is a value.
#pragma once

#include <string>

#include "backup_service/common/result.h"

namespace bb {

struct TlsPem {
  std::string cert_chain;  // the certificate, then any intermediates
  std::string private_key;
  std::string client_ca;  // empty: client certificates are not asked for
};

// Reads `cert_file` and `key_file` (and `client_ca_file` when not empty). InvalidArgument naming
// the config key and file when a file is unreadable, holds no PEM certificate/key, or the key is
// not the certificate's. `what` prefixes the keys in messages ("api_tls" -> "api_tls_key_file").
Result<TlsPem> LoadTlsFiles(const std::string& what, const std::string& cert_file,
                            const std::string& key_file, const std::string& client_ca_file = "");

}  // namespace bb
