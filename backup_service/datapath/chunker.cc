// FixedSizeChunker implementation. Thread-safety: single-threaded use.
#include "backup_service/datapath/chunker.h"

#include <algorithm>

namespace bb {

std::optional<ChunkRange> FixedSizeChunker::Next() {
  if (next_offset_ >= size_) return std::nullopt;
  ChunkRange range{next_index_++, next_offset_, std::min(chunk_size_, size_ - next_offset_)};
  next_offset_ += range.length;
  return range;
}

}  // namespace bb
