// Shared pieces of the format v2 pipelines (backup and restore): the first-error-wins slot that
// stops every stage, the progress observer with its meter, and a hash for BlobId keys.
// Thread-safety: FirstError and ProgressMeter are safe to use from any number of threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <unordered_set>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_id.h"

namespace bb::v2 {

// What a progress observer sees: bytes of the volume done (read and handled, or restored) out of
// the total, and the rate so far.
struct PipelineProgress {
  int64_t bytes_done = 0;
  int64_t bytes_total = 0;
  double seconds = 0;
  double MegabytesPerSecond() const { return seconds > 0 ? bytes_done / 1e6 / seconds : 0; }
};

// Called after each unit of work (never concurrently for one job). Feeds the CLI progress bar and
// the backup record once the pipeline is wired into the manager.
using ProgressObserver = std::function<void(const PipelineProgress&)>;

// Counts bytes from several threads and reports to the observer under a mutex, so the observer
// never runs concurrently with itself.
class ProgressMeter {
 public:
  ProgressMeter(int64_t total, ProgressObserver observer)
      : total_(total), observer_(std::move(observer)), start_(std::chrono::steady_clock::now()) {}
  void Add(int64_t bytes) {
    std::lock_guard lock(mu_);
    done_ += bytes;
    if (observer_) observer_(Snapshot());
  }
  PipelineProgress Snapshot() const {
    PipelineProgress p;
    p.bytes_done = done_;
    p.bytes_total = total_;
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return p;
  }

 private:
  const int64_t total_;
  const ProgressObserver observer_;
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  int64_t done_ = 0;
};

// The first error reported by any stage; later ones are dropped (they are usually consequences,
// such as a closed queue). Stages poll failed() between items and stop.
class FirstError {
 public:
  void Set(Status s) {
    if (s.ok()) return;
    std::lock_guard lock(mu_);
    if (!failed_.load()) {
      status_ = std::move(s);
      failed_.store(true);
    }
  }
  bool failed() const { return failed_.load(); }
  Status status() const {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  mutable std::mutex mu_;
  std::atomic<bool> failed_{false};
  Status status_ = Status::Ok();
};

struct BlobIdHash {
  size_t operator()(const BlobId& id) const {
    size_t h;
    std::memcpy(&h, id.data(), sizeof(h));  // ids are uniformly distributed already
    return h;
  }
};

// A set of pack hashes (packs/<h[0:2]>/<h>).
using PackSet = std::unordered_set<BlobId, BlobIdHash>;

}  // namespace bb::v2
