// CollectPacks: the format v2 garbage collector (README.md "Garbage collection and repacking"),
// per container, safe while backups and restores run:
//
//   1 mark    (no lock) every index/ object and every manifests/*.bbm with its chunk lists: the
//             live blob ids (PackMarker).
//   2 fence   (options.fence: the container held exclusive for seconds, no backup running) the
//             index objects and manifests written since step 1 are marked too; then the plan:
//             packs to delete (no live blob, or named by no index: a killed job's), packs to
//             repack (live bytes < 50% of the pack, or a pack smaller than 8 MiB, a quarter of
//             the container's pack target when that is less), packs kept; it is written to
//             gc/<run>.condemned. Backups that start later read it and do not reuse those packs.
//   3 repack  (no lock) live blobs of the packs to repack that no kept pack holds are copied,
//             verified, into new packs (RepackBlobs); then ONE new index object naming the new
//             packs and the kept packs of every index object it supersedes (those naming a
//             condemned pack or a pack another index object names too); then the superseded
//             index objects are deleted.
//   4 sweep   the condemned packs are deleted, then the condemned lists (this run's and any a
//             crashed run left).
//
// Crash at any point: a pack is deleted only after no index names it, and an index only after
// its replacement is durable, so a crash leaves duplicates (packs no index names, two index
// objects naming one pack), never a missing blob; the next run removes them. A restore that
// finds a pack gone reloads the index (ReloadingIndex). One manifest that cannot be read stops
// the run before anything is written or deleted.
// Caller obligations: one collector per container at a time (the manager's gc lock); backups
// read the condemned lists after taking their shared hold (RunV2Backup does).
// Failpoints: gc.after_fence, gc.after_repacked_pack, gc.after_new_index,
// gc.before_condemned_removed.
// Thread-safety: a function over a caller-owned store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

// Runs `body` while no backup writes into the container, and returns its status (or why the
// container could not be held).
using FenceFn = std::function<Status(const std::function<Status()>& body)>;

struct PackCollectOptions {
  // Empty: the caller already holds the container exclusive for the whole run.
  FenceFn fence;
  bool repack = true;
  double repack_below_live_fraction = 0.5;
  int64_t repack_below_bytes = 8 << 20;
};

struct PackCollectResult {
  int64_t manifests = 0;           // v2 manifests marked (both steps)
  int64_t manifests_in_fence = 0;  // of which written while step 1 ran
  int64_t packs_before = 0;        // packs at the fence
  int64_t bytes_before = 0;        // their bytes per the index (orphans: unknown, not counted)
  int64_t live_packs = 0;          // packs kept as they are
  int64_t packs_deleted = 0;       // dead or orphaned packs removed
  int64_t dead_bytes_freed = 0;    // bytes of the dead packs deleted (orphans not counted)
  int64_t packs_repacked = 0;      // packs whose live blobs were copied, then removed
  int64_t repacked_bytes = 0;      // their bytes
  int64_t repack_packs_written = 0;
  int64_t repack_bytes_written = 0;
  int64_t blobs_copied = 0;
  int64_t repack_bytes_freed = 0;  // repacked_bytes - repack_bytes_written
  int64_t bytes_freed = 0;         // dead_bytes_freed + repack_bytes_freed
  int64_t packs_after = 0;
  int64_t bytes_after = 0;
  int64_t index_objects_rewritten = 0;  // new index objects written (0 or 1)
  int64_t index_objects_deleted = 0;    // superseded index objects removed
  int64_t condemned_lists_deleted = 0;  // this run's and those crashed runs left
};

// A container with no v2 `config` has nothing to collect (Ok, all zero). An encrypted container
// needs the master key (FailedPrecondition without it or with a wrong one).
Result<PackCollectResult> CollectPacks(ObjectStore& store, const std::string& container,
                                       const std::optional<Key256>& master,
                                       const PackCollectOptions& options);

// CollectPacks with default options and no fence: the caller holds the container exclusive.
inline Result<PackCollectResult> CollectUnreferencedPacks(ObjectStore& store,
                                                          const std::string& container,
                                                          const std::optional<Key256>& master) {
  return CollectPacks(store, container, master, PackCollectOptions{});
}

// One line for logs and the operator: packs and bytes before/after, freed by deletion and by
// repacking.
std::string DescribeCollection(const PackCollectResult& r);

}  // namespace bb::v2
