// VerifyV2Backup: chunk lists first (they say which blobs the backup needs), then every pack
// holding one of them, read whole and checked by a few threads.
#include "backup_service/datapath/pipeline_v2/verify_pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "backup_service/datapath/chunk_list.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pack_reader.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/pipeline_common.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"

namespace bb::v2 {
namespace {

Status Prefix(const std::string& what, const Status& s) {
  return Status(s.code(), what + ": " + s.message());
}

// The blobs of one pack that the backup needs, by offset (the order they lie in the pack).
using PackWants = std::map<BlobId, std::map<uint32_t, PackEntry>>;

class Verifier {
 public:
  Verifier(const V2VerifySpec& spec, const V2Container& c, const ContainerIndex& index)
      : spec_(spec), what_("backup " + spec.backup_id), codec_(c.keys), index_(index) {}

  // Decodes every chunk list of the manifest and records each blob it needs (lists included).
  Status CollectBlobs(const ManifestV2& m, V2VerifyResult& r) {
    const ManifestV2Header& h = m.header;
    int64_t segment = 0;
    for (const ManifestSegment& seg : m.segments) {
      if (spec_.cancelled && spec_.cancelled()) return Status::Cancelled(what_ + ": cancelled");
      if (seg.zero) {
        for (uint32_t z = 0; z < seg.zero_count; ++z) {
          const int64_t n = ChunksInSegment(h, segment++);
          r.chunks += n;
          r.chunks_zero += n;
        }
        continue;
      }
      const std::string what = what_ + ": chunk list " + BlobIdHex(seg.list_id);
      RETURN_IF_ERROR(Want(seg.list_id));
      ASSIGN_OR_RETURN(std::string list, ReadOneBlob(seg.list_id, r));
      ASSIGN_OR_RETURN(std::vector<ChunkRef> refs, DecodeChunkList(list, what));
      if (static_cast<int64_t>(refs.size()) != ChunksInSegment(h, segment)) {
        return Status::DataLoss(what + " has " + std::to_string(refs.size()) + " chunks; segment " +
                                std::to_string(segment) + " needs " +
                                std::to_string(ChunksInSegment(h, segment)));
      }
      ++segment;
      for (const ChunkRef& ref : refs) {
        ++r.chunks;
        if (ref.zero) {
          ++r.chunks_zero;
          continue;
        }
        RETURN_IF_ERROR(Want(ref.id));
      }
    }
    return Status::Ok();
  }

  // Every wanted pack, whole, on `workers` threads; first error wins.
  Status CheckPacks(int workers, V2VerifyResult& r) {
    std::vector<const PackWants::value_type*> packs;
    for (const auto& p : wants_) packs.push_back(&p);
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < std::max(1, workers); ++i) {
      threads.emplace_back([&] {
        while (!error_.failed()) {
          const size_t k = next++;
          if (k >= packs.size()) break;
          if (spec_.cancelled && spec_.cancelled()) {
            error_.Set(Status::Cancelled(what_ + ": cancelled"));
            break;
          }
          error_.Set(CheckPack(packs[k]->first, packs[k]->second));
        }
      });
    }
    for (auto& t : threads) t.join();
    if (error_.failed()) return error_.status();
    std::lock_guard lock(mu_);
    r.packs_checked = static_cast<int64_t>(packs.size());
    r.blobs_checked = blobs_checked_;
    r.plain_bytes = plain_bytes_;
    r.bytes_read += bytes_read_;
    return Status::Ok();
  }

 private:
  Status Want(const BlobId& id) {
    auto loc = index_.find(id);
    if (loc == index_.end()) {
      return Status::DataLoss(what_ + ": blob " + BlobIdHex(id) + " is in no index object");
    }
    wants_[loc->second.pack_hash].emplace(loc->second.entry.offset, loc->second.entry);
    return Status::Ok();
  }

