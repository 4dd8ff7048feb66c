// RunBackupJob: reader thread -> BoundedQueue -> `workers` threads (hash, compress, encode, put)
// -> per-index results -> manifest (written last). See README.md for the format and commit order.
// Thread-safety: each call owns its threads and state; concurrent jobs share only the store.
#include "backup_service/datapath/backup_job.h"

#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/datapath/bounded_queue.h"
#include "backup_service/datapath/chunk_codec.h"
#include "backup_service/datapath/chunk_store.h"
#include "backup_service/datapath/chunker.h"
#include "backup_service/datapath/compressor.h"
#include "backup_service/datapath/hasher.h"
#include "backup_service/datapath/manifest.h"
#include "backup_service/datapath/volume_reader.h"

namespace bb {
namespace {

Status ValidateSpec(const BackupJobSpec& spec) {
  if (spec.store == nullptr) return Status::InvalidArgument("backup job without a store");
  if (spec.source_path.empty() && spec.source_device == nullptr) {
    return Status::InvalidArgument("backup job without a source");
  }
  if (spec.backup_id.empty() || spec.backup_id.find('/') != std::string::npos) {
    return Status::InvalidArgument("invalid backup id '" + spec.backup_id + "'");
  }
  if (spec.size_bytes < 0) return Status::InvalidArgument("negative backup size");
  if (spec.chunk_size <= 0 || spec.chunk_size > kMaxChunkSize) {
    return Status::InvalidArgument("chunk size " + std::to_string(spec.chunk_size) +
                                   " outside 1.." + std::to_string(kMaxChunkSize));
  }
  if (spec.workers < 1 || spec.workers > 64) {
    return Status::InvalidArgument("workers must be 1..64");
  }
  return ValidateCompressionLevel(spec.compression_level);
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// State shared by the reader and the workers of one job.
class JobState {
 public:
  explicit JobState(const BackupJobSpec& spec) : spec_(spec) {}

  // First error wins; later ones (often consequences of the first) are dropped.
  void Fail(Status s) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = std::move(s);
    failed_ = true;
  }
  bool failed() const { return failed_.load(); }
  Status error() {
    std::lock_guard lock(mu_);
    return error_;
  }
  // True (and the job failed with Cancelled) when the caller asked to stop.
  bool CheckCancelled() {
    if (spec_.cancelled && spec_.cancelled()) {
      Fail(Status::Cancelled("backup " + spec_.backup_id + " cancelled"));
      return true;
    }
    return false;
  }

  // Records a finished chunk at its index and reports progress (serialised by mu_).
  void Done(const ChunkRange& range, ManifestChunk chunk, const ChunkStore::PutResult* put) {
    std::lock_guard lock(mu_);
    if (chunks_.size() <= static_cast<size_t>(range.index)) chunks_.resize(range.index + 1);
    chunks_[range.index] = std::move(chunk);
    ++result_.chunks_total;
    if (put == nullptr) {
      ++result_.chunks_zero;
    } else if (put->is_new) {
      ++result_.chunks_new;
      ++result_.object_count;
      result_.stored_bytes += put->stored_bytes;
    } else {
      ++result_.chunks_reused;
    }
    bytes_done_ += range.length;
    if (spec_.progress) spec_.progress(bytes_done_, spec_.size_bytes);
  }

  // Only after all threads joined.
  BackupJobResult& result() { return result_; }
  std::vector<ManifestChunk>& chunks() { return chunks_; }

 private:
  const BackupJobSpec& spec_;
  std::mutex mu_;
  std::atomic<bool> failed_{false};
  Status error_;                       // guarded by mu_
  std::vector<ManifestChunk> chunks_;  // guarded by mu_, indexed by chunk index
  BackupJobResult result_;             // guarded by mu_
  int64_t bytes_done_ = 0;             // guarded by mu_
};

void ReaderLoop(const BackupJobSpec& spec, VolumeReader& reader, BoundedQueue<VolumeChunk>& queue,
                JobState& state) {
  FixedSizeChunker chunker(spec.size_bytes, spec.chunk_size);
  while (!state.failed() && !state.CheckCancelled()) {
    std::optional<ChunkRange> range = chunker.Next();
    if (!range) break;
    auto chunk = reader.Read(*range);
    if (!chunk.ok()) {
      state.Fail(chunk.status());
      break;
    }
    if (!queue.Push(std::move(chunk).value())) break;  // closed: a worker failed
  }
  queue.Close();  // workers drain what is queued, then exit
}

void WorkerLoop(const BackupJobSpec& spec, ChunkStore& chunks, BoundedQueue<VolumeChunk>& queue,
                JobState& state) {
  while (std::optional<VolumeChunk> chunk = queue.Pop()) {
    // Cancellation is polled by the reader only (CancelFn need not be thread-safe); it fails
    // the job, which every worker sees here before starting its next chunk.
    if (state.failed()) {
      queue.Close();  // unblock the reader; remaining items are discarded
      continue;
    }
    ManifestChunk entry{chunk->range.offset, chunk->range.length, chunk->zero, ""};
    if (chunk->zero) {
      state.Done(chunk->range, std::move(entry), nullptr);
      continue;
    }
    entry.hash = Sha256Hex(chunk->data);
    auto put = chunks.Put(entry.hash, chunk->data, spec.compression_level);
    if (!put.ok()) {
      state.Fail(put.status().WithContext("chunk at offset " + std::to_string(entry.offset)));
      queue.Close();
      continue;
    }
    state.Done(chunk->range, std::move(entry), &*put);
  }
}

}  // namespace

Result<BackupJobResult> RunBackupJob(const BackupJobSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(ValidateSpec(spec));
  RETURN_IF_ERROR(spec.store->EnsureContainer(spec.container));

  // Incremental: the parent's chunks are known to be in this container (the parent's manifest
  // references them, so garbage collection keeps them), so no Exists round trip is needed.
  std::unordered_set<std::string> known;
  if (!spec.parent_manifest_object.empty()) {
    auto parent = LoadManifest(*spec.store, spec.container, spec.parent_manifest_object);
    if (parent.ok()) {
      for (const ManifestChunk& c : parent->chunks) {
        if (!c.zero) known.insert(c.hash);
      }
    } else if (parent.status().code() == StatusCode::kNotFound) {
      // The parent was deleted (and its chunks possibly collected) before this job took the
      // container: its chunks are simply not known, each is checked in the store instead.
      BB_LOG(kWarning) << "backup " << spec.backup_id << ": parent manifest "
                       << spec.parent_manifest_object << " is gone; checking every chunk";
    } else {
      return parent.status().WithContext("parent of backup " + spec.backup_id);
    }
  }
  ChunkStore chunk_store(spec.store, spec.container, std::move(known));
  ASSIGN_OR_RETURN(std::unique_ptr<VolumeReader> reader,
                   spec.source_device != nullptr
                       ? VolumeReader::Open(*spec.source_device, spec.size_bytes)
                       : VolumeReader::Open(spec.source_path, spec.size_bytes));

  JobState state(spec);
  // Two chunks per worker in flight keeps workers busy while the reader is ahead; memory is about
  // (capacity + workers) * chunk_size.
  BoundedQueue<VolumeChunk> queue(static_cast<size_t>(spec.workers) * 2);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { ReaderLoop(spec, *reader, queue, state); });
  for (int i = 0; i < spec.workers; ++i) {
    threads.emplace_back([&] { WorkerLoop(spec, chunk_store, queue, state); });
  }
  for (auto& t : threads) t.join();

