// PackCache: whole pack objects for the v2 restore pipeline, at most `capacity` kept (least
// recently used dropped), each fetched once however many workers ask for it at the same time.
// The ObjectStore has no ranged Get yet, so a restore reads whole packs; a full backup's packs
// are read in volume order, so a few packs of cache are enough. A fetched pack's footer and
// trailer are checked before any blob is taken from it (a truncated pack is DataLoss here).
// Memory: capacity packs plus one per worker that holds a pack it is decoding from.
// Thread-safety: Get may be called from any number of threads.
#pragma once

#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_id.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

class PackCache {
 public:
  // `what` prefixes errors (e.g. "backup B").
  PackCache(ObjectStore& store, std::string container, size_t capacity, std::string what);

  // The pack's bytes. NotFound naming the pack when it is missing (the caller may reload the
  // index: the collector repacked it), DataLoss when its footer/trailer is bad; other store
  // errors as they are.
  Result<std::shared_ptr<const std::string>> Get(const BlobId& pack_hash);

  int64_t fetches() const;

 private:
  struct Slot {
    std::shared_ptr<const std::string> bytes;
    bool loading = false;
  };
  Result<std::shared_ptr<const std::string>> Fetch(const std::string& name);

  ObjectStore& store_;
  const std::string container_;
  const size_t capacity_;
  const std::string what_;
  mutable std::mutex mu_;
  std::condition_variable loaded_;
  std::map<BlobId, Slot> slots_;
  std::list<BlobId> lru_;  // front = most recent; only loaded packs
  int64_t fetches_ = 0;
};

}  // namespace bb::v2
