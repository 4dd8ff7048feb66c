// FileDriver: volumes as sparse files, snapshots and clones as reflink copies; see file_driver.h.
#include "volume_drivers/file/file_driver.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "backup_service/common/log.h"
#include "backup_service/common/uuid.h"
#include "volume_drivers/file/fiemap_diff.h"
#include "volume_drivers/file/file_ops.h"

namespace bb {
namespace {

constexpr const char* kVolumePrefix = "volume-";
constexpr const char* kSnapshotPrefix = "snapshot-";

Status ValidateId(const std::string& kind, const std::string& id) {
  if (!IsUuid(id)) return Status::InvalidArgument(kind + " id is not a UUID: \"" + id + "\"");
  return Status::Ok();
}

Result<std::string> ExistingPath(Result<std::string> path, const std::string& what) {
  if (!path.ok()) return path;
  struct stat st {};
  if (stat(path->c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(what + " not found at " + *path);
    return ErrnoStatus("stat " + *path, errno);
  }
  return path;
}

}  // namespace

Result<std::unique_ptr<FileDriver>> FileDriver::Create(const DriverConfig& config,
                                                       CommandRunner& runner) {
  RETURN_IF_ERROR(CheckDriverOptions(
      kName, config,
      {"volumes_dir", "snapshots", "target_helper", "iscsi_portal", "iscsi_target_prefix"}));
  auto it = config.find("volumes_dir");
  if (it == config.end() || it->second.empty()) {
    return Status::InvalidArgument("file driver: config key \"volumes_dir\" is required");
  }
  bool snapshots = true;
  if (auto s = config.find("snapshots"); s != config.end()) {
    if (s->second != "true" && s->second != "false") {
      return Status::InvalidArgument(
          "file driver: config key \"snapshots\" must be true or false, got \"" + s->second + "\"");
    }
    snapshots = s->second == "true";
  }
  std::unique_ptr<DriverExports> exports;
  auto get = [&](const char* key, const char* fallback) {
    auto v = config.find(key);
    return v == config.end() || v->second.empty() ? std::string(fallback) : v->second;
  };
  std::string helper = get("target_helper", "none");
  if (helper != "none") {
    ASSIGN_OR_RETURN(
        auto target,
        CreateIscsiTarget(helper, {{"portal", get("iscsi_portal", "127.0.0.1:3260")}}, runner));
    ASSIGN_OR_RETURN(
        exports, DriverExports::Create(std::move(target), get("iscsi_target_prefix",
                                                              DriverExports::kDefaultIqnPrefix)));
  }
  return std::make_unique<FileDriver>(it->second, snapshots, std::move(exports));
}

Result<std::unique_ptr<VolumeDriver>> CreateFileVolumeDriver(const DriverConfig& options,
                                                             CommandRunner& runner) {
  ASSIGN_OR_RETURN(std::unique_ptr<FileDriver> driver, FileDriver::Create(options, runner));
  return std::unique_ptr<VolumeDriver>(std::move(driver));
}

FileDriver::FileDriver(std::string volumes_dir, bool snapshots_enabled,
                       std::unique_ptr<DriverExports> exports)
    : volumes_dir_(std::filesystem::absolute(volumes_dir).lexically_normal().string()),
      snapshots_enabled_(snapshots_enabled),
      exports_(std::move(exports)) {
  caps_.no_consistent_copy_reason = "the file driver has not been checked (CheckForSetupError)";
  caps_.no_snapshot_reason = caps_.no_consistent_copy_reason;
}

Status FileDriver::CheckForSetupError() {
  struct stat st {};
  if (stat(volumes_dir_.c_str(), &st) != 0) {
    return ErrnoStatus("file driver volumes_dir " + volumes_dir_, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::FailedPrecondition("file driver volumes_dir " + volumes_dir_ +
                                      " is not a directory");
  }
  if (access(volumes_dir_.c_str(), W_OK | X_OK) != 0) {
    return ErrnoStatus("file driver volumes_dir " + volumes_dir_ + " is not writable", errno);
  }
  // Half-made snapshots/clones from a crash are temp files; nothing refers to them.
  ASSIGN_OR_RETURN(int removed, file_ops::RemoveTempFiles(volumes_dir_));
  (void)removed;
  ASSIGN_OR_RETURN(bool reflink, file_ops::ProbeReflink(volumes_dir_));
  if (exports_) RETURN_IF_ERROR(exports_->CheckReachable().WithContext("file driver export"));

  DriverCapabilities caps;
  caps.volume_readable_locally = true;  // detached volumes are read straight from the file
  if (reflink) {
    caps.can_clone = true;
    caps.clone_is_cheap = true;
    caps.can_snapshot = snapshots_enabled_;
    caps.snapshot_readable_locally = snapshots_enabled_;
    caps.can_create_from_snapshot = snapshots_enabled_;
    // Snapshots are reflinks: their extent maps tell which blocks a write replaced.
    caps.reports_changed_extents = snapshots_enabled_;
  } else {
    caps.no_consistent_copy_reason =
        "the file driver's volumes_dir " + volumes_dir_ +
        " is on a filesystem without reflink (FICLONE) support, so no crash-consistent snapshot "
        "or clone of an attached volume can be made; use XFS (mkfs.xfs -m reflink=1) or btrfs";
    caps.no_snapshot_reason = caps.no_consistent_copy_reason;
    BB_LOG(kWarning) << caps.no_consistent_copy_reason;
  }
  caps.volume_attachable = exports_ != nullptr;
  caps.snapshot_attachable = exports_ != nullptr && caps.can_snapshot;
  if (!snapshots_enabled_) {
    // The configuration is the reason an operator can change; without reflink it is not the only.
    caps.no_snapshot_reason =
        "the file driver is configured without snapshots (snapshots = false; backupd: "
        "file_driver_snapshots = false)" +
        (reflink ? std::string("; backups of attached volumes read a temporary reflink clone")
                 : "; also, " + caps.no_consistent_copy_reason);
  }
  std::lock_guard<std::mutex> lock(mu_);
  caps_ = caps;
  return Status::Ok();
}

DriverCapabilities FileDriver::Capabilities() const {
  std::lock_guard<std::mutex> lock(mu_);
  return caps_;
}

Status FileDriver::RequireSnapshots() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (caps_.can_snapshot) return Status::Ok();
  return Status::FailedPrecondition(caps_.no_snapshot_reason);
}

Status FileDriver::RequireClones() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (caps_.can_clone) return Status::Ok();
  return Status::FailedPrecondition(caps_.no_consistent_copy_reason);
}

Result<std::string> FileDriver::VolumePath(const std::string& id) const {
  RETURN_IF_ERROR(ValidateId("volume", id));
  return volumes_dir_ + "/" + kVolumePrefix + id;
}

Result<std::string> FileDriver::SnapshotPath(const std::string& id) const {
  RETURN_IF_ERROR(ValidateId("snapshot", id));
  return volumes_dir_ + "/" + kSnapshotPrefix + id;
}

Result<std::string> FileDriver::CreateVolume(const VolumeRef& volume) {
  ASSIGN_OR_RETURN(std::string path, VolumePath(volume.id));
  RETURN_IF_ERROR(file_ops::CreateSparseFile(path, volume.size_bytes));
  return path;
}

Status FileDriver::DeleteVolume(const VolumeRef& volume) {
  ASSIGN_OR_RETURN(std::string path, VolumePath(volume.id));
  ASSIGN_OR_RETURN(std::vector<std::string> snapshots,
                   file_ops::FilesOwnedBy(volumes_dir_, kSnapshotPrefix, volume.id));
  if (!snapshots.empty()) {
    return Status::FailedPrecondition("volume " + volume.id + " still has " +
                                      std::to_string(snapshots.size()) + " snapshot(s) (" +
                                      snapshots.front() + "); delete them first");
  }
  return file_ops::RemoveIfExists(path);
}

Status FileDriver::ExtendVolume(const VolumeRef& volume, int64_t new_size_bytes) {
  ASSIGN_OR_RETURN(std::string path, ExistingPath(VolumePath(volume.id), "volume " + volume.id));
  return file_ops::GrowFile(path, new_size_bytes);
}

Result<std::string> FileDriver::CreateClonedVolume(const VolumeRef& dst, const VolumeRef& src) {
  RETURN_IF_ERROR(RequireClones());
  ASSIGN_OR_RETURN(std::string src_path, ExistingPath(VolumePath(src.id), "volume " + src.id));
  ASSIGN_OR_RETURN(std::string dst_path, VolumePath(dst.id));
  ASSIGN_OR_RETURN(int64_t src_size, file_ops::FileSize(src_path));
  if (dst.size_bytes > 0 && dst.size_bytes < src_size) {
    return Status::InvalidArgument("clone " + dst.id + " (" + std::to_string(dst.size_bytes) +
                                   " bytes) is smaller than its source " + src.id);
  }
  RETURN_IF_ERROR(file_ops::CopyFileAtomically(src_path, dst_path, file_ops::CopyMode::kReflink,
                                               dst.size_bytes));
  return dst_path;
}

Result<std::string> FileDriver::CreateSnapshot(const SnapshotRef& snapshot,
                                               const VolumeRef& volume) {
  RETURN_IF_ERROR(RequireSnapshots());
  ASSIGN_OR_RETURN(std::string src, ExistingPath(VolumePath(volume.id), "volume " + volume.id));
  ASSIGN_OR_RETURN(std::string dst, SnapshotPath(snapshot.id));
  RETURN_IF_ERROR(file_ops::CopyFileAtomically(src, dst, file_ops::CopyMode::kReflink,
                                               /*min_size=*/0, /*owner=*/volume.id));
  return dst;
}

Result<std::string> FileDriver::CreateVolumeFromSnapshot(const VolumeRef& dst,
                                                         const SnapshotRef& snapshot) {
  RETURN_IF_ERROR(RequireSnapshots());
  ASSIGN_OR_RETURN(std::string src,
                   ExistingPath(SnapshotPath(snapshot.id), "snapshot " + snapshot.id));
  ASSIGN_OR_RETURN(std::string dst_path, VolumePath(dst.id));
  ASSIGN_OR_RETURN(int64_t src_size, file_ops::FileSize(src));
  if (dst.size_bytes > 0 && dst.size_bytes < src_size) {
    return Status::InvalidArgument("volume " + dst.id + " (" + std::to_string(dst.size_bytes) +
                                   " bytes) is smaller than snapshot " + snapshot.id);
  }
  RETURN_IF_ERROR(
      file_ops::CopyFileAtomically(src, dst_path, file_ops::CopyMode::kReflink, dst.size_bytes));
  return dst_path;
}

Status FileDriver::DeleteSnapshot(const SnapshotRef& snapshot) {
  ASSIGN_OR_RETURN(std::string path, SnapshotPath(snapshot.id));
  return file_ops::RemoveIfExists(path);
}

Result<ExtentReport> FileDriver::ChangedExtents(const SnapshotRef& base,
                                                const SnapshotRef& snapshot) {
  RETURN_IF_ERROR(RequireSnapshots());
  ASSIGN_OR_RETURN(std::string base_path,
                   ExistingPath(SnapshotPath(base.id), "snapshot " + base.id));
  ASSIGN_OR_RETURN(std::string new_path,
                   ExistingPath(SnapshotPath(snapshot.id), "snapshot " + snapshot.id));
  // The files' owner tags, not only the refs: two unrelated files share no blocks, and their
  // difference would say nothing about one volume's writes.
  ASSIGN_OR_RETURN(std::string base_owner, file_ops::OwnerOf(base_path));
  ASSIGN_OR_RETURN(std::string new_owner, file_ops::OwnerOf(new_path));
  if (base_owner != new_owner || base.volume_id != snapshot.volume_id) {
    return Status::InvalidArgument("snapshots " + base.id + " and " + snapshot.id +
                                   " are not of the same volume");
  }
  ASSIGN_OR_RETURN(std::vector<ByteRange> ranges, fiemap::ChangedRanges(base_path, new_path));
  return ExtentReport{true, std::move(ranges)};
}

Result<std::string> FileDriver::VolumeLocalPath(const VolumeRef& volume) {
  return ExistingPath(VolumePath(volume.id), "volume " + volume.id);
}

Result<std::string> FileDriver::SnapshotLocalPath(const SnapshotRef& snapshot) {
  return ExistingPath(SnapshotPath(snapshot.id), "snapshot " + snapshot.id);
}

}  // namespace bb
