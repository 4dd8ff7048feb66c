// ParentChunks: the parent's manifest per segment, and its chunk lists on demand.
#include "backup_service/datapath/pipeline_v2/parent_chunks.h"

#include <algorithm>

#include "backup_service/datapath/pack_format.h"
#include "backup_service/datapath/pipeline_v2/chunk_reader.h"

namespace bb::v2 {

std::vector<ChunkSpan> ChangedChunkSpans(const std::vector<ByteRange>& changed, int64_t chunk_size,
                                         int64_t size) {
  std::vector<ChunkSpan> spans;
  for (const ByteRange& r : changed) {
    const int64_t begin = std::max<int64_t>(0, r.offset);
    const int64_t end = std::min(size, r.offset + r.length);
    if (end <= begin) continue;
    spans.push_back({begin / chunk_size, (end + chunk_size - 1) / chunk_size});
  }
  std::sort(spans.begin(), spans.end(),
            [](const ChunkSpan& a, const ChunkSpan& b) { return a.first < b.first; });
  std::vector<ChunkSpan> merged;
  for (const ChunkSpan& s : spans) {
    if (!merged.empty() && s.first <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, s.end);
    } else {
      merged.push_back(s);
    }
  }
  return merged;
}

Result<ParentChunks> ParentChunks::Load(ObjectStore& store, const std::string& container,
                                        const V2Container& c, const ContainerIndex& index,
                                        const std::string& parent_id, int64_t size,
                                        int64_t chunk_size, const std::vector<ChunkSpan>& changed) {
  ParentChunks p(store, container, c);
  p.parent_id_ = parent_id;
  const std::string name = ManifestV2ObjectName(parent_id);
  const std::string what = "parent backup " + parent_id + ": manifest " + name;
  ASSIGN_OR_RETURN(std::string stored, store.Get(container, name));
  ASSIGN_OR_RETURN(std::string plain, p.codec_.OpenObject(stored, name, what));
  ASSIGN_OR_RETURN(ManifestV2 m, DecodeManifestV2(plain, name));
  if (m.header.backup_id != parent_id) {
    return Status::DataLoss(what + " names backup " + m.header.backup_id);
  }
  if (m.header.size_bytes != size || m.header.chunk_size != chunk_size) {
    return Status::FailedPrecondition(
        "parent backup " + parent_id + " covers " + std::to_string(m.header.size_bytes) +
        " bytes in chunks of " + std::to_string(m.header.chunk_size) + ", this backup " +
        std::to_string(size) + " in chunks of " + std::to_string(chunk_size));
  }
  for (const ManifestSegment& s : m.segments) {
    if (s.zero) {
      for (uint32_t i = 0; i < s.zero_count; ++i) p.segments_.push_back({true, 1, {}});
    } else {
      p.segments_.push_back(s);
    }
  }
  // Only the lists of segments with a changed chunk are read; their locations are kept now,
  // because the caller does not keep the whole container index.
  for (const ChunkSpan& span : changed) {
    for (int64_t seg = span.first / kChunksPerList;
         seg <= (span.end - 1) / kChunksPerList && seg < p.segment_count(); ++seg) {
      const ManifestSegment& s = p.segments_[static_cast<size_t>(seg)];
      if (s.zero || p.lists_.count(s.list_id)) continue;
      auto loc = index.find(s.list_id);
      if (loc == index.end()) {
        return Status::DataLoss(what + ": chunk list " + BlobIdHex(s.list_id) +
                                " is in no index object");
      }
      p.lists_.emplace(s.list_id, loc->second);
    }
  }
  return p;
}

Result<std::vector<ChunkRef>> ParentChunks::Refs(int64_t i, uint32_t chunks_in_segment) const {
  const ManifestSegment& s = Segment(i);
  if (s.zero) return std::vector<ChunkRef>(chunks_in_segment, ChunkRef{true, {}});
  auto loc = lists_.find(s.list_id);
  if (loc == lists_.end()) {
    return Status::Internal("chunk list of segment " + std::to_string(i) + " was not located");
  }
  const PackEntry& e = loc->second.entry;
  const std::string pack = PackObjectNameOf(loc->second.pack_hash);
  const std::string what =
      "parent backup " + parent_id_ + ": pack " + pack + ": chunk list " + BlobIdHex(s.list_id);
  const int64_t length = int64_t{kBlobHeaderSize} + e.stored_length;
  auto got = store_->GetRange(container_, pack, e.offset, length);
  std::string bytes;
  if (got.ok()) {
    bytes = std::move(got).value();
  } else if (got.status().code() == StatusCode::kUnimplemented) {
    ASSIGN_OR_RETURN(std::string whole, store_->Get(container_, pack));
    if (uint64_t{e.offset} + static_cast<uint64_t>(length) > whole.size()) {
      return Status::DataLoss(what + ": lies outside the pack");
    }
    bytes = whole.substr(e.offset, static_cast<size_t>(length));
  } else {
    return got.status().WithContext(what);
  }
  ASSIGN_OR_RETURN(std::string plain, codec_.Decode(bytes, e, what));
  ++lists_read_;
  ASSIGN_OR_RETURN(std::vector<ChunkRef> refs, DecodeChunkList(plain, what));
  if (refs.size() != chunks_in_segment) {
    return Status::DataLoss(what + " has " + std::to_string(refs.size()) + " chunks; segment " +
                            std::to_string(i) + " needs " + std::to_string(chunks_in_segment));
  }
  return refs;
}

}  // namespace bb::v2
