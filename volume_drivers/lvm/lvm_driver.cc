// LvmDriver: volumes and snapshots as LVs; see lvm_driver.h.
#include "volume_drivers/lvm/lvm_driver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "backup_service/common/log.h"
#include "backup_service/common/uuid.h"
#include "volume_drivers/lvm/lvm_block_io.h"

namespace bb {
namespace {

constexpr const char* kVolumePrefix = "volume-";
// LVM reserves names starting "snapshot"; Cinder's LVM driver uses the same "_snapshot-".
constexpr const char* kSnapshotPrefix = "_snapshot-";
constexpr const char* kTempPrefix = "bbtmp-";
// lvremove right after a close can find the device still open (udev's scan of the change event);
// that clears within a second or two. Longer is a real user: give up and say so.
constexpr int kRemoveAttempts = 6;

std::string Bytes(int64_t n) { return std::to_string(n) + "b"; }

int64_t RoundUp(int64_t n, int64_t unit) { return unit <= 0 ? n : (n + unit - 1) / unit * unit; }

}  // namespace

Result<LvmDriverConfig> LvmDriver::ParseConfig(const DriverConfig& config) {
  auto get = [&](const char* key) {
    auto it = config.find(key);
    return it == config.end() ? std::string() : it->second;
  };
  LvmDriverConfig c;
  c.volume_group = get("volume_group");
  if (c.volume_group.empty()) {
    return Status::InvalidArgument("lvm driver: config key \"volume_group\" is required");
  }
  std::string type = get("lvm_type");
  if (type.empty() || type == "auto") {
    c.type = LvmType::kAuto;
  } else if (type == "thick") {
    c.type = LvmType::kThick;
  } else if (type == "thin") {
    c.type = LvmType::kThin;
  } else {
    return Status::InvalidArgument("lvm driver: lvm_type must be thick, thin or auto, got \"" +
                                   type + "\"");
  }
  if (std::string pool = get("thin_pool"); !pool.empty()) c.thin_pool = pool;
  for (const std::string* name : {&c.volume_group, &c.thin_pool}) {
    if (name->find_first_of("/ \t\n") != std::string::npos || name->starts_with("-")) {
      return Status::InvalidArgument("lvm driver: invalid LVM name \"" + *name + "\"");
    }
  }
  if (std::string f = get("snapshot_cow_fraction"); !f.empty()) {
    char* end = nullptr;
    double v = std::strtod(f.c_str(), &end);
    if (end != f.c_str() + f.size() || !(v > 0 && v <= 1)) {
      return Status::InvalidArgument(
          "lvm driver: snapshot_cow_fraction must be a number in (0, 1], got \"" + f + "\"");
    }
    c.snapshot_cow_fraction = v;
  }
  return c;
}

Result<std::unique_ptr<LvmDriver>> LvmDriver::Create(const DriverConfig& config,
                                                     CommandRunner& runner) {
  RETURN_IF_ERROR(
      CheckDriverOptions(kName, config,
                         {"volume_group", "lvm_type", "thin_pool", "snapshot_cow_fraction",
                          "target_helper", "iscsi_portal", "iscsi_target_prefix"}));
  ASSIGN_OR_RETURN(LvmDriverConfig c, ParseConfig(config));
  auto get = [&](const char* key, const char* fallback) {
    auto v = config.find(key);
    return v == config.end() || v->second.empty() ? std::string(fallback) : v->second;
  };
  std::unique_ptr<DriverExports> exports;
  std::string helper = get("target_helper", "none");
  if (helper != "none") {
    ASSIGN_OR_RETURN(
        auto target,
        CreateIscsiTarget(helper, {{"portal", get("iscsi_portal", "127.0.0.1:3260")}}, runner));
    ASSIGN_OR_RETURN(
        exports, DriverExports::Create(std::move(target), get("iscsi_target_prefix",
                                                              DriverExports::kDefaultIqnPrefix)));
  }
  return std::make_unique<LvmDriver>(std::move(c), runner, std::move(exports));
}

Result<std::unique_ptr<VolumeDriver>> CreateLvmVolumeDriver(const DriverConfig& options,
                                                            CommandRunner& runner) {
  ASSIGN_OR_RETURN(std::unique_ptr<LvmDriver> driver, LvmDriver::Create(options, runner));
  return std::unique_ptr<VolumeDriver>(std::move(driver));
}

LvmDriver::LvmDriver(LvmDriverConfig config, CommandRunner& runner,
                     std::unique_ptr<DriverExports> exports)
    : config_(std::move(config)),
      lvm_(runner),
      thin_metadata_(runner),
      exports_(std::move(exports)) {
  caps_.no_consistent_copy_reason = "the lvm driver has not been checked (CheckForSetupError)";
  caps_.no_snapshot_reason = caps_.no_consistent_copy_reason;
}

Status LvmDriver::CheckForSetupError() {
  const std::string& vg = config_.volume_group;
  ASSIGN_OR_RETURN(lvm::VgInfo info, lvm_.Vg(vg));
  bool thin = false;
  if (config_.type != LvmType::kThick) {
    ASSIGN_OR_RETURN(std::optional<lvm::LvInfo> pool, lvm_.FindLv(vg, config_.thin_pool));
    thin = pool && pool->is_thin_pool();
    if (!thin && config_.type == LvmType::kThin) {
      return Status::FailedPrecondition(
          "lvm driver: thin pool " + vg + "/" + config_.thin_pool +
          " not found (lvm_type = thin; create it with lvcreate --type thin-pool -L <size> -n " +
          config_.thin_pool + " " + vg + ", or set lvm_type = thick)");
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    thin_ = thin;
    extent_size_ = info.extent_size_bytes;
  }
  // A crash midway through a clone leaves its temporary snapshot: nothing refers to it.
  ASSIGN_OR_RETURN(std::vector<lvm::LvInfo> lvs, lvm_.ListLvs(vg));
  for (const auto& lv : lvs) {
    if (lv.name.starts_with(kTempPrefix)) RETURN_IF_ERROR(RemoveLv(lv.name));
  }
  if (exports_) RETURN_IF_ERROR(exports_->CheckReachable().WithContext("lvm driver export"));

  DriverCapabilities caps;
  caps.can_snapshot = true;
  caps.snapshot_readable_locally = true;
  caps.can_clone = true;
  caps.clone_is_cheap = thin;  // thick clones copy the data
  caps.can_create_from_snapshot = true;
  caps.volume_readable_locally = true;
  caps.volume_attachable = exports_ != nullptr;
  caps.snapshot_attachable = exports_ != nullptr;
  // Changed extents: thin only, from the pool metadata (thin_delta). Without the tools backups
  // still work, reading everything.
  // Allocated extents likewise (thin_dump), so full backups of thin snapshots skip what the
  // volume never wrote.
  std::string extents = "no changed or allocated extents (thick)";
  if (thin) {
    auto version = thin_metadata_.Version();
    caps.reports_changed_extents = version.ok();
    extents = version.ok() ? "changed extents through thin_delta " + *version
                           : "no changed extents: " + version.status().ToString();
    caps.reports_allocated_extents = thin_metadata_.HasThinDump();
    extents += caps.reports_allocated_extents ? "; allocated extents through thin_dump"
                                              : "; no allocated extents: thin_dump does not run";
  }
  BB_LOG(kInfo) << "lvm driver: volume group " << vg << ", " << (thin ? "thin" : "thick")
                << " volumes" << (thin ? " in pool " + config_.thin_pool : std::string()) << "; "
                << extents;
  std::lock_guard<std::mutex> lock(mu_);
  caps_ = caps;
  return Status::Ok();
}

DriverCapabilities LvmDriver::Capabilities() const {
  std::lock_guard<std::mutex> lock(mu_);
  return caps_;
}

bool LvmDriver::thin() const {
  std::lock_guard<std::mutex> lock(mu_);
  return thin_;
}

int64_t LvmDriver::ExtentSize() const {
  std::lock_guard<std::mutex> lock(mu_);
  return extent_size_;
}

Result<std::string> LvmDriver::VolumeLv(const std::string& id) {
  if (!IsUuid(id)) return Status::InvalidArgument("volume id is not a UUID: \"" + id + "\"");
  return kVolumePrefix + id;
}

Result<std::string> LvmDriver::SnapshotLv(const std::string& id) {
  if (!IsUuid(id)) return Status::InvalidArgument("snapshot id is not a UUID: \"" + id + "\"");
  return kSnapshotPrefix + id;
}

std::string LvmDriver::DevPath(const std::string& lv) const {
  return "/dev/" + config_.volume_group + "/" + lv;
}

Result<lvm::LvInfo> LvmDriver::MustFind(const std::string& lv, const std::string& what) {
  ASSIGN_OR_RETURN(std::optional<lvm::LvInfo> found, lvm_.FindLv(config_.volume_group, lv));
  if (!found) {
    return Status::NotFound(what + " not found (logical volume " + config_.volume_group + "/" + lv +
                            ")");
  }
  return *found;
}

Result<std::string> LvmDriver::Activate(const lvm::LvInfo& lv) {
  if (!lv.active) {
    std::vector<std::string> args{"lvchange", "-ay"};
    if (lv.skips_activation()) args.push_back("-K");
    args.push_back(config_.volume_group + "/" + lv.name);
    RETURN_IF_ERROR(lvm_.Run(args));
  }
  return DevPath(lv.name);
}

Status LvmDriver::CreateEmptyLv(const std::string& lv, int64_t size) {
  const std::string& vg = config_.volume_group;
  if (thin()) {
    return lvm_.Run({"lvcreate", "-y", "--type", "thin", "-n", lv, "-V", Bytes(size), "--thinpool",
                     config_.thin_pool, vg},
                    ExtentSize());
  }
  RETURN_IF_ERROR(lvm_.Run({"lvcreate", "-y", "-n", lv, "-L", Bytes(size), vg}, ExtentSize()));
  // Reused extents hold an earlier volume's data: a new volume must read as zeroes.
  Status zeroed = [&]() -> Status {
    ASSIGN_OR_RETURN(lvm::LvInfo made, MustFind(lv, "new volume"));
    return lvm::ZeroRange(DevPath(lv), 0, made.size_bytes);
  }();
  if (!zeroed.ok()) {
    Status removed = RemoveLv(lv);
    if (!removed.ok()) BB_LOG(kWarning) << "lvm driver: cleanup: " << removed.ToString();
  }
  return zeroed;
}

Status LvmDriver::CreateSnapshotLv(const std::string& lv, const std::string& origin, bool as_volume,
                                   int64_t cow_bytes) {
  std::vector<std::string> args{"lvcreate", "-y", "-s", "-n", lv};
  if (thin()) {
    // A thin snapshot skips activation by default; a volume made from one must not.
    if (as_volume) args.insert(args.end(), {"-kn", "-ay"});
  } else {
    args.insert(args.end(), {"-L", Bytes(std::max(cow_bytes, ExtentSize()))});
  }
  args.push_back(config_.volume_group + "/" + origin);
  return lvm_.Run(args, ExtentSize());
}

Status LvmDriver::RemoveLv(const std::string& lv) {
  const std::string name = config_.volume_group + "/" + lv;
  Status last;
  for (int attempt = 0; attempt < kRemoveAttempts; ++attempt) {
    last = lvm_.Run({"lvremove", "-y", name});
    if (last.ok() || last.code() == StatusCode::kNotFound) return Status::Ok();
    if (last.code() != StatusCode::kUnavailable) return last;
    // Busy: deactivation fails too while a user holds it open, and succeeds once the transient
    // opener (udev, blkid) let go, after which lvremove has nothing to wait for.
    (void)lvm_.Run({"lvchange", "-an", name});
    std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));  // backoff, ~6 s
  }
  return last;
}

