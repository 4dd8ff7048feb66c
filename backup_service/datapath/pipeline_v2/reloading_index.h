// ReloadingIndex: the container index as a restore sees it (README.md "Garbage collection and
// repacking", step 3). The collector may repack a blob into a new pack while a restore runs: it
// writes the new pack and the index naming it before it deletes the old index and pack. So a
// restore that finds a pack gone (NOT_FOUND), or a blob in no index, reloads the index once and
// reads the blob from its new pack: a collection under a running restore costs a reload, not a
// failure.
// Thread-safety: Find and Reload may be called from any number of threads; concurrent reloads
// for the same generation load once.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "backup_service/common/result.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

class ReloadingIndex {
 public:
  ReloadingIndex(ObjectStore& store, std::string container, const V2Container& c,
                 ContainerIndex initial)
      : store_(store), container_(std::move(container)), c_(c), index_(std::move(initial)) {}

  // Where `id` is, per the index of generation `*generation` (set on return); nullopt when no
  // index object names it.
  std::optional<BlobLocation> Find(const BlobId& id, uint64_t* generation) const;

  // Loads the index again unless another thread already did since generation `seen`. The
  // status of the load (the previous index stays on failure).
  Status Reload(uint64_t seen);

  int64_t reloads() const;

 private:
  ObjectStore& store_;
  const std::string container_;
  const V2Container c_;
  mutable std::shared_mutex mu_;
  ContainerIndex index_;
  uint64_t generation_ = 0;
  std::mutex reload_mu_;  // one load at a time
};

}  // namespace bb::v2
