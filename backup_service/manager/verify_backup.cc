// BackupManager::VerifyBackup (`backupctl backup verify`): every object a backup depends on is
// read back and checked, nothing is written (datapath/README.md "Disaster recovery").
//   v2: VerifyV2Backup (manifest, chunk lists, whole packs: name hash, trailer, every blob's
//       GCM tag / id).
//   v1: the manifest, then every chunk object (header, zstd length, SHA-256 = its name).
// The check runs in the calling thread (the RPC), under the container's shared hold, so a
// collection never removes a pack or chunk under it (it waits for a running collection first).
#include <algorithm>
#include <chrono>

#include "backup_service/common/log.h"
#include "backup_service/datapath/chunk_store.h"
#include "backup_service/datapath/manifest.h"
#include "backup_service/datapath/pipeline_v2/verify_pipeline.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {
namespace {

Result<VerifyReport> VerifyV1(ObjectStore& store, const std::string& container, const Backup& b) {
  const auto start = std::chrono::steady_clock::now();
  auto manifest = LoadManifest(store, container, b.manifest_object);
  if (!manifest.ok()) {
    return manifest.status().WithContext("backup " + b.id + ": manifest " + b.manifest_object);
  }
  if (manifest->backup_id != b.id) {
    return Status::DataLoss("backup " + b.id + ": manifest " + b.manifest_object +
                            " names backup " + manifest->backup_id);
  }
  VerifyReport r;
  r.size_bytes = manifest->size_bytes;
  ChunkStore chunks(&store, container);
  for (const ManifestChunk& c : manifest->chunks) {
    ++r.chunks;
    if (c.zero) {
      ++r.chunks_zero;
      continue;
    }
    auto data = chunks.Get(c.hash, c.length);
    if (!data.ok()) {
      return data.status().WithContext("backup " + b.id + ": chunk object chunks/" +
                                       c.hash.substr(0, 2) + "/" + c.hash + " (volume offset " +
                                       std::to_string(c.offset) + ")");
    }
    ++r.blobs_checked;
    r.plain_bytes += static_cast<int64_t>(data->size());
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace

Result<VerifyReport> BackupManager::VerifyBackup(const std::string& project_id,
                                                 const std::string& backup_id) {
  ASSIGN_OR_RETURN(Backup backup, GetBackup(project_id, backup_id));
  if (backup.status != BackupStatus::kAvailable) {
    return Status::FailedPrecondition("Backup status must be available to verify it, but it is " +
                                      std::string(ToString(backup.status)));
  }
  const std::string container = StoreContainer(backup);
  ASSIGN_OR_RETURN(auto hold, HoldContainer(container, ContainerLockMode::kShared));
  Result<VerifyReport> report = Status::Internal("unreached");
  if (backup.storage_format == kStoragePackedV2) {
    v2::V2VerifySpec spec;
    spec.store = &store_;
    spec.container = container;
    spec.backup_id = backup.id;
    spec.master_key = options_.master_key;
    spec.workers = std::max(1, options_.workers_per_job);
    spec.cancelled = [this] { return stopping_.load(); };
    auto r = v2::VerifyV2Backup(spec);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kFailedPrecondition) {
        return Status::FailedPrecondition(
            r.status().message() + " (container " + container +
            "): set backup_master_key_file to the key this container was created with");
      }
      return r.status();
    }
    VerifyReport out;
    out.size_bytes = r->size_bytes;
    out.chunks = r->chunks;
    out.chunks_zero = r->chunks_zero;
    out.blobs_checked = r->blobs_checked;
    out.plain_bytes = r->plain_bytes;
    out.packs_checked = r->packs_checked;
    out.bytes_read = r->bytes_read;
    out.seconds = r->seconds;
    report = out;
  } else {
    report = VerifyV1(store_, container, backup);
  }
  if (!report.ok()) {
    BB_LOG(kError) << "verify of backup " << backup.id << " failed: " << report.status().ToString();
    return report.status();
  }
  report->backup_id = backup.id;
  report->storage_format = backup.storage_format;
  if (report->storage_format.empty()) report->storage_format = std::string(kStorageChunkedV1);
  BB_LOG(kInfo) << "backup " << backup.id << " verified: " << report->blobs_checked
                << " objects/blobs, " << report->plain_bytes << " bytes, " << report->packs_checked
                << " packs";
  return report;
}

}  // namespace bb