Status LvmDriver::GrowLv(const lvm::LvInfo& lv, int64_t size) {
  if (size <= lv.size_bytes) return Status::Ok();
  RETURN_IF_ERROR(lvm_.Run(
      {"lvextend", "-y", "-L", Bytes(size), config_.volume_group + "/" + lv.name}, ExtentSize()));
  if (lv.is_thin()) return Status::Ok();  // unprovisioned thin blocks read as zeroes
  ASSIGN_OR_RETURN(lvm::LvInfo grown, MustFind(lv.name, "grown volume"));
  return lvm::ZeroRange(DevPath(lv.name), lv.size_bytes, grown.size_bytes - lv.size_bytes);
}

Status LvmDriver::CopyIntoNewLv(const std::string& src, const std::string& dst, int64_t dst_size) {
  ASSIGN_OR_RETURN(lvm::LvInfo from, MustFind(src, "copy source"));
  ASSIGN_OR_RETURN(std::string from_path, Activate(from));
  RETURN_IF_ERROR(lvm_.Run(
      {"lvcreate", "-y", "-n", dst, "-L", Bytes(dst_size), config_.volume_group}, ExtentSize()));
  Status copied = [&]() -> Status {
    ASSIGN_OR_RETURN(lvm::LvInfo to, MustFind(dst, "copy destination"));
    RETURN_IF_ERROR(lvm::CopyRange(from_path, DevPath(dst), from.size_bytes));
    return lvm::ZeroRange(DevPath(dst), from.size_bytes, to.size_bytes - from.size_bytes);
  }();
  if (!copied.ok()) {
    Status removed = RemoveLv(dst);
    if (!removed.ok()) BB_LOG(kWarning) << "lvm driver: cleanup: " << removed.ToString();
  }
  return copied;
}

