// VerifyV2Backup: `backupctl backup verify` for a format v2 backup (README.md "Format v2",
// "Checks on read"). Re-reads everything the backup depends on and checks it, writing nothing:
//
//   keys (a wrong master key is FailedPrecondition before anything is read) -> manifest (sealed,
//   checksummed, its backup id) -> container index -> every chunk list (decoded and checked) ->
//   every pack holding a blob of the backup, read whole: its content must hash to its name, its
//   footer and trailer must check, and every blob of the backup in it must decode (header equal
//   to the index entry, GCM tag, exact length, id = SHA-256 / HMAC of the plaintext).
//
// Any damage is DataLoss naming the backup and the object (manifest, index object, pack and
// blob); a pack the index names but the store lacks is DataLoss naming it. Packs are verified by
// `workers` threads, one whole pack (<= 32 MiB) in memory per thread. The ids the backup needs
// are held in memory, 32 B per distinct chunk (~1 MiB per dense GiB).
// Thread-safety: one call per verification; the store must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/datapath/progress.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

struct V2VerifySpec {
  ObjectStore* store = nullptr;
  std::string container;
  std::string backup_id;
  std::optional<Key256> master_key;
  int workers = 2;
  CancelFn cancelled;
};

struct V2VerifyResult {
  int64_t size_bytes = 0;     // the backup's volume size
  int64_t chunks = 0;         // chunks of the volume (zero chunks included)
  int64_t chunks_zero = 0;    // all-zero chunks (no blob to read)
  int64_t blobs_checked = 0;  // distinct blobs decoded and verified (data and chunk lists)
  int64_t plain_bytes = 0;    // plaintext bytes of those blobs
  int64_t packs_checked = 0;
  int64_t bytes_read = 0;  // bytes fetched from the store (packs, manifest, lists)
  double seconds = 0;
};

Result<V2VerifyResult> VerifyV2Backup(const V2VerifySpec& spec);

}  // namespace bb::v2
