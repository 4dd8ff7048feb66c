// The manager's calls into format v2 (backup_service/datapath/README.md "Format v2", "Pipeline
// v2"): a backup with RunV2Backup, a restore with RunV2Restore, the master-key check a request
// makes before it changes anything, and the per-format collection of a container. The flows in
// create_backup.cc, restore_backup.cc and delete_backup.cc dispatch here on the backup's recorded
// storage format and never on the configuration.
#include <algorithm>
#include <mutex>

#include "backup_service/common/log.h"
#include "backup_service/datapath/pipeline_v2/backup_pipeline.h"
#include "backup_service/datapath/pipeline_v2/pack_collector.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {
namespace {

// The first `size` bytes of a device: a backup covers the volume's size, even when the device
// it reads (an export, a snapshot) is a little larger.
class PrefixDevice : public BlockDevice {
 public:
  PrefixDevice(BlockDevice& inner, int64_t size) : inner_(inner), size_(size) {}
  int64_t Size() const override { return size_; }
  int64_t BlockSize() const override { return inner_.BlockSize(); }
  Status ReadAt(int64_t offset, std::span<char> out) override { return inner_.ReadAt(offset, out); }
  Status WriteAt(int64_t offset, std::span<const char> data) override {
    return inner_.WriteAt(offset, data);
  }
  Status Flush() override { return inner_.Flush(); }
  Status Close() override { return Status::Ok(); }  // the owner closes the device
  std::string Describe() const override { return inner_.Describe(); }
  bool KnownZero(int64_t offset, int64_t length) const override {
    return inner_.KnownZero(offset, length);
  }
  void Prefetch(int64_t offset, int64_t length) override { inner_.Prefetch(offset, length); }

 private:
  BlockDevice& inner_;
  const int64_t size_;
};

// The manager's progress and cancellation hooks, paced for the v2 pipeline. Its stages ask
// "cancelled?" per 32 KiB chunk and from several threads at once; the manager's hook (and the
// failpoints create.mid_upload / restore.mid_write it hits, whose delays and counts tests rely
// on) means "once per chunk" of v1, i.e. per MiB or more. So the hook is asked at most once per
// MiB of progress, never concurrently; between two asks the last answer stands.
class PacedHooks {
 public:
  PacedHooks(ProgressFn progress, CancelFn cancelled)
      : progress_(std::move(progress)), cancelled_(std::move(cancelled)) {}

  v2::ProgressObserver Observer() {
    return [this](const v2::PipelineProgress& p) {
      {
        std::lock_guard lock(mu_);
        bytes_ = p.bytes_done;
      }
      if (progress_) progress_(p.bytes_done, p.bytes_total);
    };
  }
  CancelFn Cancelled() {
    if (!cancelled_) return nullptr;
    return [this] {
      std::lock_guard lock(mu_);
      if (!answer_ && (asked_at_ < 0 || bytes_ - asked_at_ >= kPace)) {
        asked_at_ = bytes_;
        answer_ = cancelled_();
      }
      return answer_;
    };
  }

 private:
  static constexpr int64_t kPace = 1 << 20;
  const ProgressFn progress_;
  const CancelFn cancelled_;
  std::mutex mu_;
  int64_t bytes_ = 0;
  int64_t asked_at_ = -1;
  bool answer_ = false;
};

// A key problem, said so that the operator knows what to change.
Status KeyAdvice(const Status& s, const std::string& container) {
  if (s.code() != StatusCode::kFailedPrecondition) return s;
  return Status::FailedPrecondition(
      s.message() + " (container " + container +
      "): set backup_master_key_file to the key this container was created with; nothing was "
      "written");
}

}  // namespace

Status BackupManager::CheckV2Keys(const std::string& container, bool for_backup) {
  auto c = v2::OpenForRead(store_, container, options_.master_key);
  if (!c.ok()) {
    if (c.status().code() == StatusCode::kNotFound) return Status::Ok();  // first v2 backup
    return KeyAdvice(c.status(), container);
  }
  if (for_backup && !c->config.encrypted && options_.master_key) {
    return Status::FailedPrecondition(
        "container " + container +
        " holds unencrypted v2 backups and a master key is configured: one container is "
        "either encrypted or not; back up into another container (--container) or unset "
        "backup_master_key_file");
  }
  return Status::Ok();
}

