// ChunkCodec: the on-store chunk object format, version 1 (see README.md):
//   "BBC1" | compression u8 | 3 reserved zero bytes | uncompressed length u64 LE | payload
// Decode validates every header field against what the manifest expects and verifies SHA-256 of
// the plaintext against the chunk id; any mismatch is DataLoss (the stored bytes are not what
// the backup wrote).
// Thread-safety: pure functions, safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"
#include "backup_service/datapath/compressor.h"

namespace bb {

inline constexpr size_t kChunkHeaderSize = 16;
// Refuse absurd lengths from a corrupt header before allocating.
inline constexpr int64_t kMaxChunkSize = int64_t{1} << 30;

// Compresses `plain` at `level` (raw if that does not help) and frames it.
Result<std::string> EncodeChunk(std::string_view plain, int level);

// Builds the object bytes from an already-compressed payload.
std::string FrameChunk(Compression method, uint64_t plain_length, std::string_view payload);

// Decodes an object, checking it holds exactly `expected_length` bytes whose SHA-256 is
// `expected_sha256_hex`.
Result<std::string> DecodeChunk(std::string_view object, std::string_view expected_sha256_hex,
                                int64_t expected_length);

}  // namespace bb
