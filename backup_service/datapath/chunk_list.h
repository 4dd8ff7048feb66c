// ChunkList: the plaintext of a chunk-list blob (blob type 2) in format v2 (README.md "Format
// v2", "Manifest v2"): the chunks of one segment of a volume, 1 to 1,024 consecutive chunks, each
// either all-zero (no blob) or a data blob id. Run-length coded:
//
//   "BBL1" | chunk count u16 | run count u16 | runs: kind u8 (0 zero, 1 data) | length u16 |
//   (data runs) length x id 32 B
//
// Its integrity comes from being a blob (its id is the SHA-256/HMAC of these bytes, checked when
// it is read from a pack); decoding checks the structure so that a wrong id or a bug never turns
// into a wrong restore. Stored like data, so an unchanged segment is stored once.
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_id.h"

namespace bb {

inline constexpr uint32_t kChunksPerList = 1024;

struct ChunkRef {
  bool zero = false;  // all-zero chunk: no blob, `id` unused (all zero bytes)
  BlobId id{};

  bool operator==(const ChunkRef&) const = default;
};

// InvalidArgument for 0 or more than kChunksPerList chunks.
Result<std::string> EncodeChunkList(const std::vector<ChunkRef>& chunks);

// DataLoss naming `what` (e.g. "backup B: chunk list L") when the bytes do not parse exactly:
// bad magic, counts that disagree, runs of length 0, adjacent runs of the same kind (a canonical
// encoding has none), trailing bytes.
Result<std::vector<ChunkRef>> DecodeChunkList(std::string_view plain, const std::string& what);

}  // namespace bb
