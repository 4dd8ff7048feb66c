// BlobCipher: the cryptography of encrypted v2 containers (README.md "Format v2", "Encryption and
// keys"): keys derived from the container key, keyed chunk ids, AES-256-GCM sealing of blob
// payloads (and of trailers, indexes and manifests), and wrapping of the container key by the
// master key. OpenSSL EVP (AES-NI, SHA-NI where the CPU has them).
// Not wired into the jobs yet.
// Thread-safety: ContainerKeys is an immutable value; all functions may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_id.h"

namespace bb {

using Key256 = std::array<uint8_t, 32>;

inline constexpr size_t kGcmNonceSize = 12;
inline constexpr size_t kGcmTagSize = 16;
// Bytes a sealed payload adds: nonce in front, tag behind.
inline constexpr size_t kSealOverhead = kGcmNonceSize + kGcmTagSize;

// The two keys of one container generation, derived with HKDF-SHA-256 from the container key so
// that chunk ids and ciphertexts never share a key.
struct ContainerKeys {
  Key256 id_key{};   // HMAC-SHA-256 chunk ids
  Key256 enc_key{};  // AES-256-GCM
};

ContainerKeys DeriveContainerKeys(const Key256& container_key);

// HMAC-SHA-256(id_key, plain): the id of a chunk in an encrypted container.
BlobId KeyedBlobId(const ContainerKeys& keys, std::string_view plain);

// 32 bytes from the OS's CSPRNG (OpenSSL RAND_bytes). Internal on RNG failure.
Result<Key256> RandomKey();

// nonce (12 random bytes) | AES-256-GCM ciphertext of `plain` | tag (16 bytes). `aad` is
// authenticated, not stored: the caller passes the same bytes (the blob header) to Open.
Result<std::string> Seal(const Key256& key, std::string_view plain, std::string_view aad);

// The plaintext of a Seal output. DataLoss naming `what` (e.g. "pack P: blob B") when the input
// is too short or the tag does not verify: wrong key, other aad, or damaged bytes; nothing of an
// unverified plaintext is returned.
Result<std::string> Open(const Key256& key, std::string_view sealed, std::string_view aad,
                         const std::string& what);

// The container key of `generation` sealed by the master key; the generation is authenticated,
// so a wrapped key cannot be presented as another generation's.
Result<std::string> WrapContainerKey(const Key256& master, const Key256& container_key,
                                     uint32_t generation);

// The container key back. FailedPrecondition (not DataLoss: the store is fine, the key file is
// not the one that wrapped it) when the tag does not verify, so a job with a wrong master key is
// refused before it reads or writes any data.
Result<Key256> UnwrapContainerKey(const Key256& master, std::string_view wrapped,
                                  uint32_t generation, const std::string& container);

// First 8 bytes of SHA-256 of the master key, hex: names a master key in keys/*.key and errors
// without revealing it.
std::string MasterKeyId(const Key256& master);

}  // namespace bb