  // One blob by a ranged read (or the whole pack when the store has none): for chunk lists.
  Result<std::string> ReadOneBlob(const BlobId& id, V2VerifyResult& r) {
    const BlobLocation& loc = index_.at(id);
    const PackEntry& e = loc.entry;
    const std::string pack = PackObjectNameOf(loc.pack_hash);
    const std::string what = what_ + ": pack " + pack + ": blob " + BlobIdHex(id);
    const int64_t length = int64_t{kBlobHeaderSize} + e.stored_length;
    auto got = spec_.store->GetRange(spec_.container, pack, e.offset, length);
    if (got.status().code() == StatusCode::kUnimplemented) {
      auto whole = spec_.store->Get(spec_.container, pack);
      if (whole.ok()) {
        if (uint64_t{e.offset} + length > whole->size()) {
          return Status::DataLoss(what + ": lies outside the pack (truncated?)");
        }
        got = whole->substr(e.offset, static_cast<size_t>(length));
      } else {
        got = whole.status();
      }
    }
    if (!got.ok()) return StoreError(pack, what, got.status());
    r.bytes_read += static_cast<int64_t>(got->size());
    return codec_.Decode(*got, e, what);
  }

  Status StoreError(const std::string& pack, const std::string& what, const Status& s) {
    switch (s.code()) {
      case StatusCode::kNotFound:
        return Status::DataLoss(what_ + ": pack " + pack + " named by the index is missing");
      case StatusCode::kOutOfRange:
        return Status::DataLoss(what + ": the pack is shorter than the index says (truncated)");
      default:
        return Prefix(what, s);
    }
  }

  Status CheckPack(const BlobId& pack_hash, const std::map<uint32_t, PackEntry>& wanted) {
    const std::string pack = PackObjectNameOf(pack_hash);
    auto bytes = spec_.store->Get(spec_.container, pack);
    if (!bytes.ok()) return StoreError(pack, what_ + ": pack " + pack, bytes.status());
    // Trailer and the backup's blobs first, so that damage inside a blob is reported with the
    // blob's id; the name check then catches damage anywhere else in the object.
    auto trailer = ReadPackTrailer(*bytes, pack);
    if (!trailer.ok()) return Prefix(what_, trailer.status());
    std::map<uint32_t, const PackEntry*> by_offset;
    for (const PackEntry& e : *trailer) by_offset.emplace(e.offset, &e);
    int64_t blobs = 0, plain = 0;
    for (const auto& [offset, e] : wanted) {
      const std::string what = what_ + ": pack " + pack + ": blob " + BlobIdHex(e.id);
      auto t = by_offset.find(offset);
      if (t == by_offset.end() || !(*t->second == e)) {
        return Status::DataLoss(what + ": the pack's trailer does not list it as the index does");
      }
      ASSIGN_OR_RETURN(std::string p,
                       codec_.Decode(std::string_view(*bytes).substr(
                                         offset, kBlobHeaderSize + size_t{e.stored_length}),
                                     e, what));
      ++blobs;
      plain += static_cast<int64_t>(p.size());
    }
    if (Status s = CheckPackName(*bytes, pack); !s.ok()) return Prefix(what_, s);
    std::lock_guard lock(mu_);
    blobs_checked_ += blobs;
    plain_bytes_ += plain;
    bytes_read_ += static_cast<int64_t>(bytes->size());
    return Status::Ok();
  }

  const V2VerifySpec& spec_;
  const std::string what_;
  const BlobCodec codec_;
  const ContainerIndex& index_;
  PackWants wants_;
  FirstError error_;
  std::mutex mu_;
  int64_t blobs_checked_ = 0;
  int64_t plain_bytes_ = 0;
  int64_t bytes_read_ = 0;
};

}  // namespace

Result<V2VerifyResult> VerifyV2Backup(const V2VerifySpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  if (!spec.store || spec.backup_id.empty()) {
    return Status::InvalidArgument("v2 verify: store and backup id required");
  }
  // Keys first: a wrong master key is refused here, before anything else is read.
  ASSIGN_OR_RETURN(V2Container c, OpenForRead(*spec.store, spec.container, spec.master_key));
  ASSIGN_OR_RETURN(ManifestV2 m, LoadBackupManifestV2(*spec.store, spec.container, spec.backup_id,
                                                      spec.master_key));
  if (m.header.backup_id != spec.backup_id) {
    return Status::DataLoss("backup " + spec.backup_id + ": manifest " +
                            ManifestV2ObjectName(spec.backup_id) + " names backup " +
                            m.header.backup_id);
  }
  auto index = LoadContainerIndex(*spec.store, spec.container, c);
  if (!index.ok()) return Prefix("backup " + spec.backup_id, index.status());
  V2VerifyResult r;
  r.size_bytes = m.header.size_bytes;
  Verifier v(spec, c, *index);
  RETURN_IF_ERROR(v.CollectBlobs(m, r));
  RETURN_IF_ERROR(v.CheckPacks(spec.workers, r));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace bb::v2
