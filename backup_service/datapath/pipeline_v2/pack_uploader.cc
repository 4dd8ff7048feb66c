// PackUploader: fill a pack, hand it to a bounded set of upload threads.
#include "backup_service/datapath/pipeline_v2/pack_uploader.h"

#include <algorithm>

namespace bb::v2 {

PackUploader::PackUploader(ObjectStore& store, std::string container, PackUploaderOptions options,
                           FirstError& error)
    : store_(store),
      container_(std::move(container)),
      options_(options),
      error_(error),
      queue_(static_cast<size_t>(std::max(1, options.max_puts))) {
  for (int i = 0; i < std::max(1, options_.max_puts); ++i) {
    threads_.emplace_back([this] { UploadLoop(); });
  }
}

PackUploader::~PackUploader() {
  queue_.Close();
  for (auto& t : threads_) t.join();
}

Status PackUploader::AcquireSlot() {
  std::unique_lock lock(mu_);
  // One slot per put plus the pack being built.
  slot_free_.wait(lock, [&] { return packs_in_memory_ < options_.max_puts + 1; });
  ++packs_in_memory_;
  peak_packs_ = std::max(peak_packs_, packs_in_memory_);
  return Status::Ok();
}

void PackUploader::ReleaseSlot() {
  std::lock_guard lock(mu_);
  --packs_in_memory_;
  slot_free_.notify_all();
}

Status PackUploader::Add(const EncodedBlob& blob) {
  if (error_.failed()) return error_.status();
  if (!writer_) {
    RETURN_IF_ERROR(AcquireSlot());
    writer_ = std::make_unique<PackWriter>(options_.key_generation);
    // The pack closes at the first blob that reaches the target: one more blob and the trailer
    // (48 B per blob) fit in 1 MiB beyond it for 32 KiB chunks.
    writer_->Reserve(static_cast<size_t>(options_.target_bytes) + (1 << 20));
  }
  RETURN_IF_ERROR(
      writer_->Add(blob.id, blob.type, blob.compression, blob.plain_length, blob.stored));
  if (static_cast<int64_t>(writer_->size()) >= options_.target_bytes) return ClosePack();
  return Status::Ok();
}

Result<FinishedPack> PackUploader::Rearrange(FinishedPack pack) {
  const size_t n = pack.entries.size();
  for (size_t shift = 1; shift < n; ++shift) {
    PackWriter w(options_.key_generation);
    w.Reserve(pack.bytes.size());
    for (size_t i = 0; i < n; ++i) {
      const PackEntry& e = pack.entries[(i + shift) % n];
      std::string_view stored =
          std::string_view(pack.bytes).substr(e.offset + kBlobHeaderSize, e.stored_length);
      RETURN_IF_ERROR(w.Add(e.id, e.type, e.compression, e.plain_length, stored));
    }
    ASSIGN_OR_RETURN(FinishedPack other, w.Finish());
    if (options_.avoid->count(other.hash) == 0) return other;
  }
  return Status::Aborted("pack " + pack.name +
                         " equals one a running collection is deleting; retry the backup once "
                         "the collection is over");
}

Status PackUploader::ClosePack() {
  auto pack = writer_->Finish();
  writer_.reset();
  if (pack.ok() && options_.avoid != nullptr && options_.avoid->count(pack->hash) > 0) {
    pack = Rearrange(std::move(pack).value());
  }
  if (!pack.ok()) {
    ReleaseSlot();
    return pack.status();
  }
  if (!queue_.Push(std::move(pack).value())) {
    ReleaseSlot();
    return Status::Internal("pack upload queue closed");
  }
  return Status::Ok();
}

void PackUploader::UploadLoop() {
  while (auto pack = queue_.Pop()) {
    if (!error_.failed()) {
      Status s = store_.Put(container_, pack->name, pack->bytes);
      if (s.ok()) {
        std::lock_guard lock(mu_);
        done_.packs.push_back(IndexedPack{pack->hash, std::move(pack->entries)});
        done_.stored_bytes += static_cast<int64_t>(pack->bytes.size());
      } else {
        error_.Set(Status(s.code(), "put " + pack->name + ": " + s.message()));
      }
    }
    pack.reset();  // free the bytes before the slot
    ReleaseSlot();
  }
}

Result<UploadedPacks> PackUploader::Finish() {
  if (finished_) return Status::FailedPrecondition("PackUploader::Finish called twice");
  finished_ = true;
  Status s = Status::Ok();
  if (writer_ && writer_->blob_count() > 0 && !error_.failed()) s = ClosePack();
  writer_.reset();
  queue_.Close();
  for (auto& t : threads_) t.join();
  threads_.clear();
  error_.Set(s);
  if (error_.failed()) return error_.status();
  std::lock_guard lock(mu_);
  // Deterministic index content whatever order the puts finished in.
  std::sort(done_.packs.begin(), done_.packs.end(),
            [](const IndexedPack& a, const IndexedPack& b) { return a.pack_hash < b.pack_hash; });
  return std::move(done_);
}

int PackUploader::peak_packs_in_memory() const {
  std::lock_guard lock(mu_);
  return peak_packs_;
}

}  // namespace bb::v2
