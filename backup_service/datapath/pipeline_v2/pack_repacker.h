// RepackBlobs: the copy half of repacking (README.md "Garbage collection and repacking", step 3).
// The live blobs of packs the collector condemned for repacking are read (one ranged read each,
// or the whole pack when the store has no ranged reads), verified exactly as a restore verifies
// them (blob header against the index entry, GCM tag, decompressed length, id), and appended as
// they are stored (never recompressed or re-encrypted: the blob header, the AAD of its seal, is
// the same in the new pack) to new packs of about `pack_target` bytes, each durable before the
// next is started. The caller writes the index naming them before it deletes anything.
// A blob that fails verification stops the repack (DataLoss naming pack and blob): the old
// pack stays, nothing is deleted.
// Thread-safety: one call at a time per container (the collector's lock); caller-owned store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/pack_marker.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

struct RepackResult {
  std::vector<IndexedPack> packs;  // the new packs, durable, for the new index object
  int64_t bytes_written = 0;       // their sizes
  int64_t blobs_copied = 0;
};

// Copies, in pack order, every blob of `sources` whose id is in `wanted`, once.
Result<RepackResult> RepackBlobs(ObjectStore& store, const std::string& container,
                                 const BlobCodec& codec, uint32_t key_generation,
                                 int64_t pack_target,
                                 const std::vector<const IndexedPack*>& sources, IdSet wanted);

}  // namespace bb::v2
