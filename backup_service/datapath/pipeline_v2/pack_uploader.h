// PackUploader: the pack builder and uploader stages of the v2 backup pipeline. Blobs are
// appended to a PackWriter until the pack reaches its target size (32 MiB by default); the pack
// is then finished and handed to one of `max_puts` upload threads, each doing one ObjectStore
// Put at a time. At most max_puts + 1 packs are in memory (the one being built and one per put):
// Add blocks until a put finishes. Packs are buffered whole until the store has a streaming
// writer (README.md "Pack").
// A failed put is reported to the job's FirstError; later packs are dropped, not uploaded.
// Thread-safety: Add and Finish are called by one thread (the packer); the upload threads are
// internal.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backup_service/datapath/bounded_queue.h"
#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/pack_writer.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/pipeline_common.h"
#include "backup_service/object_stores/object_store.h"

namespace bb::v2 {

inline constexpr int64_t kDefaultPackTarget = 32 << 20;

struct PackUploaderOptions {
  int64_t target_bytes = kDefaultPackTarget;
  int max_puts = 2;
  uint32_t key_generation = 0;  // 0: unencrypted container
  // Packs a running collector condemned (gc/*.condemned): a finished pack whose bytes, hence
  // name, equal one of them would be deleted under the backup. Its blobs are then laid out in
  // another order (another name); a one-blob pack cannot be, and the job fails with Aborted
  // (retry once the collection is over). Not owned; may be null.
  const PackSet* avoid = nullptr;
};

struct UploadedPacks {
  std::vector<IndexedPack> packs;  // for the backup's index object
  int64_t stored_bytes = 0;        // sum of the pack objects' sizes
};

class PackUploader {
 public:
  PackUploader(ObjectStore& store, std::string container, PackUploaderOptions options,
               FirstError& error);
  ~PackUploader();  // joins the upload threads (Finish should have been called)
  PackUploader(const PackUploader&) = delete;
  PackUploader& operator=(const PackUploader&) = delete;

  // Appends a blob; starts a put when the pack is full. Returns the job's first error once the
  // job has failed (the blob is dropped).
  Status Add(const EncodedBlob& blob);

  // Uploads the last, partly filled pack, waits for every put. The packs are durable when this
  // returns OK (each Put is). The job's first error otherwise.
  Result<UploadedPacks> Finish();

  // Most packs held in memory at once so far (<= max_puts + 1).
  int peak_packs_in_memory() const;

 private:
  Status AcquireSlot();
  void ReleaseSlot();
  Status ClosePack();
  // `pack` again with its blobs rotated until its name is not in options_.avoid.
  Result<FinishedPack> Rearrange(FinishedPack pack);
  void UploadLoop();

  ObjectStore& store_;
  const std::string container_;
  const PackUploaderOptions options_;
  FirstError& error_;
  std::unique_ptr<PackWriter> writer_;
  BoundedQueue<FinishedPack> queue_;
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::condition_variable slot_free_;
  int packs_in_memory_ = 0;
  int peak_packs_ = 0;
  UploadedPacks done_;
  bool finished_ = false;
};

}  // namespace bb::v2
