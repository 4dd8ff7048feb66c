// PackMarker: index objects in, live blob ids and packs out (pack_marker.h).
#include "backup_service/datapath/pipeline_v2/pack_marker.h"

#include "backup_service/datapath/chunk_list.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"

namespace bb::v2 {

int64_t PackBytes(const IndexedPack& p) {
  int64_t bytes = kPackHeaderSize + kPackFooterSize;
  for (const PackEntry& e : p.entries) bytes += BlobBytes(e) + kPackEntrySize;
  return bytes;
}

Status PackMarker::LoadIndexes() {
  ASSIGN_OR_RETURN(std::vector<std::string> names, store_.List(container_, "index/"));
  for (const std::string& name : names) {
    if (indexes_.count(name) > 0) continue;
    auto stored = store_.Get(container_, name);
    if (!stored.ok() && stored.status().code() == StatusCode::kNotFound) continue;
    if (!stored.ok()) return stored.status();
    const std::string what = "container " + container_ + ": index object " + name;
    ASSIGN_OR_RETURN(std::string plain, codec_.OpenObject(*stored, kIndexAad, what));
    auto packs = DecodeIndexObject(plain, name);
    if (!packs.ok()) return Status(packs.status().code(), what + ": " + packs.status().message());
    // std::map nodes do not move: the pointers into them below stay valid.
    const std::vector<IndexedPack>& kept = indexes_[name] = std::move(*packs);
    for (const IndexedPack& p : kept) {
      packs_.emplace(p.pack_hash, &p);
      for (const PackEntry& e : p.entries) {
        location_[e.id].emplace_back(p.pack_hash, e);
        // A blob marked before this index was read (a manifest of a backup that finished
        // meanwhile deduplicated against it): its new copies are live too.
        if (live_ids_.count(e.id) > 0) live_packs_.insert(p.pack_hash);
      }
    }
  }
  return Status::Ok();
}

Status PackMarker::Mark(const std::string& name) {
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
  marked_.insert(name);
  return Status::Ok();
}

std::vector<BlobId> PackMarker::Copies(const BlobId& id) const {
  std::vector<BlobId> out;
  auto loc = location_.find(id);
  if (loc == location_.end()) return out;
  for (const auto& [pack, entry] : loc->second) out.push_back(pack);
  return out;
}

void PackMarker::MarkBlob(const BlobId& id) {
  live_ids_.insert(id);
  auto loc = location_.find(id);
  if (loc == location_.end()) return;
  for (const auto& [pack, entry] : loc->second) live_packs_.insert(pack);
}

Result<std::string> PackMarker::ReadBlob(const BlobId& id, const std::string& what) {
  auto loc = location_.find(id);
  if (loc == location_.end()) {
    // The manifest of a backup that finished after the indexes were read: its index is newer.
    RETURN_IF_ERROR(LoadIndexes());
    loc = location_.find(id);
  }
  if (loc == location_.end()) {
    return Status::DataLoss(what + ": chunk list " + BlobIdHex(id) + " is in no index object");
  }
  const PackEntry& e = loc->second.front().second;
  const std::string pack = PackObjectNameOf(loc->second.front().first);
  const std::string blob_what = what + ": pack " + pack + ": blob " + BlobIdHex(id);
  auto got = store_.GetRange(container_, pack, e.offset, BlobBytes(e));
  if (got.ok()) return codec_.Decode(*got, e, blob_what);
  if (got.status().code() != StatusCode::kUnimplemented) return got.status().WithContext(blob_what);
  ASSIGN_OR_RETURN(std::string whole, store_.Get(container_, pack));
  if (uint64_t{e.offset} + BlobBytes(e) > whole.size()) {
    return Status::DataLoss(blob_what + ": lies outside the pack");
  }
  return codec_.Decode(std::string_view(whole).substr(e.offset, BlobBytes(e)), e, blob_what);
}

}  // namespace bb::v2
