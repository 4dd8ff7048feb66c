// SegmentAssembler: collects the chunk refs that the hashing workers finish out of order and
// hands over each segment (kChunksPerList chunks, README.md "Manifest v2") as soon as its last
// chunk is in, so that only the few segments the queues span are open at a time: memory does not
// grow with the volume. Also keeps the manifest's per-segment result (zero or chunk-list id).
// Thread-safety: Add and SetSegment may be called from any number of threads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/chunk_list.h"
#include "backup_service/datapath/manifest_v2.h"

namespace bb::v2 {

struct CompleteSegment {
  int64_t index = 0;
  std::vector<ChunkRef> chunks;
  bool all_zero() const;
};

class SegmentAssembler {
 public:
  SegmentAssembler(int64_t chunk_count, uint32_t chunks_per_segment);

  // Records chunk `chunk_index`; returns its segment when this was the segment's last chunk.
  // InvalidArgument for an index out of range or given twice.
  Result<std::optional<CompleteSegment>> Add(int64_t chunk_index, const ChunkRef& ref);

  // The segment's entry in the manifest (a zero segment, or its chunk list's id).
  void SetSegment(int64_t segment_index, const ManifestSegment& s);

  // The manifest's segments, zero segments merged into runs. FailedPrecondition when a segment
  // is missing (a bug or an unfinished job).
  Result<std::vector<ManifestSegment>> ManifestSegments() const;

  int64_t segment_count() const { return segment_count_; }
  // Most segments open at once so far (the memory bound the tests assert).
  size_t peak_open_segments() const;

 private:
  struct Open {
    std::vector<ChunkRef> chunks;
    std::vector<uint8_t> filled;
    uint32_t count = 0;
  };
  const int64_t chunk_count_;
  const uint32_t per_segment_;
  const int64_t segment_count_;
  mutable std::mutex mu_;
  std::map<int64_t, Open> open_;
  size_t peak_open_ = 0;
  std::vector<std::optional<ManifestSegment>> done_;
};

}  // namespace bb::v2
