// RunV2Backup: the format v2 backup pipeline (README.md "Format v2"; style.md section 7), not yet
// wired into backupd. Stages, each in its own file, joined by bounded queues:
//
//   reader thread     ChunkReader: 1 MiB aligned reads from the BlockDevice, holes skipped,
//                     32 KiB chunks, zero chunks marked          -> batch queue (read_queue)
//                     (a changed-extent incremental reads only the changed chunks, joined into
//                     reads of up to 1 MiB and announced to the device ahead: changed_reads.h)
//   `workers` threads BlobCodec: id (SHA-256/HMAC), dedup against the container index (less
//                     the packs a collector condemned: gc/*.condemned) and this job, zstd,
//                     AES-256-GCM; SegmentAssembler: chunk lists per 1,024 chunks
//                                                                -> blob queue (blob_queue)
//   packer thread     PackUploader: 32 MiB packs, `max_puts` concurrent Puts
//
// Commit order (README "Commit order", kept for v2): config and key -> every pack durable ->
// the backup's index object -> the manifest. A job that fails or is cancelled writes no
// manifest; packs it wrote are unreferenced until the collector removes them.
// First error wins: it closes the queues, every stage stops, the job returns it.
// Memory: bounded by the queue capacities, not by the volume size (see V2BackupStats).
// Thread-safety: one call per job; the spec's store and device must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/datapath/compressor.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pipeline_v2/pipeline_common.h"
#include "backup_service/datapath/progress.h"
#include "backup_service/object_stores/object_store.h"
#include "volume_drivers/connectors/block_device.h"
#include "volume_drivers/volume_driver.h"

namespace bb::v2 {

struct V2BackupSpec {
  BlockDevice* source = nullptr;
  ObjectStore* store = nullptr;
  std::string container;
  // backup_id, project_id, volume_id, parent_id, name, description, timestamps; the pipeline
  // fills in size, chunk size, chunk id, compression, key generation, object count, stored bytes.
  ManifestV2Header header;
  bool encrypt = false;
  std::optional<Key256> master_key;
  // The codec of new blobs (README.md "Pack": 0 none, 1 zstd, 2 lz4, recorded per blob), and
  // the zstd level (0 = none; lz4 and none ignore it).
  Compression compression = Compression::kZstd;
  int compression_level = 1;
  int workers = 2;
  int max_puts = 2;
  int64_t chunk_size = 32 << 10;
  int64_t read_size = 1 << 20;
  int64_t pack_target = 32 << 20;
  size_t read_queue = 4;   // batches of read_size
  size_t blob_queue = 64;  // encoded blobs (<= chunk size each)
  ProgressObserver progress;
  CancelFn cancelled;
  // A changed-extent incremental (README.md "Changed-extent incrementals"): `parent_id`, a v2
  // backup of the same volume in this container, and `changed`, the byte ranges that may differ
  // from it (a superset, as VolumeDriver::ChangedExtents reports). Chunks outside them are not
  // read: their ids are copied from the parent's manifest. Without `changed` every chunk is
  // read; when the parent cannot be used (another size, unreadable) too, and the result says why.
  std::string parent_id;
  std::optional<std::vector<ByteRange>> changed;
  // How the changed chunks are read (changed_reads.h): up to this many unchanged chunks between
  // two changed ones are read too, to make one read of both; and this many bytes of the planned
  // reads are announced to the device (BlockDevice::Prefetch) ahead of the reader.
  int64_t changed_gap_chunks = 2;
  int64_t changed_read_ahead = 16 << 20;
};

// Evidence that memory stayed bounded (tests assert these against the capacities).
struct V2BackupStats {
  int64_t peak_batch_bytes = 0;   // read but not yet hashed/encoded
  size_t peak_open_segments = 0;  // segments with some, not all, chunks done
  int peak_packs_in_memory = 0;   // packs being built or uploaded
  size_t known_ids = 0;           // ids loaded from the container index
  size_t condemned_packs = 0;     // packs a running collector condemned (their blobs not reused)
};

struct V2BackupResult {
  std::string manifest_object;
  std::string index_object;  // empty when the job stored no new blob
  int64_t bytes_read = 0;    // holes excluded; with changed extents, joined gaps included
  int64_t reads = 0;         // read calls on the device (spans of up to read_size)
  int64_t chunks_total = 0;
  int64_t chunks_zero = 0;
  int64_t chunks_new = 0;      // data blobs this job stored
  int64_t chunks_reused = 0;   // already in the container or earlier in this job
  int64_t chunks_carried = 0;  // copied from the parent without reading (changed extents)
  bool carried_over = false;   // the changed-extent path ran
  std::string carry_fallback;  // why `changed` was given but every chunk was read
  int64_t packs = 0;
  int64_t stored_bytes = 0;  // packs + index + manifest written by this job
  int64_t object_count = 0;  // objects written by this job (packs, index, manifest)
  double seconds = 0;
  V2BackupStats stats;
};

Result<V2BackupResult> RunV2Backup(const V2BackupSpec& spec);

}  // namespace bb::v2
