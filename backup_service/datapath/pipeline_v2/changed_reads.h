// The reads of a changed-extent incremental (README.md "Changed-extent incrementals"): which
// spans of the volume the reader reads to get every changed chunk, and a read-ahead that asks the
// device for the next ones before the reader gets there.
//
// Why: the changed chunks of a typical incremental are scattered (1% of 4 KiB blocks rewritten
// touches ~8% of the 32 KiB chunks, a few hundred KiB apart), and the snapshot they are read from
// is a new file or device whose blocks are not in the page cache. One 32 KiB pread at a time from
// one reader thread waits for one device round trip per chunk. So:
//   - PlanChangedReads joins changed chunks that are close (a gap of at most `max_gap_chunks`
//     unchanged chunks is read rather than skipped: reading 32-64 KiB more costs less than another
//     request) into reads of at most `max_read_chunks`, never across a segment (the reader hands
//     on whole segments' worth of chunks in volume order);
//   - ReadAhead keeps up to `window_bytes` of the planned reads announced to the device
//     (BlockDevice::Prefetch: posix_fadvise WILLNEED for a file or block device node), so the
//     kernel has many reads in flight while the reader copies out the ones that have arrived.
// Thread-safety: plain values; one ReadAhead per reader thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "backup_service/datapath/pipeline_v2/parent_chunks.h"
#include "volume_drivers/connectors/block_device.h"

namespace bb::v2 {

struct ChangedReadOptions {
  int64_t chunks_per_segment = 1024;
  int64_t max_read_chunks = 32;  // 1 MiB of 32 KiB chunks
  int64_t max_gap_chunks = 2;    // unchanged chunks read to join two changed spans
};

// The reads covering every chunk of `changed` (sorted, merged chunk spans, as ChangedChunkSpans
// returns them) clamped to [0, chunk_count): sorted, disjoint, each within one segment and at
// most max_read_chunks long. A chunk of a read that is not in `changed` is a joined gap.
std::vector<ChunkSpan> PlanChangedReads(const std::vector<ChunkSpan>& changed, int64_t chunk_count,
                                        const ChangedReadOptions& options);

class ReadAhead {
 public:
  // `reads` on a grid of `chunk_size` over a device of `size` bytes; must outlive this.
  ReadAhead(BlockDevice& device, const std::vector<ChunkSpan>& reads, int64_t chunk_size,
            int64_t size, int64_t window_bytes)
      : device_(device),
        reads_(reads),
        chunk_size_(chunk_size),
        size_(size),
        window_bytes_(window_bytes) {}

  // The reader is about to read reads[i]: announce the reads after it until window_bytes are
  // announced and not yet read (at least reads[i] itself).
  void Before(size_t i);
  size_t announced() const { return next_; }  // reads announced so far

 private:
  int64_t Bytes(size_t i) const;

  BlockDevice& device_;
  const std::vector<ChunkSpan>& reads_;
  const int64_t chunk_size_;
  const int64_t size_;
  const int64_t window_bytes_;
  size_t next_ = 0;          // first read not announced
  int64_t ahead_bytes_ = 0;  // announced, from reads[i] on
  size_t consumed_ = 0;      // reads whose bytes left ahead_bytes_
};

}  // namespace bb::v2
