// ParentChunks: what a changed-extent incremental copies from its parent instead of reading the
// volume (README.md "Changed-extent incrementals"). The parent's manifest gives one entry per
// segment (a zero segment or a chunk-list id); a segment with no changed chunk is copied as that
// entry (its chunk list is not even read), and for a segment with some changed chunks Refs()
// reads and verifies the parent's chunk list, whose unchanged entries are copied by offset. Both
// backups use the same fixed 32 KiB grid, so chunk i of the parent is chunk i of the new backup.
// Thread-safety: Load once; then Segment and Refs may be called from one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/chunk_list.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"
#include "backup_service/object_stores/object_store.h"
#include "volume_drivers/volume_driver.h"

namespace bb::v2 {

// [first, end) chunk indices of a fixed grid.
struct ChunkSpan {
  int64_t first = 0;
  int64_t end = 0;
};

// The chunks of a `chunk_size` grid over [0, size) that hold a byte of `changed` (sorted,
// merged spans).
std::vector<ChunkSpan> ChangedChunkSpans(const std::vector<ByteRange>& changed, int64_t chunk_size,
                                         int64_t size);

class ParentChunks {
 public:
  // Reads the parent's manifest (`parent_id`, in the same container, opened with `c`'s keys) and
  // notes where the chunk lists of the segments that `changed` touches are (from `index`).
  // FailedPrecondition when the parent does not describe a volume of `size` bytes on a
  // `chunk_size` grid (the caller then reads everything); the parent's manifest's own errors
  // (NotFound, DataLoss) as they are.
  static Result<ParentChunks> Load(ObjectStore& store, const std::string& container,
                                   const V2Container& c, const ContainerIndex& index,
                                   const std::string& parent_id, int64_t size, int64_t chunk_size,
                                   const std::vector<ChunkSpan>& changed);

  int64_t segment_count() const { return static_cast<int64_t>(segments_.size()); }
  // The parent's manifest entry for segment `i` (zero segments with a count of 1).
  const ManifestSegment& Segment(int64_t i) const { return segments_[static_cast<size_t>(i)]; }
  // The parent's chunk refs of segment `i` (which Load was told is changed): all zero for a zero
  // segment, else its chunk list read from its pack and verified. DataLoss naming the parent
  // and the list when it is damaged or of the wrong length.
  Result<std::vector<ChunkRef>> Refs(int64_t i, uint32_t chunks_in_segment) const;
  int64_t lists_read() const { return lists_read_; }

 private:
  ParentChunks(ObjectStore& store, std::string container, const V2Container& c)
      : store_(&store), container_(std::move(container)), codec_(c.keys) {}

  ObjectStore* store_;
  std::string container_;
  BlobCodec codec_;
  std::string parent_id_;
  std::vector<ManifestSegment> segments_;
  std::unordered_map<BlobId, BlobLocation, BlobIdHash> lists_;  // of changed segments
  mutable int64_t lists_read_ = 0;
};

}  // namespace bb::v2