Result<std::string> LvmDriver::CreateVolume(const VolumeRef& volume) {
  ASSIGN_OR_RETURN(std::string lv, VolumeLv(volume.id));
  if (volume.size_bytes <= 0) return Status::InvalidArgument("volume size must be positive");
  RETURN_IF_ERROR(CreateEmptyLv(lv, volume.size_bytes));
  return DevPath(lv);
}

Status LvmDriver::DeleteVolume(const VolumeRef& volume) {
  ASSIGN_OR_RETURN(std::string lv, VolumeLv(volume.id));
  ASSIGN_OR_RETURN(std::vector<lvm::LvInfo> lvs, lvm_.ListLvs(config_.volume_group));
  int snapshots = 0;
  std::string first;
  for (const auto& other : lvs) {
    if (other.origin == lv && other.name.starts_with(kSnapshotPrefix)) {
      if (snapshots++ == 0) first = other.name;
    }
  }
  if (snapshots > 0) {
    return Status::FailedPrecondition("volume " + volume.id + " still has " +
                                      std::to_string(snapshots) + " snapshot(s) (" + first +
                                      "); delete them first");
  }
  return RemoveLv(lv);
}

Status LvmDriver::ExtendVolume(const VolumeRef& volume, int64_t new_size_bytes) {
  ASSIGN_OR_RETURN(std::string name, VolumeLv(volume.id));
  ASSIGN_OR_RETURN(lvm::LvInfo lv, MustFind(name, "volume " + volume.id));
  if (new_size_bytes < volume.size_bytes) {
    return Status::InvalidArgument("volume " + volume.id + " cannot shrink from " +
                                   std::to_string(volume.size_bytes) + " to " +
                                   std::to_string(new_size_bytes) + " bytes");
  }
  return GrowLv(lv, new_size_bytes);  // OK when the LV (extent-rounded) is already that size
}

