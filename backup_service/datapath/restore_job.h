// RunRestoreJob: the mirror of the backup pipeline: manifest -> fetch chunks -> verify SHA-256 ->
// decompress -> write at offset into the target (file or block device), then fsync once.
// All-zero chunks are written as zeros, or skipped when the target is known to be zero-filled
// (a freshly created sparse volume), which keeps restored volumes sparse.
#pragma once

#include <cstdint>
#include <string>

#include "backup_service/common/result.h"
#include "backup_service/datapath/progress.h"
#include "backup_service/object_stores/object_store.h"
#include "volume_drivers/connectors/block_device.h"

namespace bb {

struct RestoreJobSpec {
  ObjectStore* store = nullptr;
  std::string container;
  std::string manifest_object;
  std::string target_path;  // opened for writing, never truncated (when no target_device)
  // A connected device to write through instead (FileBlockDevice, a libiscsi session); not
  // owned, flushed at the end. Zero chunks are written as zeros unless target_is_zeroed or the
  // device knows the range reads as zeros (BlockDevice::KnownZero).
  BlockDevice* target_device = nullptr;
  int64_t target_size_bytes = 0;  // must be >= the backup's size
  bool target_is_zeroed = false;  // skip writing zero chunks
  int workers = 2;
  ProgressFn progress;
  CancelFn cancelled;
};

struct RestoreJobResult {
  int64_t bytes_written = 0;  // logical bytes restored (zero chunks included)
  int64_t chunks = 0;
  double seconds = 0;
};

Result<RestoreJobResult> RunRestoreJob(const RestoreJobSpec& spec);

// Deletes a backup's manifest, then every chunk in the container that no remaining manifest
// references. The caller must ensure no backup into the same container runs meanwhile (a chunk
// found "already there" by a running backup must not be collected under it).
struct CollectResult {
  int64_t chunks_deleted = 0;
};
Result<CollectResult> DeleteBackupData(ObjectStore& store, const std::string& container,
                                       const std::string& manifest_object);
// The sweep alone: removes chunks that no manifest in the container references (those a failed
// or killed backup stored). Same caller obligation as DeleteBackupData.
Result<CollectResult> CollectUnreferencedChunks(ObjectStore& store, const std::string& container);

}  // namespace bb
