// ChunkReader: the reader and chunker stages of the v2 backup pipeline (README.md "Format v2").
// It reads a BlockDevice in large aligned spans (default 1 MiB), cuts each span into the fixed,
// aligned 32 KiB chunks of the design, and marks all-zero chunks. Ranges the device reports as
// known zero (holes of a sparse file, via SEEK_DATA) are skipped without reading: a whole
// segment (1,024 chunks) at a time when it is a hole, so a 100 GiB sparse volume costs a few
// thousand lseeks, not 100 GiB of reads.
// Thread-safety: one ChunkReader per job, used by one thread (the reader thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"
#include "volume_drivers/connectors/block_device.h"

namespace bb::v2 {

inline constexpr int64_t kDefaultChunkSize = 32 << 10;
inline constexpr int64_t kDefaultReadSize = 1 << 20;

// Chunker: the fixed grid. Chunk i covers [i * chunk, min((i + 1) * chunk, size)).
int64_t ChunkCount(int64_t volume_size, int64_t chunk_size);
int64_t ChunkLength(int64_t volume_size, int64_t chunk_size, int64_t index);

// True when every byte is zero: one byte test, then memcmp of the buffer against itself shifted
// by one (memcmp runs at memory speed; no per-byte loop).
bool IsAllZero(std::string_view data);

// Consecutive chunks of one read. `data` holds them back to back (empty for a hole);
// `zero[i]` says chunk first_index + i is all zero (then its bytes need not be looked at).
struct ChunkBatch {
  int64_t first_index = 0;
  int64_t offset = 0;  // = first_index * chunk_size
  int64_t length = 0;  // bytes of volume covered
  bool hole = false;   // known zero without reading: data is empty, every zero[i] is true
  std::unique_ptr<char[]> data;
  std::vector<uint8_t> zero;
  // Empty, or one flag per chunk: `skip[i]` says chunk first_index + i was read only because it
  // lies between two changed chunks of a changed-extent incremental's read (PlanChangedReads);
  // it is the parent's, already accounted for, and the workers pass it by.
  std::vector<uint8_t> skip;

  size_t chunk_count() const { return zero.size(); }
  // Bytes held in memory (what the bounded queues account for).
  int64_t memory_bytes() const { return hole ? 0 : length; }
  std::string_view Chunk(int64_t chunk_size, size_t i) const;
};

class ChunkReader {
 public:
  // chunk_size must be a multiple of the device's block size, read_size a multiple of
  // chunk_size; InvalidArgument otherwise (from Create).
  static Result<std::unique_ptr<ChunkReader>> Create(BlockDevice& device, int64_t chunk_size,
                                                     int64_t read_size, int64_t chunks_per_segment);

  // The next batch in volume order, nullopt at the end. A read error is returned as is (the
  // device's Status names it).
  Result<std::optional<ChunkBatch>> Next();
  // The batch of [offset, offset + length), chunk-aligned (length a multiple of the chunk size
  // or reaching the end), at most the read size and within one segment: what a changed-extent
  // incremental reads instead of calling Next. Known-zero spans are not read.
  Result<ChunkBatch> ReadSpan(int64_t offset, int64_t length);

  int64_t bytes_read() const { return bytes_read_; }  // bytes actually read (holes excluded)

 private:
  ChunkReader(BlockDevice& device, int64_t chunk_size, int64_t read_size, int64_t per_segment)
      : device_(device),
        chunk_size_(chunk_size),
        read_size_(read_size),
        segment_bytes_(chunk_size * per_segment) {}

  BlockDevice& device_;
  const int64_t chunk_size_;
  const int64_t read_size_;
  const int64_t segment_bytes_;
  int64_t offset_ = 0;
  int64_t bytes_read_ = 0;
};

}  // namespace bb::v2
