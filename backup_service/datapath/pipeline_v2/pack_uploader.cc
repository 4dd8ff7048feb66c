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

Status PackUploader::ClosePack() {
  auto pack = writer_->Finish();
  writer_.reset();
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
