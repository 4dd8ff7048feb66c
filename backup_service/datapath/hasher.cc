// SHA-256 via OpenSSL 3 EVP. The digest algorithm is fetched once (explicit fetch avoids a
// per-call provider lookup). Thread-safety: EVP_MD is immutable after fetch; contexts are per call.
#include "backup_service/datapath/hasher.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace bb {
namespace {

const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest only fails on allocation failure or a broken provider; both are fatal here.
  if (EVP_Digest(data.data(), data.size(), digest, &len, Sha256Md(), nullptr) != 1) std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(len * 2, '\0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace bb
