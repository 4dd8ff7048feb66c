// Pack object format, version 1 (container format v2; README.md "Format v2", section "Pack").
// A pack holds many blobs (compressed chunk payloads, chunk lists) so that a container has few
// objects however small its chunks are:
//
//   header  16 B   "BBPK" | version u8 = 1 | flags u8 (bit 0: encrypted) | reserved u16 = 0 |
//                  key generation u32 (0 when not encrypted) | reserved u32 = 0
//   blob    44 B + S, repeated:
//                  type u8 | compression u8 | reserved u16 = 0 | stored length S u32 |
//                  plain length u32 | id 32 B | S bytes of stored payload
//   trailer N x 48 B, one entry per blob in pack order:
//                  id 32 B | type u8 | compression u8 | reserved u16 = 0 | offset u32 (of the
//                  blob's header) | stored length u32 | plain length u32
//   footer  48 B   SHA-256 of (header + trailer entries) 32 B | entry count N u32 |
//                  reserved u32 = 0 | reserved u32 = 0 | "BBPT"
//
// All integers little-endian. The trailer lets a reader find every blob from the last bytes
// alone (one ranged read); the per-blob headers let a damaged trailer be rebuilt by a scan.
// Thread-safety: constants, a value type and pure helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "backup_service/datapath/blob_id.h"
#include "backup_service/datapath/compressor.h"

namespace bb {

inline constexpr char kPackMagic[4] = {'B', 'B', 'P', 'K'};
inline constexpr char kPackFooterMagic[4] = {'B', 'B', 'P', 'T'};
inline constexpr uint8_t kPackVersion = 1;
inline constexpr size_t kPackHeaderSize = 16;
inline constexpr size_t kBlobHeaderSize = 44;
inline constexpr size_t kPackEntrySize = 48;
inline constexpr size_t kPackFooterSize = 48;
// Offsets and lengths are u32: a pack (target 32 MiB) never comes near 4 GiB; a blob's plaintext
// is one chunk or one chunk list, at most 16 MiB.
inline constexpr uint32_t kMaxBlobPlainLength = 16u << 20;
inline constexpr uint64_t kMaxPackSize = uint64_t{1} << 31;

// On-store blob type byte; values are part of the format.
enum class BlobType : uint8_t { kData = 1, kChunkList = 2 };

// One blob as the trailer (and a container index) describes it.
struct PackEntry {
  BlobId id{};
  BlobType type = BlobType::kData;
  Compression compression = Compression::kNone;
  uint32_t offset = 0;         // of the blob header within the pack
  uint32_t stored_length = 0;  // payload bytes after the 44-byte blob header
  uint32_t plain_length = 0;   // after decompression (and decryption)

  bool operator==(const PackEntry&) const = default;
};

// Little-endian field access for the pack, index and manifest v2 codecs.
inline void PutU32Le(uint32_t v, char* out) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline uint32_t GetU32Le(const char* in) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}
inline void PutU16Le(uint16_t v, char* out) {
  out[0] = static_cast<char>(v & 0xff);
  out[1] = static_cast<char>(v >> 8);
}
inline uint16_t GetU16Le(const char* in) {
  return static_cast<uint16_t>(static_cast<unsigned char>(in[0]) |
                               (static_cast<unsigned char>(in[1]) << 8));
}

// "packs/<h[0:2]>/<h>" for the hex h of a pack's hash (SHA-256 of the pack object's bytes).
std::string PackObjectNameOf(const BlobId& pack_hash);

// The 48-byte entry layout shared by pack trailers and index objects:
//   id 32 B | type u8 | compression u8 | reserved u16 = 0 | offset u32 | stored u32 | plain u32
void EncodePackEntry(const PackEntry& e, char* out);
// False (out unspecified) for an unknown type or compression or non-zero reserved bytes; the
// caller turns that into DataLoss naming its object.
bool DecodePackEntry(const char* in, PackEntry* out);
// Why DecodePackEntry refused an entry (or a blob header's type, compression and reserved
// fields): "unknown blob type N", "unknown compression id N (this build reads ...)", ...
std::string PackEntryFault(uint8_t type, uint8_t compression, uint16_t reserved);
std::string PackEntryFault(const char* entry);

}  // namespace bb
