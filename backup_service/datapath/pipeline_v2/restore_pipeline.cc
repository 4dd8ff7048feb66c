// RunV2Restore: dispatcher, decoding workers, in-order writer.
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "backup_service/datapath/bounded_queue.h"
#include "backup_service/datapath/chunk_list.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/pack_cache.h"
#include "backup_service/datapath/pipeline_v2/reloading_index.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"

namespace bb::v2 {
namespace {

struct WorkItem {
  int64_t seq = 0;  // write order
  int64_t offset = 0;
  int64_t length = 0;
  ChunkRef ref;
};

struct Decoded {
  int64_t offset = 0;
  std::string data;
};

Status Prefix(const std::string& what, const Status& s) {
  return Status(s.code(), what + ": " + s.message());
}

class Job {
 public:
  Job(const V2RestoreSpec& spec, const ManifestV2& m, const V2Container& c, ContainerIndex index)
      : spec_(spec),
        what_("backup " + spec.backup_id),
        m_(m),
        codec_(c.keys),
        index_(*spec.store, spec.container, c, std::move(index)),
        cache_(*spec.store, spec.container, spec.pack_cache, what_),
        meter_(m.header.size_bytes, spec.progress),
        ranged_(spec.ranged_reads),
        work_(spec.work_queue) {}

  Status Run(V2RestoreResult& r) {
    std::vector<std::thread> workers;
    for (int i = 0; i < std::max(1, spec_.workers); ++i) workers.emplace_back([&] { WorkLoop(); });
    std::thread writer([&] { WriteLoop(); });
    Dispatch(r);
    work_.Close();
    for (auto& w : workers) w.join();
    {
      std::lock_guard lock(mu_);
      dispatch_done_ = true;
      changed_.notify_all();
    }
    writer.join();
    r.packs_fetched = cache_.fetches();
    r.ranged_reads = ranged_reads_;
    r.index_reloads = index_.reloads();
    r.peak_window = peak_window_;
    r.bytes_written = bytes_written_;
    if (error_.failed()) return error_.status();
    Status s = spec_.target->Flush();  // the only flush: the whole volume at once
    if (!s.ok()) return Prefix(what_ + ": flush " + spec_.target->Describe(), s);
    return Status::Ok();
  }

 private:
  void Fail(Status s) {
    error_.Set(std::move(s));
    work_.Close();
    std::lock_guard lock(mu_);
    changed_.notify_all();
  }
  bool Stopping() {
    if (!error_.failed() && spec_.cancelled && spec_.cancelled()) {
      Fail(Status::Cancelled(what_ + ": restore cancelled"));
    }
    return error_.failed();
  }

  // The verified plaintext of blob `id`. A pack gone (a collector repacked the blob meanwhile)
  // or a blob in no index: the index is reloaded and the read tried again, a few times.
  Result<std::string> ReadBlob(const BlobId& id) {
    for (int attempt = 0;; ++attempt) {
      uint64_t generation = 0;
      std::optional<BlobLocation> loc = index_.Find(id, &generation);
      const bool may_reload = attempt < kMaxReloads;
      if (!loc) {
        if (may_reload && index_.Reload(generation).ok()) continue;
        return Status::DataLoss(what_ + ": blob " + BlobIdHex(id) + " is in no index object");
      }
      auto got = ReadFrom(id, *loc);
      if (got.ok() || got.status().code() != StatusCode::kNotFound) return got;
      if (may_reload) {
        Status reloaded = index_.Reload(generation);
        if (!reloaded.ok()) return Prefix(what_ + ": reloading the index", reloaded);
        continue;
      }
      return Status::DataLoss(what_ + ": pack " + PackObjectNameOf(loc->pack_hash) +
                              " named by the index is missing");
    }
  }

