// The PEM files of a gRPC client (rpc/client_credentials.h turns them into credentials). A
// header of its own, free of gRPC types, for the daemon's wiring (cmd/backupd).
#pragma once

#include <string>

namespace bb {

struct ClientTlsFiles {
  std::string ca_file;    // empty: plaintext
  std::string cert_file;  // with key_file: this client's certificate (mutual TLS)
  std::string key_file;
  // How errors name the three settings ("--tls-ca-file", "backend_tls_ca_file", ...).
  std::string ca_name = "ca file";
  std::string cert_name = "certificate file";
  std::string key_name = "key file";
};

}  // namespace bb
