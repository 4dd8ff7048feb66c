// SegmentAssembler: out-of-order chunk refs in, complete segments out.
#include "backup_service/datapath/pipeline_v2/segment_assembler.h"

#include <algorithm>

namespace bb::v2 {

bool CompleteSegment::all_zero() const {
  return std::all_of(chunks.begin(), chunks.end(), [](const ChunkRef& r) { return r.zero; });
}

SegmentAssembler::SegmentAssembler(int64_t chunk_count, uint32_t chunks_per_segment)
    : chunk_count_(chunk_count),
      per_segment_(chunks_per_segment),
      segment_count_((chunk_count + chunks_per_segment - 1) / chunks_per_segment),
      done_(static_cast<size_t>(segment_count_)) {}

Result<std::optional<CompleteSegment>> SegmentAssembler::Add(int64_t chunk_index,
                                                             const ChunkRef& ref) {
  if (chunk_index < 0 || chunk_index >= chunk_count_) {
    return Status::InvalidArgument("chunk " + std::to_string(chunk_index) + " out of range");
  }
  const int64_t seg = chunk_index / per_segment_;
  const uint32_t in_seg =
      static_cast<uint32_t>(std::min<int64_t>(per_segment_, chunk_count_ - seg * per_segment_));
  const size_t pos = static_cast<size_t>(chunk_index % per_segment_);
  std::lock_guard lock(mu_);
  auto [it, inserted] = open_.try_emplace(seg);
  Open& o = it->second;
  if (inserted) {
    o.chunks.resize(in_seg);
    o.filled.assign(in_seg, 0);
    peak_open_ = std::max(peak_open_, open_.size());
  }
  if (o.filled[pos]) {
    return Status::InvalidArgument("chunk " + std::to_string(chunk_index) + " given twice");
  }
  o.filled[pos] = 1;
  o.chunks[pos] = ref;
  if (++o.count < in_seg) return std::optional<CompleteSegment>();
  CompleteSegment out{seg, std::move(o.chunks)};
  open_.erase(it);
  return std::optional<CompleteSegment>(std::move(out));
}

void SegmentAssembler::SetSegment(int64_t segment_index, const ManifestSegment& s) {
  std::lock_guard lock(mu_);
  done_[static_cast<size_t>(segment_index)] = s;
}

Result<std::vector<ManifestSegment>> SegmentAssembler::ManifestSegments() const {
  std::lock_guard lock(mu_);
  std::vector<ManifestSegment> out;
  for (size_t i = 0; i < done_.size(); ++i) {
    if (!done_[i]) {
      return Status::FailedPrecondition("segment " + std::to_string(i) + " was never completed");
    }
    const ManifestSegment& s = *done_[i];
    if (s.zero && !out.empty() && out.back().zero) {
      out.back().zero_count += 1;
    } else if (s.zero) {
      out.push_back(ManifestSegment{true, 1, {}});
    } else {
      out.push_back(s);
    }
  }
  return out;
}

size_t SegmentAssembler::peak_open_segments() const {
  std::lock_guard lock(mu_);
  return peak_open_;
}

}  // namespace bb::v2
