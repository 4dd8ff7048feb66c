// RunV2Restore: the mirror of RunV2Backup (README.md "Format v2"), not yet wired into backupd:
//
//   main thread       keys (a wrong master key is refused here, before anything is written) ->
//                     manifest -> container index -> per segment, its chunk list
//                                                          -> work queue (work_queue chunks)
//   `workers` threads ranged Get of the blob, or PackCache (whole packs, bounded) when the
//                     store has no ranged reads -> BlobCodec::Decode: header vs index,
//                     GCM tag, decompress, id         -> reorder window (write_window chunks)
//   writer thread     BlockDevice::WriteAt in volume order; one Flush at the end
//
// Zero chunks are not written when the target is known to read as zeros (a new sparse volume):
// they stay holes. A pack that vanished (a collector repacked it meanwhile) reloads the index
// (ReloadingIndex) and the blob is read from its new pack. Any damage (manifest, index, chunk list,
// pack, blob) is DataLoss naming the backup and the object; nothing is reported as restored that
// was not verified. Thread-safety: one call per job; the spec's store and device must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pipeline_v2/pipeline_common.h"
#include "backup_service/datapath/progress.h"
#include "backup_service/object_stores/object_store.h"
#include "volume_drivers/connectors/block_device.h"

namespace bb::v2 {

struct V2RestoreSpec {
  ObjectStore* store = nullptr;
  std::string container;
  std::string backup_id;
  BlockDevice* target = nullptr;  // at least the backup's size
  bool target_is_zeroed = false;  // then zero chunks are left as holes
  std::optional<Key256> master_key;
  int workers = 2;
  // Blobs are read with one ranged Get each when the store can (ObjectStore::GetRange);
  // otherwise, or when false, whole packs through a cache of `pack_cache` packs.
  bool ranged_reads = true;
  size_t pack_cache = 3;     // whole packs kept
  size_t work_queue = 256;   // chunks waiting for a worker
  size_t write_window = 64;  // decoded chunks waiting for their turn to be written
  ProgressObserver progress;
  CancelFn cancelled;
};

struct V2RestoreResult {
  int64_t bytes_total = 0;    // the backup's size
  int64_t bytes_written = 0;  // excluding zero chunks left as holes
  int64_t chunks = 0;
  int64_t chunks_zero = 0;
  int64_t packs_fetched = 0;  // whole packs read (no ranged reads)
  int64_t ranged_reads = 0;   // blobs read with a ranged Get
  int64_t index_reloads = 0;  // a pack was gone (repacked by a collector meanwhile)
  size_t peak_window = 0;     // most decoded chunks held at once (<= write_window)
  double seconds = 0;
};

Result<V2RestoreResult> RunV2Restore(const V2RestoreSpec& spec);

// The verified manifest manifests/<backup_id>.bbm (keys unwrapped first, sealed object opened,
// checksum checked): what an import compares its record with. The backup id inside is NOT
// compared with `backup_id` here: the caller does, to say which backup the manifest is of. NotFound
// when the container has no v2 config or the manifest is absent; FailedPrecondition for a wrong or
// missing master key.
Result<ManifestV2> LoadBackupManifestV2(ObjectStore& store, const std::string& container,
                                        const std::string& backup_id,
                                        const std::optional<Key256>& master);

}  // namespace bb::v2
