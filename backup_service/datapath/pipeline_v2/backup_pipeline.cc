// RunV2Backup: threads and queues around the stages; the stages do the work.
#include "backup_service/datapath/pipeline_v2/backup_pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "backup_service/common/failpoint.h"
#include "backup_service/datapath/bounded_queue.h"
#include "backup_service/datapath/chunk_list.h"
#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/pipeline_v2/blob_codec.h"
#include "backup_service/datapath/pipeline_v2/changed_reads.h"
#include "backup_service/datapath/pipeline_v2/chunk_reader.h"
#include "backup_service/datapath/pipeline_v2/condemned_list.h"
#include "backup_service/datapath/pipeline_v2/pack_uploader.h"
#include "backup_service/datapath/pipeline_v2/parent_chunks.h"
#include "backup_service/datapath/pipeline_v2/segment_assembler.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"

namespace bb::v2 {
namespace {

// Ids stored in the container or claimed by this job: a blob is encoded and uploaded only by
// the worker that claims it first.
class DedupSet {
 public:
  explicit DedupSet(const ContainerIndex& known) {
    ids_.reserve(known.size());
    for (const auto& [id, loc] : known) ids_.insert(id);
  }
  bool Claim(const BlobId& id) {
    std::lock_guard lock(mu_);
    return ids_.insert(id).second;
  }

 private:
  std::mutex mu_;
  std::unordered_set<BlobId, BlobIdHash> ids_;
};

class Job {
 public:
  Job(const V2BackupSpec& spec, const V2Container& c, const ContainerIndex& known,
      const PackSet& condemned, const ParentChunks* parent, std::vector<ChunkSpan> changed)
      : spec_(spec),
        parent_(parent),
        changed_(std::move(changed)),
        codec_(CompressionSetting{spec.compression, spec.compression_level}, c.keys),
        dedup_(known),
        chunk_count_(ChunkCount(spec.source->Size(), spec.chunk_size)),
        assembler_(chunk_count_, kChunksPerList),
        meter_(spec.source->Size(), spec.progress),
        batches_(spec.read_queue),
        blobs_(spec.blob_queue),
        uploader_(
            *spec.store, spec.container,
            PackUploaderOptions{spec.pack_target, spec.max_puts, c.key_generation, &condemned},
            error_) {}

  Result<UploadedPacks> Run(V2BackupResult& r) {
    ASSIGN_OR_RETURN(auto reader, ChunkReader::Create(*spec_.source, spec_.chunk_size,
                                                      spec_.read_size, kChunksPerList));
    std::thread read_thread([&] { ReadLoop(*reader); });
    std::vector<std::thread> workers;
    for (int i = 0; i < std::max(1, spec_.workers); ++i) workers.emplace_back([&] { WorkLoop(); });
    std::thread packer([&] { PackLoop(); });
    read_thread.join();
    for (auto& w : workers) w.join();
    blobs_.Close();
    packer.join();
    auto packs = uploader_.Finish();
    r.bytes_read = reader->bytes_read();
    r.reads = reads_;
    r.chunks_total = chunk_count_;
    r.chunks_zero = zero_;
    r.chunks_new = new_;
    r.chunks_reused = reused_;
    r.chunks_carried = carried_;
    r.stats.peak_batch_bytes = peak_batch_bytes_;
    r.stats.peak_open_segments = assembler_.peak_open_segments();
    r.stats.peak_packs_in_memory = uploader_.peak_packs_in_memory();
    if (error_.failed()) return error_.status();
    return packs;
  }

  const SegmentAssembler& assembler() const { return assembler_; }

 private:
  void Fail(Status s) {
    error_.Set(std::move(s));
    batches_.Close();
    blobs_.Close();
  }
  bool Stopping() {
    if (!error_.failed() && spec_.cancelled && spec_.cancelled()) {
      Fail(Status::Cancelled("backup " + spec_.header.backup_id + " cancelled"));
    }
    return error_.failed();
  }

  void ReadLoop(ChunkReader& reader) {
    if (parent_ != nullptr) {
      CarryLoop(reader);
    } else {
      while (!Stopping()) {
        auto next = reader.Next();
        if (!next.ok()) return Fail(next.status());
        if (!next->has_value()) break;
        if (!(*next)->hole) ++reads_;
        if (!PushBatch(std::move(**next))) break;
      }
    }
    batches_.Close();
  }

