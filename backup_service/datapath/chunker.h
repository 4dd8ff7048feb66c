// Chunker: decides where chunk boundaries fall. FixedSizeChunker cuts [0, size) into chunk_size
// pieces (the last may be shorter). It is an interface so that content-defined chunking can
// replace it later; a CDC chunker would also look at the data, which the manifest already allows
// (chunks only have to tile the volume, lengths may vary up to chunk_size).
// Thread-safety: a Chunker is used by one thread (the reader).
#pragma once

#include <cstdint>
#include <optional>

namespace bb {

struct ChunkRange {
  int64_t index = 0;  // position in the volume's chunk sequence
  int64_t offset = 0;
  int64_t length = 0;
};

class Chunker {
 public:
  virtual ~Chunker() = default;
  // The next range, in volume order, or nullopt after the last.
  virtual std::optional<ChunkRange> Next() = 0;
};

class FixedSizeChunker : public Chunker {
 public:
  // chunk_size must be > 0 and size >= 0 (checked by the job before construction).
  FixedSizeChunker(int64_t size, int64_t chunk_size) : size_(size), chunk_size_(chunk_size) {}
  std::optional<ChunkRange> Next() override;

 private:
  const int64_t size_;
  const int64_t chunk_size_;
  int64_t next_offset_ = 0;
  int64_t next_index_ = 0;
};

}  // namespace bb
