// CollectUnreferencedPacks: mark from v2 manifests, rewrite indexes, sweep packs.
#include "backup_service/datapath/pipeline_v2/pack_collector.h"

#include <map>
#include <unordered_set>
#include <vector>

#include "backup_service/common/log.h"
#include "backup_service/datapath/chunk_list.h"
#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"

namespace bb::v2 {
namespace {

using IdSet = std::unordered_set<BlobId, BlobIdHash>;

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The pack hash of "packs/<h[0:2]>/<h>"; nullopt for anything else (foreign objects are kept).
std::optional<BlobId> PackHashOf(const std::string& name) {
  auto slash = name.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  auto id = ParseBlobIdHex(std::string_view(name).substr(slash + 1));
  if (!id || PackObjectNameOf(*id) != name) return std::nullopt;
  return id;
}

int64_t PackBytes(const IndexedPack& p) {
  int64_t bytes = kPackHeaderSize + kPackFooterSize;
  for (const PackEntry& e : p.entries) {
    bytes += int64_t{kBlobHeaderSize} + e.stored_length + kPackEntrySize;
  }
  return bytes;
}

class Collector {
 public:
  Collector(ObjectStore& store, const std::string& container, const V2Container& c)
      : store_(store), container_(container), codec_(0, c.keys) {}

  Status LoadIndexes() {
    ASSIGN_OR_RETURN(std::vector<std::string> names, store_.List(container_, "index/"));
    for (const std::string& name : names) {
      ASSIGN_OR_RETURN(std::string stored, store_.Get(container_, name));
      const std::string what = "container " + container_ + ": index object " + name;
      ASSIGN_OR_RETURN(std::string plain, codec_.OpenObject(stored, kIndexAad, what));
      auto packs = DecodeIndexObject(plain, name);
      if (!packs.ok()) return Status(packs.status().code(), what + ": " + packs.status().message());
      for (const IndexedPack& p : *packs) {
        for (const PackEntry& e : p.entries) location_[e.id].emplace_back(p.pack_hash, e);
      }
      indexes_[name] = std::move(*packs);
    }
    return Status::Ok();
  }

  // Marks one manifest's chunk lists and data blobs. NotFound: deleted meanwhile (skipped).
  Status Mark(const std::string& name) {
    auto stored = store_.Get(container_, name);
    if (!stored.ok()) {
      return stored.status().code() == StatusCode::kNotFound ? Status::Ok() : stored.status();
    }
    const std::string what = "container " + container_ + ": manifest " + name;
    ASSIGN_OR_RETURN(std::string plain, codec_.OpenObject(*stored, name, what));
    ASSIGN_OR_RETURN(ManifestV2 m, DecodeManifestV2(plain, name));
    for (const ManifestSegment& seg : m.segments) {
      if (seg.zero) continue;
      MarkBlob(seg.list_id);
      ASSIGN_OR_RETURN(std::string list, ReadBlob(seg.list_id, what));
      ASSIGN_OR_RETURN(std::vector<ChunkRef> refs,
                       DecodeChunkList(list, what + ": chunk list " + BlobIdHex(seg.list_id)));
      for (const ChunkRef& r : refs) {
        if (!r.zero) MarkBlob(r.id);
      }
    }
    return Status::Ok();
  }

  // Index objects naming a dead pack: replaced by one naming only the live packs.
  Status RewriteIndexes(PackCollectResult& out) {
    for (const auto& [name, packs] : indexes_) {
      std::vector<IndexedPack> keep;
      for (const IndexedPack& p : packs) {
        if (live_packs_.count(p.pack_hash) > 0) keep.push_back(p);
      }
      if (keep.size() == packs.size()) continue;
      if (!keep.empty()) {
        ASSIGN_OR_RETURN(std::string sealed, codec_.SealObject(EncodeIndexObject(keep), kIndexAad));
        RETURN_IF_ERROR(store_.Put(container_, IndexObjectName(sealed), sealed));
        ++out.index_objects_rewritten;
      } else {
        ++out.index_objects_deleted;
      }
      RETURN_IF_ERROR(store_.Delete(container_, name).WithContext("delete " + name));
    }
    return Status::Ok();
  }