  bool PushBatch(ChunkBatch b) {
    const int64_t held = batch_bytes_.fetch_add(b.memory_bytes()) + b.memory_bytes();
    int64_t peak = peak_batch_bytes_.load();
    while (held > peak && !peak_batch_bytes_.compare_exchange_weak(peak, held)) {
    }
    return batches_.Push(std::move(b));
  }

  // The changed-extent path, segment by segment in volume order: a segment without a changed
  // chunk is the parent's entry as it is; in the others the unchanged chunks get the parent's
  // refs and the changed ones are read and go to the workers like any chunk. The reads are
  // planned up front (PlanChangedReads: nearby changed chunks joined, within segments) and
  // announced to the device ahead of the reader (ReadAhead), so the scattered reads of a
  // snapshot that is not in the page cache overlap instead of waiting one at a time.
  void CarryLoop(ChunkReader& reader) {
    const int64_t chunk = spec_.chunk_size;
    const int64_t size = spec_.source->Size();
    const std::vector<ChunkSpan> reads =
        PlanChangedReads(changed_, chunk_count_,
                         {kChunksPerList, spec_.read_size / chunk, spec_.changed_gap_chunks});
    ReadAhead ahead(*spec_.source, reads, chunk, size, spec_.changed_read_ahead);
    size_t next = 0;       // first changed span not before this segment
    size_t next_read = 0;  // first planned read not done
    for (int64_t seg = 0; seg < assembler_.segment_count() && !Stopping(); ++seg) {
      const int64_t first = seg * kChunksPerList;
      const int64_t end = std::min(chunk_count_, first + kChunksPerList);
      while (next < changed_.size() && changed_[next].end <= first) ++next;
      std::vector<ChunkSpan> here;
      for (size_t k = next; k < changed_.size() && changed_[k].first < end; ++k) {
        here.push_back({std::max(first, changed_[k].first), std::min(end, changed_[k].end)});
      }
      if (here.empty()) {
        assembler_.SetSegment(seg, parent_->Segment(seg));
        carried_ += end - first;
        meter_.Add(std::min(end * chunk, size) - first * chunk);
        continue;
      }
      // The device fetches this segment's changed chunks while the parent's list is read.
      if (next_read < reads.size()) ahead.Before(next_read);
      auto refs = parent_->Refs(seg, static_cast<uint32_t>(end - first));
      if (!refs.ok()) return Fail(refs.status());
      int64_t index = first;
      for (const ChunkSpan& s : here) {
        for (; index < s.first; ++index) {
          if (Status st = Carry(index, (*refs)[static_cast<size_t>(index - first)]); !st.ok()) {
            return Fail(std::move(st));
          }
        }
        index = s.end;
      }
      for (; index < end; ++index) {
        if (Status st = Carry(index, (*refs)[static_cast<size_t>(index - first)]); !st.ok()) {
          return Fail(std::move(st));
        }
      }
      for (; next_read < reads.size() && reads[next_read].first < end; ++next_read) {
        if (Stopping()) return;
        const ChunkSpan& r = reads[next_read];
        ahead.Before(next_read);
        auto b = reader.ReadSpan(r.first * chunk, std::min(r.end * chunk, size) - r.first * chunk);
        if (!b.ok()) return Fail(b.status());
        ++reads_;
        MarkJoinedGaps(*b, here);
        if (!PushBatch(std::move(b).value())) return;
      }
    }
  }

  // The chunks of `b` outside `changed` were read only to join two changed ones: skipped.
  static void MarkJoinedGaps(ChunkBatch& b, const std::vector<ChunkSpan>& changed) {
    const int64_t b_end = b.first_index + static_cast<int64_t>(b.chunk_count());
    std::vector<uint8_t> skip(b.chunk_count(), 1);
    for (const ChunkSpan& s : changed) {
      for (int64_t c = std::max(s.first, b.first_index); c < std::min(s.end, b_end); ++c) {
        skip[static_cast<size_t>(c - b.first_index)] = 0;
      }
    }
    if (std::find(skip.begin(), skip.end(), 1) != skip.end()) b.skip = std::move(skip);
  }

