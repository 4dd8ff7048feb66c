// Compressor: zstd for chunk payloads. Compress keeps the data raw when the level is 0 or when
// zstd does not make it smaller (already-compressed or random data), so a stored chunk is never
// bigger than its plaintext plus the codec header.
// Thread-safety: functions are safe to call concurrently (zstd contexts are per thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"

namespace bb {

// On-store compression byte (chunk_codec); values are part of the format.
enum class Compression : uint8_t { kNone = 0, kZstd = 1 };

struct CompressedData {
  Compression method = Compression::kNone;
  std::string data;
};

// Valid levels: 0 (raw) .. ZSTD_maxCLevel(); negative (fast) levels are rejected to keep the
// knob simple.
Status ValidateCompressionLevel(int level);
Result<CompressedData> Compress(std::string_view plain, int level);
// Decompresses to exactly `expected_size` bytes; anything else is DataLoss.
Result<std::string> Decompress(Compression method, std::string_view payload, size_t expected_size);

}  // namespace bb