  // NotFound when the pack is gone; any damage DataLoss.
  Result<std::string> ReadFrom(const BlobId& id, const BlobLocation& loc) {
    const PackEntry& e = loc.entry;
    const std::string pack_name = PackObjectNameOf(loc.pack_hash);
    const std::string what = what_ + ": pack " + pack_name + ": blob " + BlobIdHex(id);
    if (ranged_.load()) {
      // One ranged read per blob: no pack is held in memory, and an incremental's restore reads
      // only the blobs it needs from old packs.
      auto got = spec_.store->GetRange(spec_.container, pack_name, e.offset,
                                       int64_t{kBlobHeaderSize} + e.stored_length);
      if (got.ok()) {
        ++ranged_reads_;
        return codec_.Decode(*got, e, what);
      }
      switch (got.status().code()) {
        case StatusCode::kUnimplemented:
          ranged_ = false;  // this store cannot: whole packs through the cache from now on
          break;
        case StatusCode::kNotFound:
          return got.status();
        case StatusCode::kOutOfRange:
          return Status::DataLoss(what + ": the pack is shorter than the index says (truncated)");
        default:
          return Prefix(what, got.status());
      }
    }
    ASSIGN_OR_RETURN(auto pack, cache_.Get(loc.pack_hash));
    if (uint64_t{e.offset} + kBlobHeaderSize + e.stored_length > pack->size()) {
      return Status::DataLoss(what + ": lies outside the pack");
    }
    return codec_.Decode(
        std::string_view(*pack).substr(e.offset, kBlobHeaderSize + e.stored_length), e, what);
  }

  void Dispatch(V2RestoreResult& r) {
    const ManifestV2Header& h = m_.header;
    int64_t chunk = 0, seq = 0, segment = 0;
    for (const ManifestSegment& seg : m_.segments) {
      if (Stopping()) return;
      int64_t count = 0;
      std::vector<ChunkRef> refs;
      if (seg.zero) {
        for (uint32_t z = 0; z < seg.zero_count; ++z) count += ChunksInSegment(h, segment++);
      } else {
        const std::string what = what_ + ": chunk list " + BlobIdHex(seg.list_id);
        auto list = ReadBlob(seg.list_id);
        if (!list.ok()) return Fail(list.status());
        auto decoded = DecodeChunkList(*list, what);
        if (!decoded.ok()) return Fail(decoded.status());
        refs = std::move(decoded).value();
        count = static_cast<int64_t>(refs.size());
        // A list of the wrong length would shift every later chunk: refuse it.
        if (count != ChunksInSegment(h, segment)) {
          return Fail(Status::DataLoss(what + " has " + std::to_string(count) +
                                       " chunks; segment " + std::to_string(segment) + " needs " +
                                       std::to_string(ChunksInSegment(h, segment))));
        }
        ++segment;
      }
      if (seg.zero && spec_.target_is_zeroed) {  // a zero run on a zero target: all holes
        const int64_t bytes = std::min(count * h.chunk_size, h.size_bytes - chunk * h.chunk_size);
        r.chunks += count;
        r.chunks_zero += count;
        chunk += count;
        meter_.Add(bytes);
        continue;
      }
      for (int64_t i = 0; i < count && chunk * h.chunk_size < h.size_bytes; ++i, ++chunk) {
        WorkItem w;
        w.offset = chunk * h.chunk_size;
        w.length = std::min(h.chunk_size, h.size_bytes - w.offset);
        w.ref = seg.zero ? ChunkRef{true, {}} : refs[static_cast<size_t>(i)];
        ++r.chunks;
        if (w.ref.zero) ++r.chunks_zero;
        if (w.ref.zero && spec_.target_is_zeroed) {  // stays a hole
          meter_.Add(w.length);
          continue;
        }
        if (Stopping()) return;
        w.seq = seq++;
        if (!work_.Push(w)) return;
      }
    }
    std::lock_guard lock(mu_);
    total_seq_ = seq;
  }

  void WorkLoop() {
    while (auto w = work_.Pop()) {
      if (Stopping()) continue;
      Decoded d;
      d.offset = w->offset;
      if (w->ref.zero) {
        d.data.assign(static_cast<size_t>(w->length), '\0');
      } else {
        auto plain = ReadBlob(w->ref.id);
        if (!plain.ok()) {
          Fail(plain.status());
          continue;
        }
        if (static_cast<int64_t>(plain->size()) != w->length) {
          Fail(Status::DataLoss(what_ + ": blob " + BlobIdHex(w->ref.id) + " holds " +
                                std::to_string(plain->size()) + " bytes at offset " +
                                std::to_string(w->offset) + ", the volume needs " +
                                std::to_string(w->length)));
          continue;
        }
        d.data = std::move(plain).value();
      }
      std::unique_lock lock(mu_);
      // Bounded reorder window: wait until this chunk is close enough to be written.
      changed_.wait(lock, [&] {
        return error_.failed() || w->seq < next_write_ + static_cast<int64_t>(spec_.write_window);
      });
      if (error_.failed()) continue;
      window_.emplace(w->seq, std::move(d));
      peak_window_ = std::max(peak_window_, window_.size());
      changed_.notify_all();
    }
  }