  if (!state.failed()) state.CheckCancelled();  // last chance before committing the manifest
  if (state.failed()) {
    Status error = state.error();
    BB_LOG(kWarning) << "backup " << spec.backup_id
                     << " failed, no manifest written: " << error.ToString();
    return error;
  }

  Manifest manifest;
  manifest.backup_id = spec.backup_id;
  manifest.volume_id = spec.volume_id;
  manifest.parent_id = spec.parent_id;
  manifest.created_at_us = NowMicros();
  manifest.size_bytes = spec.size_bytes;
  manifest.chunk_size = spec.chunk_size;
  manifest.compression = spec.compression_level == 0 ? "none" : "zstd";
  manifest.chunks = std::move(state.chunks());
  // Catches a pipeline bug (a lost chunk) before it becomes an unrestorable backup.
  Status valid = ValidateManifest(manifest);
  if (!valid.ok()) return Status::Internal(valid.message());

  BackupJobResult result = state.result();
  result.manifest_object = ManifestObjectName(spec.backup_id);
  std::string text = SerializeManifest(manifest);
  BB_FAILPOINT("create.before_manifest");
  RETURN_IF_ERROR(spec.store->Put(spec.container, result.manifest_object, text)
                      .WithContext("put manifest " + result.manifest_object));
  result.bytes_read = reader->bytes_read();
  result.stored_bytes += static_cast<int64_t>(text.size());
  result.object_count += 1;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace bb
