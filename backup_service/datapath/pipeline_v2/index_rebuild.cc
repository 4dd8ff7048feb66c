// RebuildContainerIndex: good index objects -> uncovered packs -> one new index -> cleanup.
#include "backup_service/datapath/pipeline_v2/index_rebuild.h"

#include <set>

#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/pack_format.h"
#include "backup_service/datapath/pack_reader.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"

namespace bb::v2 {

Result<IndexRebuildResult> RebuildContainerIndex(ObjectStore& store, const std::string& container,
                                                 const std::optional<Key256>& master) {
  ASSIGN_OR_RETURN(V2Container c, OpenForRead(store, container, master));
  const BlobCodec codec(c.keys);
  IndexRebuildResult r;
  std::set<BlobId> covered;
  std::vector<std::string> damaged;
  ASSIGN_OR_RETURN(std::vector<std::string> indexes, store.List(container, "index/"));
  for (const std::string& name : indexes) {
    ++r.index_objects;
    auto stored = store.Get(container, name);
    if (!stored.ok()) {
      if (stored.status().code() == StatusCode::kNotFound) continue;
      return stored.status();
    }
    auto plain = codec.OpenObject(*stored, kIndexAad, "container " + container + ": " + name);
    auto packs = plain.ok() ? DecodeIndexObject(*plain, name)
                            : Result<std::vector<IndexedPack>>(plain.status());
    if (!packs.ok()) {
      if (packs.status().code() != StatusCode::kDataLoss) return packs.status();
      damaged.push_back(name);
      continue;
    }
    for (const IndexedPack& p : *packs) covered.insert(p.pack_hash);
  }

  std::vector<IndexedPack> found;
  ASSIGN_OR_RETURN(std::vector<std::string> packs, store.List(container, "packs/"));
  for (const std::string& name : packs) {
    ++r.packs;
    const std::optional<BlobId> hash = ParseBlobIdHex(name.substr(name.rfind('/') + 1));
    if (!hash || PackObjectNameOf(*hash) != name) continue;  // not a pack name
    if (covered.count(*hash)) continue;
    auto bytes = store.Get(container, name);
    if (!bytes.ok()) {
      if (bytes.status().code() == StatusCode::kNotFound) continue;  // collected meanwhile
      return bytes.status();
    }
    auto entries = ReadPackTrailer(*bytes, name);
    if (!entries.ok()) entries = ScanPackBlobs(*bytes, name);  // salvage a damaged trailer
    if (!entries.ok() || entries->empty()) {
      r.unreadable.push_back(name + ": " +
                             (entries.ok() ? "no blobs" : entries.status().ToString()));
      continue;
    }
    found.push_back(IndexedPack{*hash, std::move(entries).value()});
  }

  if (!found.empty()) {
    ASSIGN_OR_RETURN(std::string index, codec.SealObject(EncodeIndexObject(found), kIndexAad));
    r.index_object = IndexObjectName(index);
    RETURN_IF_ERROR(store.Put(container, r.index_object, index)
                        .WithContext("container " + container + ": writing the rebuilt index"));
    r.packs_indexed = static_cast<int>(found.size());
  }
  // Only now: every pack a damaged index named is in a good index again.
  for (const std::string& name : damaged) {
    // Unencrypted, the new index can be the damaged one's intended bytes, under its name: the
    // Put above has just repaired it.
    if (name == r.index_object) continue;
    RETURN_IF_ERROR(store.Delete(container, name));
    r.removed.push_back(name);
  }
  return r;
}

}  // namespace bb::v2
