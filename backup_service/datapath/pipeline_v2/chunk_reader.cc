// ChunkReader: aligned spans, hole skipping, zero detection.
#include "backup_service/datapath/pipeline_v2/chunk_reader.h"

#include <algorithm>
#include <cstring>

namespace bb::v2 {

int64_t ChunkCount(int64_t volume_size, int64_t chunk_size) {
  return (volume_size + chunk_size - 1) / chunk_size;
}

int64_t ChunkLength(int64_t volume_size, int64_t chunk_size, int64_t index) {
  return std::min(chunk_size, volume_size - index * chunk_size);
}

bool IsAllZero(std::string_view data) {
  if (data.empty()) return true;
  if (data[0] != 0) return false;
  return std::memcmp(data.data(), data.data() + 1, data.size() - 1) == 0;
}

std::string_view ChunkBatch::Chunk(int64_t chunk_size, size_t i) const {
  const int64_t begin = static_cast<int64_t>(i) * chunk_size;
  const int64_t len = std::min(chunk_size, length - begin);
  if (hole) return {};
  return {data.get() + begin, static_cast<size_t>(len)};
}

Result<std::unique_ptr<ChunkReader>> ChunkReader::Create(BlockDevice& device, int64_t chunk_size,
                                                         int64_t read_size,
                                                         int64_t chunks_per_segment) {
  if (chunk_size <= 0 || chunk_size % device.BlockSize() != 0) {
    return Status::InvalidArgument("chunk size " + std::to_string(chunk_size) +
                                   " is not a multiple of the block size of " + device.Describe());
  }
  if (read_size < chunk_size || read_size % chunk_size != 0 || chunks_per_segment <= 0) {
    return Status::InvalidArgument("read size " + std::to_string(read_size) +
                                   " is not a multiple of the chunk size");
  }
  if (device.Size() % device.BlockSize() != 0) {
    return Status::InvalidArgument(device.Describe() + ": size is not a multiple of its block");
  }
  return std::unique_ptr<ChunkReader>(
      new ChunkReader(device, chunk_size, read_size, chunks_per_segment));
}

Result<std::optional<ChunkBatch>> ChunkReader::Next() {
  const int64_t size = device_.Size();
  if (offset_ >= size) return std::optional<ChunkBatch>();
  ChunkBatch b;
  b.offset = offset_;
  b.first_index = offset_ / chunk_size_;
  // At a segment boundary, a whole-segment hole is skipped in one step.
  if (offset_ % segment_bytes_ == 0) {
    const int64_t seg_len = std::min(segment_bytes_, size - offset_);
    if (device_.KnownZero(offset_, seg_len)) {
      b.hole = true;
      b.length = seg_len;
      b.zero.assign(static_cast<size_t>(ChunkCount(seg_len, chunk_size_)), 1);
      offset_ += seg_len;
      return std::optional<ChunkBatch>(std::move(b));
    }
  }
  // Spans never cross a segment boundary, so the check above sees every boundary.
  const int64_t seg_end = (offset_ / segment_bytes_ + 1) * segment_bytes_;
  ASSIGN_OR_RETURN(ChunkBatch span,
                   ReadSpan(offset_, std::min({read_size_, size - offset_, seg_end - offset_})));
  offset_ += span.length;
  return std::optional<ChunkBatch>(std::move(span));
}

Result<ChunkBatch> ChunkReader::ReadSpan(int64_t offset, int64_t length) {
  const int64_t size = device_.Size();
  if (offset < 0 || offset % chunk_size_ != 0 || length <= 0 || length > read_size_ ||
      offset + length > size || (length % chunk_size_ != 0 && offset + length != size) ||
      offset / segment_bytes_ != (offset + length - 1) / segment_bytes_) {
    return Status::InvalidArgument("span " + std::to_string(offset) + "+" + std::to_string(length) +
                                   " is not a chunk-aligned read");
  }
  ChunkBatch b;
  b.offset = offset;
  b.first_index = offset / chunk_size_;
  b.length = length;
  b.zero.assign(static_cast<size_t>(ChunkCount(b.length, chunk_size_)), 0);
  if (device_.KnownZero(offset, b.length)) {
    b.hole = true;
    std::fill(b.zero.begin(), b.zero.end(), 1);
  } else {
    // Not value-initialised: the read overwrites every byte (no memset of each span).
    b.data = std::make_unique_for_overwrite<char[]>(static_cast<size_t>(b.length));
    RETURN_IF_ERROR(device_.ReadAt(offset, {b.data.get(), static_cast<size_t>(b.length)}));
    bytes_read_ += b.length;
    for (size_t i = 0; i < b.zero.size(); ++i) b.zero[i] = IsAllZero(b.Chunk(chunk_size_, i));
  }
  return b;
}

}  // namespace bb::v2
