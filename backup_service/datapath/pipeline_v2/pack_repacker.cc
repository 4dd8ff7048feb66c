// RepackBlobs: verified copies of live blobs into new packs (pack_repacker.h).
#include "backup_service/datapath/pipeline_v2/pack_repacker.h"

#include <memory>
#include <optional>

#include "backup_service/common/failpoint.h"
#include "backup_service/datapath/pack_writer.h"

namespace bb::v2 {
namespace {

class Copier {
 public:
  Copier(ObjectStore& store, const std::string& container, const BlobCodec& codec,
         uint32_t key_generation, int64_t pack_target)
      : store_(store),
        container_(container),
        codec_(codec),
        key_generation_(key_generation),
        pack_target_(pack_target) {}

  Status CopyFrom(const IndexedPack& source, IdSet& wanted, RepackResult& out) {
    const std::string name = PackObjectNameOf(source.pack_hash);
    std::optional<std::string> whole;  // only when the store has no ranged reads
    for (const PackEntry& e : source.entries) {
      if (wanted.count(e.id) == 0) continue;
      const std::string what =
          "container " + container_ + ": repack of " + name + ": blob " + BlobIdHex(e.id);
      std::string blob;
      auto got = whole ? Result<std::string>(Status::Unimplemented(""))
                       : store_.GetRange(container_, name, e.offset, BlobBytes(e));
      if (got.ok()) {
        blob = std::move(got).value();
      } else if (got.status().code() == StatusCode::kUnimplemented) {
        if (!whole) {
          ASSIGN_OR_RETURN(whole, store_.Get(container_, name));
        }
        if (uint64_t{e.offset} + BlobBytes(e) > whole->size()) {
          return Status::DataLoss(what + ": lies outside the pack");
        }
        blob = whole->substr(e.offset, BlobBytes(e));
      } else {
        return got.status().WithContext(what);
      }
      // Verified as a restore would verify it; the plaintext itself is not needed.
      RETURN_IF_ERROR(codec_.Decode(blob, e, what).status());
      RETURN_IF_ERROR(Append(e, std::string_view(blob).substr(kBlobHeaderSize), out));
      wanted.erase(e.id);
      ++out.blobs_copied;
    }
    return Status::Ok();
  }

  // The last, possibly short, pack.
  Status Flush(RepackResult& out) {
    if (!writer_ || writer_->blob_count() == 0) return Status::Ok();
    ASSIGN_OR_RETURN(FinishedPack p, writer_->Finish());
    writer_.reset();
    RETURN_IF_ERROR(store_.Put(container_, p.name, p.bytes).WithContext("repack: put " + p.name));
    out.bytes_written += static_cast<int64_t>(p.bytes.size());
    out.packs.push_back(IndexedPack{p.hash, std::move(p.entries)});
    // One new pack durable, the index naming it not written yet (crash tests).
    return failpoint::Hit("gc.after_repacked_pack");
  }

 private:
  Status Append(const PackEntry& e, std::string_view stored, RepackResult& out) {
    if (writer_ && writer_->size() + BlobBytes(e) > static_cast<uint64_t>(pack_target_)) {
      RETURN_IF_ERROR(Flush(out));
    }
    if (!writer_) {
      writer_ = std::make_unique<PackWriter>(key_generation_);
      writer_->Reserve(static_cast<size_t>(pack_target_) + (1 << 20));
    }
    return writer_->Add(e.id, e.type, e.compression, e.plain_length, stored);
  }

  ObjectStore& store_;
  const std::string& container_;
  const BlobCodec& codec_;
  const uint32_t key_generation_;
  const int64_t pack_target_;
  std::unique_ptr<PackWriter> writer_;
};

}  // namespace

Result<RepackResult> RepackBlobs(ObjectStore& store, const std::string& container,
                                 const BlobCodec& codec, uint32_t key_generation,
                                 int64_t pack_target,
                                 const std::vector<const IndexedPack*>& sources, IdSet wanted) {
  RepackResult out;
  Copier copier(store, container, codec, key_generation, pack_target);
  for (const IndexedPack* p : sources) RETURN_IF_ERROR(copier.CopyFrom(*p, wanted, out));
  RETURN_IF_ERROR(copier.Flush(out));
  return out;
}

}  // namespace bb::v2