  Status Sweep(PackCollectResult& out) {
    std::map<BlobId, int64_t> sizes;
    for (const auto& [name, packs] : indexes_) {
      for (const IndexedPack& p : packs) sizes[p.pack_hash] = PackBytes(p);
    }
    ASSIGN_OR_RETURN(std::vector<std::string> names, store_.List(container_, "packs/"));
    for (const std::string& name : names) {
      std::optional<BlobId> hash = PackHashOf(name);
      if (!hash || live_packs_.count(*hash) > 0) continue;
      RETURN_IF_ERROR(store_.Delete(container_, name).WithContext("delete " + name));
      ++out.packs_deleted;
      if (auto s = sizes.find(*hash); s != sizes.end()) out.bytes_freed += s->second;
    }
    out.live_packs = static_cast<int64_t>(live_packs_.size());
    return Status::Ok();
  }

 private:
  // Every copy counts: two backups running at once may have stored the same blob in two packs,
  // and a restore may have picked either copy from its index.
  void MarkBlob(const BlobId& id) {
    auto loc = location_.find(id);
    if (loc == location_.end()) return;
    for (const auto& [pack, entry] : loc->second) live_packs_.insert(pack);
  }

  Result<std::string> ReadBlob(const BlobId& id, const std::string& what) {
    auto loc = location_.find(id);
    if (loc == location_.end()) {
      return Status::DataLoss(what + ": chunk list " + BlobIdHex(id) + " is in no index object");
    }
    const PackEntry& e = loc->second.front().second;
    const std::string pack = PackObjectNameOf(loc->second.front().first);
    const std::string blob_what = what + ": pack " + pack + ": blob " + BlobIdHex(id);
    const int64_t length = int64_t{kBlobHeaderSize} + e.stored_length;
    auto got = store_.GetRange(container_, pack, e.offset, length);
    if (got.ok()) return codec_.Decode(*got, e, blob_what);
    if (got.status().code() != StatusCode::kUnimplemented)
      return got.status().WithContext(blob_what);
    ASSIGN_OR_RETURN(std::string whole, store_.Get(container_, pack));
    if (uint64_t{e.offset} + length > whole.size()) {
      return Status::DataLoss(blob_what + ": lies outside the pack");
    }
    return codec_.Decode(std::string_view(whole).substr(e.offset, length), e, blob_what);
  }

  ObjectStore& store_;
  const std::string container_;
  const BlobCodec codec_;
  std::map<std::string, std::vector<IndexedPack>> indexes_;
  // blob id -> (pack hash, entry) of every copy the index objects name
  std::unordered_map<BlobId, std::vector<std::pair<BlobId, PackEntry>>, BlobIdHash> location_;
  IdSet live_packs_;
};

}  // namespace

Result<PackCollectResult> CollectUnreferencedPacks(ObjectStore& store, const std::string& container,
                                                   const std::optional<Key256>& master) {
  PackCollectResult out;
  auto c = OpenForRead(store, container, master);
  if (!c.ok()) {
    if (c.status().code() == StatusCode::kNotFound) return out;  // no v2 data in it
    return c.status();
  }
  Collector collector(store, container, *c);
  RETURN_IF_ERROR(collector.LoadIndexes());
  ASSIGN_OR_RETURN(std::vector<std::string> manifests, store.List(container, "manifests/"));
  for (const std::string& name : manifests) {
    if (!EndsWith(name, ".bbm")) continue;  // v1 manifests mark chunks/, not packs
    Status s = collector.Mark(name);
    if (!s.ok()) return s.WithContext("pack collection stopped, nothing deleted");
    ++out.manifests;
  }
  RETURN_IF_ERROR(collector.RewriteIndexes(out));
  RETURN_IF_ERROR(collector.Sweep(out));
  BB_LOG(kInfo) << "container " << container << ": " << out.manifests << " v2 manifests, "
                << out.live_packs << " live packs, " << out.packs_deleted << " packs deleted ("
                << out.bytes_freed << " bytes), " << out.index_objects_rewritten
                << " index objects rewritten, " << out.index_objects_deleted << " deleted";
  return out;
}

}  // namespace bb::v2