Result<std::string> LvmDriver::CreateSnapshot(const SnapshotRef& snapshot,
                                              const VolumeRef& volume) {
  ASSIGN_OR_RETURN(std::string snap, SnapshotLv(snapshot.id));
  ASSIGN_OR_RETURN(std::string origin, VolumeLv(volume.id));
  ASSIGN_OR_RETURN(lvm::LvInfo lv, MustFind(origin, "volume " + volume.id));
  auto cow = static_cast<int64_t>(
      std::ceil(static_cast<double>(lv.size_bytes) * config_.snapshot_cow_fraction));
  RETURN_IF_ERROR(CreateSnapshotLv(snap, origin, /*as_volume=*/false, RoundUp(cow, ExtentSize())));
  return DevPath(snap);
}

Status LvmDriver::DeleteSnapshot(const SnapshotRef& snapshot) {
  ASSIGN_OR_RETURN(std::string snap, SnapshotLv(snapshot.id));
  return RemoveLv(snap);
}

Result<std::string> LvmDriver::CreateClonedVolume(const VolumeRef& dst, const VolumeRef& src) {
  ASSIGN_OR_RETURN(std::string dst_lv, VolumeLv(dst.id));
  ASSIGN_OR_RETURN(std::string src_lv, VolumeLv(src.id));
  ASSIGN_OR_RETURN(lvm::LvInfo from, MustFind(src_lv, "volume " + src.id));
  if (dst.size_bytes > 0 && dst.size_bytes < src.size_bytes) {
    return Status::InvalidArgument("clone " + dst.id + " (" + std::to_string(dst.size_bytes) +
                                   " bytes) is smaller than its source " + src.id);
  }
  const int64_t size = std::max(dst.size_bytes, from.size_bytes);
  if (thin()) {
    RETURN_IF_ERROR(CreateSnapshotLv(dst_lv, src_lv, /*as_volume=*/true, 0));
    Status grown = [&]() -> Status {
      ASSIGN_OR_RETURN(lvm::LvInfo made, MustFind(dst_lv, "clone"));
      return GrowLv(made, size);
    }();
    if (!grown.ok()) {
      Status removed = RemoveLv(dst_lv);
      if (!removed.ok()) BB_LOG(kWarning) << "lvm driver: cleanup: " << removed.ToString();
      return grown;
    }
    return DevPath(dst_lv);
  }
  // Thick: copy from a temporary full-size COW snapshot, so the clone is of one instant while
  // the source stays in use.
  const std::string temp = kTempPrefix + dst.id;
  RETURN_IF_ERROR(CreateSnapshotLv(temp, src_lv, false, RoundUp(from.size_bytes, ExtentSize())));
  Status copied = CopyIntoNewLv(temp, dst_lv, size);
  Status removed = RemoveLv(temp);
  RETURN_IF_ERROR(copied);
  if (!removed.ok()) BB_LOG(kWarning) << "lvm driver: temporary snapshot: " << removed.ToString();
  return DevPath(dst_lv);
}

