// RunBackupJob: reads a source (file or block device) and stores it as a backup:
//   volume reader -> chunker -> hasher (SHA-256) -> compressor (zstd) -> chunk store -> manifest.
// Chunks are content-addressed and written once per container; the manifest, written last, names
// every chunk of the volume, so each backup restores on its own (no chain to replay).
// Format: backup_service/datapath/README.md.
// Thread-safety: independent jobs may run concurrently, also into the same container.
#pragma once

#include <cstdint>
#include <string>

#include "backup_service/common/result.h"
#include "backup_service/datapath/progress.h"
#include "backup_service/object_stores/object_store.h"
#include "volume_drivers/connectors/block_device.h"

namespace bb {

struct BackupJobSpec {
  std::string source_path;  // file or block device, opened read-only (when no source_device)
  // A connected device to read through instead (FileBlockDevice, a libiscsi session); not
  // owned. It names the source in errors.
  BlockDevice* source_device = nullptr;
  int64_t size_bytes = 0;  // bytes to back up (the volume size)
  ObjectStore* store = nullptr;
  std::string container;  // project-namespaced, e.g. "<project>/backups"
  std::string backup_id;
  std::string volume_id;
  std::string parent_id;               // empty for a full backup
  std::string parent_manifest_object;  // the parent's manifest: its chunks need no existence check
  int64_t chunk_size = 4 << 20;
  int compression_level = 3;  // zstd level; 0 = store raw
  int workers = 2;            // concurrent hash/compress/upload workers
  ProgressFn progress;
  CancelFn cancelled;
};

struct BackupJobResult {
  std::string manifest_object;  // name of the manifest inside the container
  int64_t bytes_read = 0;
  int64_t chunks_total = 0;
  int64_t chunks_zero = 0;    // all-zero chunks: recorded, not stored
  int64_t chunks_new = 0;     // uploaded by this job
  int64_t chunks_reused = 0;  // already in the container (dedup / incremental)
  int64_t stored_bytes = 0;   // bytes this job added to the store (new chunks + manifest)
  int64_t object_count = 0;   // objects this job wrote (new chunks + manifest)
  double seconds = 0;
};

Result<BackupJobResult> RunBackupJob(const BackupJobSpec& spec);

}  // namespace bb