  Status Carry(int64_t index, const ChunkRef& ref) {
    ++carried_;
    ASSIGN_OR_RETURN(auto segment, assembler_.Add(index, ref));
    if (segment) RETURN_IF_ERROR(DoSegment(*segment));
    meter_.Add(ChunkLength(spec_.source->Size(), spec_.chunk_size, index));
    return Status::Ok();
  }

  void WorkLoop() {
    while (auto b = batches_.Pop()) {
      for (size_t i = 0; i < b->chunk_count() && !Stopping(); ++i) {
        if (!b->skip.empty() && b->skip[i]) continue;  // a joined gap: the parent's chunk
        Status s = DoChunk(*b, i);
        if (!s.ok()) Fail(std::move(s));
      }
      batch_bytes_ -= b->memory_bytes();
    }
  }

  Status DoChunk(const ChunkBatch& b, size_t i) {
    const int64_t index = b.first_index + static_cast<int64_t>(i);
    ChunkRef ref;
    if (b.zero[i]) {
      ref.zero = true;
      ++zero_;
    } else {
      std::string_view plain = b.Chunk(spec_.chunk_size, i);
      ref.id = codec_.IdOf(plain);
      if (dedup_.Claim(ref.id)) {
        ASSIGN_OR_RETURN(EncodedBlob blob, codec_.Encode(ref.id, BlobType::kData, plain));
        if (!blobs_.Push(std::move(blob))) return error_.status();
        ++new_;
      } else {
        ++reused_;
      }
    }
    ASSIGN_OR_RETURN(auto segment, assembler_.Add(index, ref));
    if (segment) RETURN_IF_ERROR(DoSegment(*segment));
    meter_.Add(ChunkLength(spec_.source->Size(), spec_.chunk_size, index));
    return Status::Ok();
  }

