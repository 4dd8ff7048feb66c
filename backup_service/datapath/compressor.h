// Compressor: the codecs of chunk payloads (zstd, lz4, none). Compress keeps the data raw when
// the codec does not make it smaller (already-compressed or random data), or when the setting
// says none (zstd level 0 is none too), so a stored chunk is never bigger than its plaintext
// plus the codec header. Which codec a payload used is recorded next to it (chunk_codec's or the
// pack blob header's compression byte), so a reader handles any mix of codecs.
// Thread-safety: functions are safe to call concurrently (codec contexts are per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"

namespace bb {

// On-store compression byte (chunk_codec, pack blob headers and entries); values are part of
// the format. v1 chunk objects use 0 and 1 only; v2 packs all three.
enum class Compression : uint8_t { kNone = 0, kZstd = 1, kLz4 = 2 };

// True for a compression byte this build can decode.
bool IsKnownCompression(uint8_t id);
// "none", "zstd", "lz4": the names of the configuration and the v2 manifest header.
std::string CompressionName(Compression c);
std::optional<Compression> CompressionFromName(std::string_view name);

// What a job compresses with: the codec, and for zstd its level (0 = none). lz4 runs at its
// default acceleration and has no level; none ignores it.
struct CompressionSetting {
  Compression codec = Compression::kZstd;
  int level = 1;

  // The codec that a chunk gets when it pays: none when codec is none or zstd level 0.
  Compression Effective() const {
    return codec == Compression::kZstd && level == 0 ? Compression::kNone : codec;
  }
};

struct CompressedData {
  Compression method = Compression::kNone;
  std::string data;
};

// Valid zstd levels: 0 (raw) .. ZSTD_maxCLevel(); negative (fast) levels are rejected to keep
// the knob simple.
Status ValidateCompressionLevel(int level);
Status ValidateCompressionSetting(const CompressionSetting& s);
// zstd at `level` (format v1's compressor).
Result<CompressedData> Compress(std::string_view plain, int level);
Result<CompressedData> Compress(std::string_view plain, const CompressionSetting& s);
// Decompresses to exactly `expected_size` bytes; anything else, or a compression byte this build
// does not know, is DataLoss.
Result<std::string> Decompress(Compression method, std::string_view payload, size_t expected_size);

}  // namespace bb
