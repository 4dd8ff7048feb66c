// CondemnedList: the `gc/<run>.condemned` objects of a v2 container (README.md "Garbage
// collection and repacking", step 2). The collector writes one while it holds the container
// exclusive (no backup running): the packs it is about to delete or repack. A backup reads them
// all after it has its shared hold and treats blobs in those packs as absent (it stores them
// again), so no backup ever depends on a pack the collector removes. The collector deletes its
// list last, after the packs; a list left by a crashed run is removed by the next run (whose own
// fence supersedes it).
//
//   "BBG1" | version u8 = 1 | reserved 3 B = 0 | pack count u32 | pack hashes, 32 B each |
//   SHA-256 of everything before it, 32 B
//
// Sealed with the container key (AAD "bb-condemned-v1") when the container is encrypted.
// Thread-safety: pure codec functions; the store functions over a caller-owned store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_id.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/pipeline_common.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

inline constexpr std::string_view kCondemnedAad = "bb-condemned-v1";
inline constexpr char kCondemnedPrefix[] = "gc/";

std::string EncodeCondemnedList(const std::vector<BlobId>& packs);
// DataLoss naming `name` for anything malformed; Unimplemented for a later version.
Result<std::vector<BlobId>> DecodeCondemnedList(std::string_view object, const std::string& name);

// A fresh name "gc/<microseconds since the epoch>-<8 hex>.condemned" for one collector run.
std::string NewCondemnedListName();

// The union of every gc/*.condemned in the container, and the names read. A list that vanished
// between the listing and its read (its run finished) is skipped: its packs are gone.
struct CondemnedPacks {
  PackSet packs;
  std::vector<std::string> names;
};
Result<CondemnedPacks> LoadCondemnedPacks(ObjectStore& store, const std::string& container,
                                          const BlobCodec& codec);

}  // namespace bb::v2
