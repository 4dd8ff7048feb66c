// CollectUnreferencedPacks: the sweep half of the format v2 collector (README.md "Garbage
// collection and repacking", steps 1 and 4; repacking is not done yet).
//
//   mark    every manifests/*.bbm (opened with the container key), and through its chunk lists
//           every data blob it names: the live blob ids; a pack is live when it holds one.
//   index   every index/ object that names a dead pack is replaced by one naming only its live
//           packs (written first, then the old one deleted), so no later backup can dedup
//           against a blob that is about to go.
//   sweep   every packs/ object that no remaining index object names as live is deleted: the
//           dead packs, and the packs of killed or failed jobs (which never got an index).
//
// Order makes a crash harmless: an index never names a deleted pack (indexes are rewritten
// before packs go), and a pack left behind is swept by the next run. One manifest that cannot be
// read stops the collection before anything is deleted (what it references is unknown).
// Caller obligation (as v1's CollectUnreferencedChunks): no backup writes into the container
// meanwhile (the manager holds the container lock exclusive): a running job's packs have no index
// yet, and its dedup may count on a blob of a pack this would delete.
// Thread-safety: a function over a caller-owned store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

struct PackCollectResult {
  int64_t manifests = 0;      // v2 manifests marked
  int64_t live_packs = 0;     // packs kept
  int64_t packs_deleted = 0;  // dead or orphaned packs removed
  int64_t bytes_freed = 0;    // of the deleted packs the index described (orphans: unknown)
  int64_t index_objects_rewritten = 0;
  int64_t index_objects_deleted = 0;
};

// A container with no v2 `config` has nothing to collect (Ok, all zero). An encrypted container
// needs the master key (FailedPrecondition without it or with a wrong one).
Result<PackCollectResult> CollectUnreferencedPacks(ObjectStore& store, const std::string& container,
                                                   const std::optional<Key256>& master);

}  // namespace bb::v2
