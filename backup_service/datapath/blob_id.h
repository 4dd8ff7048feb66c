// BlobId: the 32-byte id of a blob in format v2 (README.md "Format v2"): SHA-256 of the blob's
// plaintext, or HMAC-SHA-256 keyed per container when the container is encrypted. Stored raw
// (32 bytes) in packs and indexes; shown as 64 lower-case hex characters in names and messages.
// Thread-safety: values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bb {

using BlobId = std::array<uint8_t, 32>;

// SHA-256 of `data` (OpenSSL EVP; SHA-NI where the CPU has it).
BlobId Sha256Id(std::string_view data);

// 64 lower-case hex characters.
std::string BlobIdHex(const BlobId& id);

// The id of 64 lower-case hex characters; nullopt for anything else.
std::optional<BlobId> ParseBlobIdHex(std::string_view hex);

// The id as a byte view (for hashing or writing it out).
inline std::string_view BlobIdBytes(const BlobId& id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}

}  // namespace bb
