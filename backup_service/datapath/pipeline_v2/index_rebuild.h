// RebuildContainerIndex: recovers lost or damaged index/ objects of a v2 container from the
// packs themselves (README.md "Disaster recovery": the index is a cache of the pack trailers).
//
//   keys -> every index/ object: opened and decoded, or counted as damaged -> every pack that no
//   good index object names: its trailer (or, when the trailer is damaged, its blob headers,
//   ScanPackBlobs) -> one new index object naming those packs (sealed as a backup's index) ->
//   only then the damaged index objects are deleted.
//
// A crash in between leaves the old objects and maybe the new index (duplicates name the same
// blobs, which readers accept). Packs that no manifest uses (a killed job's) get indexed too;
// the collector removes them as before. The caller holds the container exclusive (no backup or
// collection runs meanwhile). FailedPrecondition for a wrong master key; NotFound for a
// container without v2 data.
// Thread-safety: one call per container at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

struct IndexRebuildResult {
  int index_objects = 0;                // index objects found
  std::vector<std::string> removed;     // damaged index objects deleted after the new one
  int packs = 0;                        // pack objects found
  int packs_indexed = 0;                // packs no good index named, now in `index_object`
  std::string index_object;             // the new index object ("" when none was needed)
  std::vector<std::string> unreadable;  // "packs/..: reason" for packs that could not be read
};

Result<IndexRebuildResult> RebuildContainerIndex(ObjectStore& store, const std::string& container,
                                                 const std::optional<Key256>& master);

}  // namespace bb::v2