  void WriteLoop() {
    for (;;) {
      Decoded d;
      {
        std::unique_lock lock(mu_);
        changed_.wait(lock, [&] {
          return error_.failed() || window_.count(next_write_) ||
                 (dispatch_done_ && (total_seq_ < 0 || next_write_ >= total_seq_));
        });
        if (error_.failed() || !window_.count(next_write_)) return;
        auto it = window_.find(next_write_);
        d = std::move(it->second);
        window_.erase(it);
      }
      Status s = spec_.target->WriteAt(d.offset, {d.data.data(), d.data.size()});
      if (!s.ok()) return Fail(Prefix(what_ + ": write " + spec_.target->Describe(), s));
      meter_.Add(static_cast<int64_t>(d.data.size()));
      std::lock_guard lock(mu_);
      bytes_written_ += static_cast<int64_t>(d.data.size());
      ++next_write_;
      changed_.notify_all();
    }
  }

  const V2RestoreSpec& spec_;
  const std::string what_;
  const ManifestV2& m_;
  const BlobCodec codec_;
  static constexpr int kMaxReloads = 3;
  ReloadingIndex index_;
  PackCache cache_;
  ProgressMeter meter_;
  std::atomic<bool> ranged_;
  std::atomic<int64_t> ranged_reads_{0};
  FirstError error_;
  BoundedQueue<WorkItem> work_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<int64_t, Decoded> window_;
  size_t peak_window_ = 0;
  int64_t next_write_ = 0;
  int64_t total_seq_ = -1;
  bool dispatch_done_ = false;
  int64_t bytes_written_ = 0;
};

Result<ManifestV2> ReadManifest(ObjectStore& store, const std::string& container,
                                const std::string& backup_id, const V2Container& c,
                                bool check_id = true) {
  const std::string name = ManifestV2ObjectName(backup_id);
  const std::string what = "backup " + backup_id + ": manifest " + name;
  auto stored = store.Get(container, name);
  if (!stored.ok()) return Prefix("backup " + backup_id, stored.status());
  const BlobCodec codec(c.keys);
  ASSIGN_OR_RETURN(std::string plain, codec.OpenObject(*stored, name, what));
  auto m = DecodeManifestV2(plain, name);
  if (!m.ok()) return Prefix("backup " + backup_id, m.status());
  if (check_id && m->header.backup_id != backup_id) {
    return Status::DataLoss(what + " names backup " + m->header.backup_id);
  }
  return m;
}

}  // namespace

Result<ManifestV2> LoadBackupManifestV2(ObjectStore& store, const std::string& container,
                                        const std::string& backup_id,
                                        const std::optional<Key256>& master) {
  ASSIGN_OR_RETURN(V2Container c, OpenForRead(store, container, master));
  return ReadManifest(store, container, backup_id, c, /*check_id=*/false);
}

Result<V2RestoreResult> RunV2Restore(const V2RestoreSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  if (!spec.store || !spec.target || spec.backup_id.empty() || spec.workers < 1) {
    return Status::InvalidArgument("v2 restore: store, target, backup id and workers required");
  }
  // Keys before anything else: a wrong master key fails here, with nothing written.
  ASSIGN_OR_RETURN(V2Container c, OpenForRead(*spec.store, spec.container, spec.master_key));
  ASSIGN_OR_RETURN(ManifestV2 m, ReadManifest(*spec.store, spec.container, spec.backup_id, c));
  if (spec.target->Size() < m.header.size_bytes ||
      m.header.chunk_size % spec.target->BlockSize() != 0) {
    return Status::InvalidArgument("backup " + spec.backup_id + " (" +
                                   std::to_string(m.header.size_bytes) + " bytes) does not fit " +
                                   spec.target->Describe());
  }
  auto index = LoadContainerIndex(*spec.store, spec.container, c);
  if (!index.ok()) return Prefix("backup " + spec.backup_id, index.status());
  V2RestoreResult r;
  r.bytes_total = m.header.size_bytes;
  Job job(spec, m, c, std::move(index).value());
  RETURN_IF_ERROR(job.Run(r));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace bb::v2
