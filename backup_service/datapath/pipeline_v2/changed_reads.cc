// PlanChangedReads and ReadAhead (see the header for why).
#include "backup_service/datapath/pipeline_v2/changed_reads.h"

#include <algorithm>

namespace bb::v2 {

std::vector<ChunkSpan> PlanChangedReads(const std::vector<ChunkSpan>& changed, int64_t chunk_count,
                                        const ChangedReadOptions& options) {
  const int64_t per_segment = std::max<int64_t>(1, options.chunks_per_segment);
  const int64_t max_read = std::max<int64_t>(1, options.max_read_chunks);
  const int64_t max_gap = std::max<int64_t>(0, options.max_gap_chunks);
  std::vector<ChunkSpan> reads;
  for (const ChunkSpan& span : changed) {
    int64_t first = std::max<int64_t>(0, span.first);
    const int64_t end = std::min(chunk_count, span.end);
    while (first < end) {
      const int64_t segment_end = (first / per_segment + 1) * per_segment;
      if (!reads.empty()) {
        // Join the previous read across a small gap when it has room for at least this chunk.
        ChunkSpan& last = reads.back();
        const bool same_segment = last.first / per_segment == first / per_segment;
        if (same_segment && first - last.end <= max_gap && last.first + max_read > first) {
          last.end = std::min({end, segment_end, last.first + max_read});
          first = last.end;
          continue;
        }
      }
      const int64_t read_end = std::min({end, segment_end, first + max_read});
      reads.push_back({first, read_end});
      first = read_end;
    }
  }
  return reads;
}

int64_t ReadAhead::Bytes(size_t i) const {
  const ChunkSpan& r = reads_[i];
  return std::min(r.end * chunk_size_, size_) - r.first * chunk_size_;
}

void ReadAhead::Before(size_t i) {
  // Reads before i were read: their bytes are no longer ahead of the reader.
  for (; consumed_ < i && consumed_ < reads_.size(); ++consumed_) {
    if (consumed_ < next_) ahead_bytes_ -= Bytes(consumed_);
  }
  next_ = std::max(next_, i);
  while (next_ < reads_.size() && (next_ == i || ahead_bytes_ < window_bytes_)) {
    device_.Prefetch(reads_[next_].first * chunk_size_, Bytes(next_));
    ahead_bytes_ += Bytes(next_);
    ++next_;
  }
}

}  // namespace bb::v2
