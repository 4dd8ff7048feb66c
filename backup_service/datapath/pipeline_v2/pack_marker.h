// PackMarker: the mark step of the v2 collector (README.md "Garbage collection and repacking",
// steps 1 and 2): the container's index objects, and the blobs that manifests name.
//
//   LoadIndexes   reads every index/ object not read yet (call again under the fence: backups
//                 that finished meanwhile wrote new ones);
//   Mark          one manifests/*.bbm: its chunk-list blobs and, through them, its data blobs
//                 are live (every copy of a blob counts: two backups running at once may have
//                 stored one blob twice, and a restore may use either copy).
//
// Memory: the index entries (~100 B per blob) and the live ids (32 B per blob), in memory for
// now; the design's on-disk run file of 8-byte prefixes replaces the latter.
// Thread-safety: one thread; over a caller-owned store.
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/pipeline_common.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

using IdSet = std::unordered_set<BlobId, BlobIdHash>;

// Bytes of a pack as its index entry describes it (header, blobs, trailer, footer).
int64_t PackBytes(const IndexedPack& p);
// Bytes one blob takes in a pack (its header and payload; not its trailer entry).
inline int64_t BlobBytes(const PackEntry& e) { return int64_t{kBlobHeaderSize} + e.stored_length; }

class PackMarker {
 public:
  PackMarker(ObjectStore& store, std::string container, const BlobCodec& codec)
      : store_(store), container_(std::move(container)), codec_(codec) {}

  // Reads the index objects not read before. DataLoss naming one that does not decode. One that
  // vanished since the listing is skipped (only a collector deletes index objects, one at a time).
  Status LoadIndexes();
  // Marks one manifest. NotFound (deleted since the listing): Ok, nothing marked. DataLoss or a
  // key error naming the manifest otherwise: the caller must then delete nothing.
  Status Mark(const std::string& name);

  bool IsLive(const BlobId& id) const { return live_ids_.count(id) > 0; }
  bool IsLivePack(const BlobId& pack) const { return live_packs_.count(pack) > 0; }
  // Index objects read, by name, with the packs each names.
  const std::map<std::string, std::vector<IndexedPack>>& indexes() const { return indexes_; }
  // Every pack an index object names, with its entries (the first index naming it wins).
  const std::unordered_map<BlobId, const IndexedPack*, BlobIdHash>& packs() const { return packs_; }
  const std::set<std::string>& marked() const { return marked_; }
  // The packs holding a copy of `id` (empty when no index names it).
  std::vector<BlobId> Copies(const BlobId& id) const;

 private:
  void MarkBlob(const BlobId& id);
  Result<std::string> ReadBlob(const BlobId& id, const std::string& what);

  ObjectStore& store_;
  const std::string container_;
  const BlobCodec& codec_;
  std::map<std::string, std::vector<IndexedPack>> indexes_;
  std::unordered_map<BlobId, const IndexedPack*, BlobIdHash> packs_;
  // blob id -> (pack hash, entry) of every copy the index objects name
  std::unordered_map<BlobId, std::vector<std::pair<BlobId, PackEntry>>, BlobIdHash> location_;
  IdSet live_ids_;
  PackSet live_packs_;
  std::set<std::string> marked_;
};

}  // namespace bb::v2