  // A complete segment becomes a chunk-list blob (stored once however many backups share it),
  // or a zero segment in the manifest.
  Status DoSegment(const CompleteSegment& seg) {
    if (seg.all_zero()) {
      assembler_.SetSegment(seg.index, ManifestSegment{true, 1, {}});
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(std::string list, EncodeChunkList(seg.chunks));
    const BlobId id = codec_.IdOf(list);
    if (dedup_.Claim(id)) {
      ASSIGN_OR_RETURN(EncodedBlob blob, codec_.Encode(id, BlobType::kChunkList, list));
      if (!blobs_.Push(std::move(blob))) return error_.status();
    }
    assembler_.SetSegment(seg.index, ManifestSegment{false, 0, id});
    return Status::Ok();
  }

  void PackLoop() {
    while (auto blob = blobs_.Pop()) {
      if (error_.failed()) continue;  // drain so that no worker stays blocked
      Status s = uploader_.Add(*blob);
      if (!s.ok()) Fail(std::move(s));
    }
  }

  const V2BackupSpec& spec_;
  const ParentChunks* const parent_;      // null: every chunk is read
  const std::vector<ChunkSpan> changed_;  // chunks that may differ from the parent
  const BlobCodec codec_;
  DedupSet dedup_;
  const int64_t chunk_count_;
  SegmentAssembler assembler_;
  ProgressMeter meter_;
  FirstError error_;
  BoundedQueue<ChunkBatch> batches_;
  BoundedQueue<EncodedBlob> blobs_;
  PackUploader uploader_;
  std::atomic<int64_t> batch_bytes_{0}, peak_batch_bytes_{0};
  std::atomic<int64_t> zero_{0}, new_{0}, reused_{0}, carried_{0};
  int64_t reads_ = 0;  // reader thread only
};

Status CheckSpec(const V2BackupSpec& s) {
  if (!s.source || !s.store || s.container.empty() || s.header.backup_id.empty()) {
    return Status::InvalidArgument("v2 backup: source, store, container and backup id required");
  }
  if (s.workers < 1 || s.max_puts < 1 || s.pack_target < (1 << 20)) {
    return Status::InvalidArgument("v2 backup: workers, max_puts >= 1, pack target >= 1 MiB");
  }
  if (s.changed_gap_chunks < 0 || s.changed_read_ahead < 0) {
    return Status::InvalidArgument("v2 backup: changed-extent gap and read-ahead must be >= 0");
  }
  return ValidateCompressionSetting({s.compression, s.compression_level});
}

}  // namespace

Result<V2BackupResult> RunV2Backup(const V2BackupSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(CheckSpec(spec));
  V2ContainerConfig wanted{spec.chunk_size, spec.encrypt, spec.pack_target};
  // Keys first: a wrong master key stops the job before it reads the volume.
  ASSIGN_OR_RETURN(V2Container c,
                   OpenForBackup(*spec.store, spec.container, wanted, spec.master_key));
  // The caller holds the container shared, so the collector's condemned lists are complete:
  // blobs in packs it is about to delete or repack count as absent and are stored again.
  ASSIGN_OR_RETURN(CondemnedPacks condemned,
                   LoadCondemnedPacks(*spec.store, spec.container, BlobCodec(c.keys)));
  ASSIGN_OR_RETURN(ContainerIndex known,
                   LoadContainerIndex(*spec.store, spec.container, c, &condemned.packs));

  V2BackupResult r;
  r.stats.known_ids = known.size();
  // Changed extents: the parent's manifest and where its touched chunk lists are, before the
  // index is dropped. Any problem with the parent only costs reading everything.
  std::optional<ParentChunks> parent;
  std::vector<ChunkSpan> changed;
  if (spec.changed) {
    changed = ChangedChunkSpans(*spec.changed, spec.chunk_size, spec.source->Size());
    auto loaded = spec.parent_id.empty()
                      ? Result<ParentChunks>(Status::InvalidArgument("no parent backup given"))
                      : ParentChunks::Load(*spec.store, spec.container, c, known, spec.parent_id,
                                           spec.source->Size(), spec.chunk_size, changed);
    if (loaded.ok()) {
      parent.emplace(std::move(loaded).value());
      r.carried_over = true;
    } else {
      r.carry_fallback = loaded.status().ToString();
      changed.clear();
    }
  }
  r.stats.condemned_packs = condemned.packs.size();
  Job job(spec, c, known, condemned.packs, parent ? &*parent : nullptr, std::move(changed));
  known.clear();
  ASSIGN_OR_RETURN(UploadedPacks packs, job.Run(r));
  r.packs = static_cast<int64_t>(packs.packs.size());
  r.stored_bytes = packs.stored_bytes;
  r.object_count = r.packs;
  const BlobCodec codec(c.keys);

  // Every pack is durable: the index that names them, then the manifest that needs them.
  if (!packs.packs.empty()) {
    ASSIGN_OR_RETURN(std::string index,
                     codec.SealObject(EncodeIndexObject(packs.packs), kIndexAad));
    r.index_object = IndexObjectName(index);
    RETURN_IF_ERROR(spec.store->Put(spec.container, r.index_object, index));
    r.stored_bytes += static_cast<int64_t>(index.size());
    r.object_count += 1;
  }
  // Every pack and the index are durable; the manifest is not written yet (crash tests).
  BB_FAILPOINT("create.before_manifest");
  ManifestV2 m;
  m.header = spec.header;
  m.header.size_bytes = spec.source->Size();
  m.header.chunk_size = spec.chunk_size;
  m.header.chunk_id = c.keys ? "hmac-sha256" : "sha256";
  m.header.compression =
      CompressionName(CompressionSetting{spec.compression, spec.compression_level}.Effective());
  m.header.key_generation = c.key_generation;
  m.header.object_count = r.object_count + 1;
  m.header.stored_bytes = r.stored_bytes;
  ASSIGN_OR_RETURN(m.segments, job.assembler().ManifestSegments());
  ASSIGN_OR_RETURN(std::string plain, EncodeManifestV2(m));
  r.manifest_object = ManifestV2ObjectName(spec.header.backup_id);
  ASSIGN_OR_RETURN(std::string manifest, codec.SealObject(plain, r.manifest_object));
  RETURN_IF_ERROR(spec.store->Put(spec.container, r.manifest_object, manifest));
  r.stored_bytes += static_cast<int64_t>(manifest.size());
  r.object_count += 1;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace bb::v2
