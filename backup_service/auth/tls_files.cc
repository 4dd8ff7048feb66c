// TlsFiles: PEM parsing and the key/certificate match with libcrypto.
#include "backup_service/auth/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace bb {
namespace {

Result<std::string> ReadWholeFile(const std::string& key, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(key + ": cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<BIO, decltype(&BIO_free)> MemoryBio(const std::string& text) {
  return {BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free};
}

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// The first certificate in `pem`, or null.
X509Ptr FirstCertificate(const std::string& pem) {
  auto bio = MemoryBio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free);
  ERR_clear_error();  // a failed parse leaves errors on this thread's queue
  return cert;
}

}  // namespace

Result<TlsPem> LoadTlsFiles(const std::string& what, const std::string& cert_file,
                            const std::string& key_file, const std::string& client_ca_file) {
  std::string cert_key = what + "_cert_file";
  std::string key_key = what + "_key_file";
  std::string ca_key = what + "_client_ca_file";
  TlsPem pem;
  ASSIGN_OR_RETURN(pem.cert_chain, ReadWholeFile(cert_key, cert_file));
  ASSIGN_OR_RETURN(pem.private_key, ReadWholeFile(key_key, key_file));
  X509Ptr cert = FirstCertificate(pem.cert_chain);
  if (!cert) {
    return Status::InvalidArgument(cert_key + ": " + cert_file + " holds no PEM certificate");
  }
  auto key_bio = MemoryBio(pem.private_key);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr,
      &EVP_PKEY_free);
  ERR_clear_error();
  if (!key) {
    return Status::InvalidArgument(key_key + ": " + key_file +
                                   " holds no PEM private key (or it is encrypted)");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument(key_key + ": the key in " + key_file +
                                   " does not belong to the certificate in " + cert_file);
  }
  if (!client_ca_file.empty()) {
    ASSIGN_OR_RETURN(pem.client_ca, ReadWholeFile(ca_key, client_ca_file));
    if (!FirstCertificate(pem.client_ca)) {
      return Status::InvalidArgument(ca_key + ": " + client_ca_file + " holds no PEM certificate");
    }
  }
  return pem;
}

}  // namespace bb
