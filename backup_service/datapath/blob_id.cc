// BlobId helpers. Thread-safety: pure functions.
#include "backup_service/datapath/blob_id.h"

#include <openssl/evp.h>

#include "backup_service/datapath/hasher.h"

namespace bb {

BlobId Sha256Id(std::string_view data) {
  BlobId id{};
  unsigned int len = 0;
  // EVP_Digest fails only on allocation failure or a bad algorithm; neither can be recovered
  // from here, and a zero id would never match any stored content, so the caller's checks fail.
  EVP_Digest(data.data(), data.size(), id.data(), &len, EVP_sha256(), nullptr);
  return id;
}

std::string BlobIdHex(const BlobId& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t i = 0; i < id.size(); ++i) {
    out[2 * i] = kHex[id[i] >> 4];
    out[2 * i + 1] = kHex[id[i] & 0xf];
  }
  return out;
}

std::optional<BlobId> ParseBlobIdHex(std::string_view hex) {
  if (!IsSha256Hex(hex)) return std::nullopt;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  BlobId id{};
  for (size_t i = 0; i < id.size(); ++i) {
    id[i] = static_cast<uint8_t>((nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]));
  }
  return id;
}

}  // namespace bb