Result<std::string> LvmDriver::CreateVolumeFromSnapshot(const VolumeRef& dst,
                                                        const SnapshotRef& snapshot) {
  ASSIGN_OR_RETURN(std::string dst_lv, VolumeLv(dst.id));
  ASSIGN_OR_RETURN(std::string snap_lv, SnapshotLv(snapshot.id));
  ASSIGN_OR_RETURN(lvm::LvInfo snap, MustFind(snap_lv, "snapshot " + snapshot.id));
  if (snap.is_invalid_snapshot()) {
    return Status::DataLoss("snapshot " + snapshot.id +
                            " is invalid: its copy-on-write space filled up (delete it)");
  }
  if (dst.size_bytes > 0 && dst.size_bytes < snapshot.size_bytes) {
    return Status::InvalidArgument("volume " + dst.id + " (" + std::to_string(dst.size_bytes) +
                                   " bytes) is smaller than snapshot " + snapshot.id);
  }
  const int64_t size = std::max(dst.size_bytes, snap.size_bytes);
  if (!thin()) {
    RETURN_IF_ERROR(CopyIntoNewLv(snap_lv, dst_lv, size));
    return DevPath(dst_lv);
  }
  RETURN_IF_ERROR(CreateSnapshotLv(dst_lv, snap_lv, /*as_volume=*/true, 0));
  Status grown = [&]() -> Status {
    ASSIGN_OR_RETURN(lvm::LvInfo made, MustFind(dst_lv, "new volume"));
    return GrowLv(made, size);
  }();
  if (!grown.ok()) {
    Status removed = RemoveLv(dst_lv);
    if (!removed.ok()) BB_LOG(kWarning) << "lvm driver: cleanup: " << removed.ToString();
    return grown;
  }
  return DevPath(dst_lv);
}

Result<std::string> LvmDriver::VolumeLocalPath(const VolumeRef& volume) {
  ASSIGN_OR_RETURN(std::string name, VolumeLv(volume.id));
  ASSIGN_OR_RETURN(lvm::LvInfo lv, MustFind(name, "volume " + volume.id));
  return Activate(lv);
}

Result<std::string> LvmDriver::SnapshotLocalPath(const SnapshotRef& snapshot) {
  ASSIGN_OR_RETURN(std::string name, SnapshotLv(snapshot.id));
  ASSIGN_OR_RETURN(lvm::LvInfo lv, MustFind(name, "snapshot " + snapshot.id));
  if (lv.is_invalid_snapshot()) {
    return Status::DataLoss("snapshot " + snapshot.id + " (" + DevPath(name) +
                            ") is invalid: its copy-on-write space filled up, so it reads as I/O "
                            "errors; delete it (a larger snapshot_cow_fraction avoids this)");
  }
  return Activate(lv);
}

}  // namespace bb
