// BlobCodec: the hasher, compressor and encryptor stages of the v2 backup pipeline, and their
// mirror on restore (README.md "Format v2", "Pack"):
//   id      = SHA-256(plain), or HMAC-SHA-256(K_id, plain) in an encrypted container;
//   payload = the job's codec (zstd at its level, lz4, or none), or raw when compression does
//             not pay (saves < 1/32); the blob header's compression byte says which;
//   stored  = payload, or nonce | AES-256-GCM(K_enc, payload) | tag with the 44-byte blob header
//             (type, compression, lengths, id) as additional authenticated data.
// Decode checks the blob header against the index entry, the GCM tag, the decompressed length
// and the id, in that order; every failure is DataLoss naming `what` (backup, pack and blob).
// Thread-safety: immutable after construction; Encode/Decode may run concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/datapath/compressor.h"
#include "backup_service/datapath/pack_format.h"

namespace bb::v2 {

struct EncodedBlob {
  BlobId id{};
  BlobType type = BlobType::kData;
  Compression compression = Compression::kNone;
  uint32_t plain_length = 0;
  std::string stored;  // what follows the blob header in the pack
};

class BlobCodec {
 public:
  // `compression` is what Encode uses (zstd level 0 and none store raw); `keys` present for an
  // encrypted container. Decode reads every codec whatever `compression` says.
  BlobCodec(CompressionSetting compression, std::optional<ContainerKeys> keys)
      : compression_(compression), keys_(keys) {}
  // For readers (restore, verify, the collector): Encode stores raw.
  explicit BlobCodec(std::optional<ContainerKeys> keys)
      : BlobCodec(CompressionSetting{Compression::kNone, 0}, std::move(keys)) {}

  bool encrypted() const { return keys_.has_value(); }
  const std::optional<ContainerKeys>& keys() const { return keys_; }

  // Hasher stage.
  BlobId IdOf(std::string_view plain) const;
  // Compressor + encryptor stages.
  Result<EncodedBlob> Encode(const BlobId& id, BlobType type, std::string_view plain) const;
  // The verified plaintext of one blob: `blob` is its 44-byte header followed by the stored
  // bytes, as read from the pack at entry.offset.
  Result<std::string> Decode(std::string_view blob, const PackEntry& entry,
                             const std::string& what) const;

  // Sealing of whole metadata objects (index, manifest) in an encrypted container; identity
  // otherwise. `aad` binds the object to its role (and name, where known before writing).
  Result<std::string> SealObject(std::string_view plain, std::string_view aad) const;
  Result<std::string> OpenObject(std::string_view stored, std::string_view aad,
                                 const std::string& what) const;

 private:
  const CompressionSetting compression_;
  const std::optional<ContainerKeys> keys_;
};

// The 44-byte blob header of pack_format.h for an entry (also the AAD of its sealed payload).
std::string BlobHeaderBytes(BlobType type, Compression compression, uint32_t stored_length,
                            uint32_t plain_length, const BlobId& id);

}  // namespace bb::v2