Result<BackupJobResult> BackupManager::RunBackupV2(
    const BackupJobSpec& spec, const Backup& backup,
    const std::optional<std::vector<ByteRange>>& changed) {
  if (spec.source_device == nullptr) {
    return Status::InvalidArgument("a v2 backup reads through a connected device");
  }
  if (spec.source_device->Size() < spec.size_bytes) {
    return Status::FailedPrecondition(spec.source_device->Describe() + " has " +
                                      std::to_string(spec.source_device->Size()) +
                                      " bytes, the volume " + std::to_string(spec.size_bytes));
  }
  PrefixDevice source(*spec.source_device, spec.size_bytes);
  v2::V2BackupSpec v;
  v.source = &source;
  v.store = spec.store;
  v.container = spec.container;
  v.header.backup_id = backup.id;
  v.header.project_id = backup.project_id;
  v.header.volume_id = backup.volume_id;
  v.header.parent_id = spec.parent_id;
  v.header.name = backup.name;
  v.header.description = backup.description;
  // The row has both instants by now (created, and stamped when the source was ready).
  if (auto row = backups_.Get(backup.id); row.ok()) {
    v.header.created_at_us = row->created_at;
    v.header.data_timestamp_us = row->data_timestamp;
  }
  v.encrypt = options_.master_key.has_value();
  v.master_key = options_.master_key;
  v.compression = options_.compression;
  v.compression_level = options_.compression_level;
  v.workers = std::max(1, spec.workers);
  PacedHooks hooks(spec.progress, spec.cancelled);
  v.progress = hooks.Observer();
  v.cancelled = hooks.Cancelled();
  if (changed && !spec.parent_manifest_object.empty()) {
    v.parent_id = spec.parent_id;
    v.changed = changed;
  }
  auto r = v2::RunV2Backup(v);
  if (!r.ok()) return KeyAdvice(r.status(), spec.container);
  BackupJobResult out;
  out.manifest_object = r->manifest_object;
  out.bytes_read = r->bytes_read;
  out.chunks_total = r->chunks_total;
  out.chunks_zero = r->chunks_zero;
  out.chunks_new = r->chunks_new;
  out.chunks_reused = r->chunks_reused;
  out.stored_bytes = r->stored_bytes;
  out.object_count = r->object_count;
  out.seconds = r->seconds;
  BB_LOG(kInfo) << "backup " << backup.id << " (format v2" << (v.encrypt ? ", encrypted" : "")
                << "): " << r->packs << " packs, index " << r->index_object;
  if (v.changed) {
    BB_LOG(kInfo) << "backup " << backup.id << ": changed extents "
                  << (r->carried_over ? "used: " + std::to_string(r->chunks_carried) +
                                            " chunks copied from parent " + v.parent_id + ", " +
                                            std::to_string(r->bytes_read) + " bytes read in " +
                                            std::to_string(r->reads) + " reads"
                                      : "not used, everything read: " + r->carry_fallback);
  }
  return out;
}

Result<RestoreJobResult> BackupManager::RunRestoreV2(const RestoreJobSpec& spec,
                                                     const Backup& backup) {
  std::unique_ptr<BlockDevice> opened;
  BlockDevice* target = spec.target_device;
  if (target == nullptr) {
    // Never created or truncated here: the target is a volume the driver prepared.
    ASSIGN_OR_RETURN(opened, FileBlockDevice::Open(spec.target_path, AccessMode::kReadWrite));
    target = opened.get();
  }
  v2::V2RestoreSpec v;
  v.store = spec.store;
  v.container = spec.container;
  v.backup_id = backup.id;
  v.target = target;
  v.target_is_zeroed = spec.target_is_zeroed;
  v.master_key = options_.master_key;
  v.workers = std::max(1, spec.workers);
  PacedHooks hooks(spec.progress, spec.cancelled);
  v.progress = hooks.Observer();
  v.cancelled = hooks.Cancelled();
  auto r = v2::RunV2Restore(v);
  if (opened) {
    Status closed = opened->Close();
    if (r.ok() && !closed.ok()) return closed;
  }
  if (!r.ok()) return KeyAdvice(r.status(), spec.container);
  RestoreJobResult out;
  out.bytes_written = r->bytes_total;
  out.chunks = r->chunks;
  out.seconds = r->seconds;
  return out;
}

Result<int64_t> BackupManager::CollectContainer(const std::string& container,
                                                const std::string& storage_format, bool wait) {
  if (storage_format == kStoragePackedV2) {
    ASSIGN_OR_RETURN(v2::PackCollectResult r, CollectPacksFenced(container, wait));
    return r.packs_deleted + r.packs_repacked;
  }
  auto swept = CollectUnreferencedChunks(store_, container);
  if (!swept.ok() && swept.status().code() != StatusCode::kNotFound) return swept.status();
  return swept.ok() ? swept->chunks_deleted : 0;
}

}  // namespace bb
