// FakeDriver: files in a temp dir, full-copy snapshots, fault injection; see fake_driver.h.
#include "volume_drivers/fake/fake_driver.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "backup_service/common/log.h"
#include "backup_service/common/uuid.h"
#include "volume_drivers/file/file_ops.h"

namespace bb {
namespace {

Result<bool> ParseBool(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  return Status::InvalidArgument("fake driver: " + key + " must be true or false, got \"" + value +
                                 "\"");
}

Result<StatusCode> ParseCode(const std::string& key, const std::string& value) {
  for (int c = 1; c <= static_cast<int>(StatusCode::kDataLoss); ++c) {
    if (StatusCodeName(static_cast<StatusCode>(c)) == value) return static_cast<StatusCode>(c);
  }
  return Status::InvalidArgument("fake driver: " + key + " must be a status code name such as " +
                                 "UNAVAILABLE, got \"" + value + "\"");
}

Result<std::string> MustExist(Result<std::string> path, const std::string& what) {
  if (!path.ok()) return path;
  struct stat st {};
  if (stat(path->c_str(), &st) != 0) return Status::NotFound(what + " not found at " + *path);
  return path;
}

}  // namespace

DriverCapabilities FakeDriver::DefaultCapabilities() {
  DriverCapabilities caps;
  caps.can_snapshot = true;
  caps.snapshot_readable_locally = true;
  caps.can_clone = true;
  caps.can_create_from_snapshot = true;
  caps.volume_readable_locally = true;
  return caps;
}

Result<std::unique_ptr<FakeDriver>> FakeDriver::Create(const DriverConfig& config) {
  DriverCapabilities caps = DefaultCapabilities();
  const std::map<std::string, bool*> flags = {
      {"can_snapshot", &caps.can_snapshot},
      {"snapshot_readable_locally", &caps.snapshot_readable_locally},
      {"snapshot_attachable", &caps.snapshot_attachable},
      {"can_clone", &caps.can_clone},
      {"clone_is_cheap", &caps.clone_is_cheap},
      {"can_create_from_snapshot", &caps.can_create_from_snapshot},
      {"volume_readable_locally", &caps.volume_readable_locally},
      {"volume_attachable", &caps.volume_attachable},
  };
  std::vector<std::string> known = {"no_consistent_copy_reason", "volumes_dir"};
  for (const auto& flag : flags) known.push_back(flag.first);
  RETURN_IF_ERROR(CheckDriverOptions(kName, config, known, {"fail."}));
  std::string dir;
  std::map<std::string, Status> failures;
  for (const auto& [key, value] : config) {
    if (auto f = flags.find(key); f != flags.end()) {
      ASSIGN_OR_RETURN(*f->second, ParseBool(key, value));
    } else if (key == "no_consistent_copy_reason") {
      caps.no_consistent_copy_reason = value;
    } else if (key == "volumes_dir") {
      dir = value;
    } else if (key.starts_with("fail.")) {
      ASSIGN_OR_RETURN(StatusCode code, ParseCode(key, value));
      failures[key.substr(5)] = Status(code, "fake driver: injected failure (" + key + ")");
    }
  }
  auto driver = std::make_unique<FakeDriver>(caps, dir);
  for (auto& [method, status] : failures) driver->FailAlways(method, status);
  return driver;
}

Result<std::unique_ptr<VolumeDriver>> CreateFakeVolumeDriver(const DriverConfig& options,
                                                             CommandRunner& /*runner*/) {
  ASSIGN_OR_RETURN(std::unique_ptr<FakeDriver> driver, FakeDriver::Create(options));
  return std::unique_ptr<VolumeDriver>(std::move(driver));
}

FakeDriver::FakeDriver(DriverCapabilities caps, std::string volumes_dir)
    : dir_(std::move(volumes_dir)), caps_(std::move(caps)) {
  if (dir_.empty()) {
    std::string tmpl = std::filesystem::temp_directory_path().string() + "/bb-fake-driver-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) {
      dir_ = tmpl;
      owns_dir_ = true;
    }  // else dir_ stays empty and CheckForSetupError reports it
  }
}

FakeDriver::~FakeDriver() {
  if (!owns_dir_) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (ec) BB_LOG(kWarning) << "fake driver: cannot remove " << dir_ << ": " << ec.message();
}

void FakeDriver::FailNext(const std::string& method, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_[method].push_back(std::move(status));
}

void FakeDriver::FailAlways(const std::string& method, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_always_[method] = std::move(status);
}

void FakeDriver::ClearFailures() {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_.clear();
  fail_always_.clear();
}

int FakeDriver::CallCount(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

void FakeDriver::SetCapabilities(DriverCapabilities caps) {
  std::lock_guard<std::mutex> lock(mu_);
  caps_ = std::move(caps);
}

Status FakeDriver::Enter(const std::string& method) {
  std::lock_guard<std::mutex> lock(mu_);
  ++calls_[method];
  if (auto it = fail_next_.find(method); it != fail_next_.end() && !it->second.empty()) {
    Status s = std::move(it->second.front());
    it->second.pop_front();
    return s;
  }
  if (auto it = fail_always_.find(method); it != fail_always_.end()) return it->second;
  return Status::Ok();
}

Result<std::string> FakeDriver::VolumePath(const std::string& id) const {
  if (!IsUuid(id)) return Status::InvalidArgument("volume id is not a UUID: \"" + id + "\"");
  return dir_ + "/volume-" + id;
}

Result<std::string> FakeDriver::SnapshotPath(const std::string& id) const {
  if (!IsUuid(id)) return Status::InvalidArgument("snapshot id is not a UUID: \"" + id + "\"");
  return dir_ + "/snapshot-" + id;
}

Status FakeDriver::CheckForSetupError() {
  RETURN_IF_ERROR(Enter("CheckForSetupError"));
  if (dir_.empty()) return Status::Internal("fake driver: could not create a temp dir");
  struct stat st {};
  if (stat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::FailedPrecondition("fake driver: " + dir_ + " is not a directory");
  }
  return Status::Ok();
}

DriverCapabilities FakeDriver::Capabilities() const {
  std::lock_guard<std::mutex> lock(mu_);
  return caps_;
}

Result<std::string> FakeDriver::CreateVolume(const VolumeRef& volume) {
  RETURN_IF_ERROR(Enter("CreateVolume"));
  ASSIGN_OR_RETURN(std::string path, VolumePath(volume.id));
  RETURN_IF_ERROR(file_ops::CreateSparseFile(path, volume.size_bytes));
  return path;
}

Status FakeDriver::DeleteVolume(const VolumeRef& volume) {
  RETURN_IF_ERROR(Enter("DeleteVolume"));
  ASSIGN_OR_RETURN(std::string path, VolumePath(volume.id));
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [snap, vol] : snapshot_volume_) {
      if (vol == volume.id) {
        return Status::FailedPrecondition("fake driver: volume " + volume.id +
                                          " still has snapshot " + snap);
      }
    }
  }
  return file_ops::RemoveIfExists(path);
}

Status FakeDriver::ExtendVolume(const VolumeRef& volume, int64_t new_size_bytes) {
  RETURN_IF_ERROR(Enter("ExtendVolume"));
  ASSIGN_OR_RETURN(std::string path, MustExist(VolumePath(volume.id), "volume " + volume.id));
  return file_ops::GrowFile(path, new_size_bytes);
}

Result<std::string> FakeDriver::CreateClonedVolume(const VolumeRef& dst, const VolumeRef& src) {
  RETURN_IF_ERROR(Enter("CreateClonedVolume"));
  if (!Capabilities().can_clone) return Status::FailedPrecondition("fake driver: can_clone=false");
  ASSIGN_OR_RETURN(std::string src_path, MustExist(VolumePath(src.id), "volume " + src.id));
  ASSIGN_OR_RETURN(std::string dst_path, VolumePath(dst.id));
  RETURN_IF_ERROR(
      file_ops::CopyFileAtomically(src_path, dst_path, file_ops::CopyMode::kFull, dst.size_bytes));
  return dst_path;
}

Result<std::string> FakeDriver::CreateSnapshot(const SnapshotRef& snapshot,
                                               const VolumeRef& volume) {
  RETURN_IF_ERROR(Enter("CreateSnapshot"));
  if (!Capabilities().can_snapshot) {
    return Status::FailedPrecondition("fake driver: can_snapshot=false");
  }
  ASSIGN_OR_RETURN(std::string src, MustExist(VolumePath(volume.id), "volume " + volume.id));
  ASSIGN_OR_RETURN(std::string dst, SnapshotPath(snapshot.id));
  RETURN_IF_ERROR(file_ops::CopyFileAtomically(src, dst, file_ops::CopyMode::kFull));
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_volume_[snapshot.id] = volume.id;
  return dst;
}

Result<std::string> FakeDriver::CreateVolumeFromSnapshot(const VolumeRef& dst,
                                                         const SnapshotRef& snapshot) {
  RETURN_IF_ERROR(Enter("CreateVolumeFromSnapshot"));
  if (!Capabilities().can_create_from_snapshot) {
    return Status::FailedPrecondition("fake driver: can_create_from_snapshot=false");
  }
  ASSIGN_OR_RETURN(std::string src,
                   MustExist(SnapshotPath(snapshot.id), "snapshot " + snapshot.id));
  ASSIGN_OR_RETURN(std::string dst_path, VolumePath(dst.id));
  ASSIGN_OR_RETURN(int64_t src_size, file_ops::FileSize(src));
  if (dst.size_bytes > 0 && dst.size_bytes < src_size) {
    return Status::InvalidArgument("fake driver: volume " + dst.id + " is smaller than snapshot " +
                                   snapshot.id);
  }
  RETURN_IF_ERROR(
      file_ops::CopyFileAtomically(src, dst_path, file_ops::CopyMode::kFull, dst.size_bytes));
  return dst_path;
}

Status FakeDriver::DeleteSnapshot(const SnapshotRef& snapshot) {
  RETURN_IF_ERROR(Enter("DeleteSnapshot"));
  ASSIGN_OR_RETURN(std::string path, SnapshotPath(snapshot.id));
  RETURN_IF_ERROR(file_ops::RemoveIfExists(path));
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_volume_.erase(snapshot.id);
  return Status::Ok();
}

Result<std::string> FakeDriver::VolumeLocalPath(const VolumeRef& volume) {
  RETURN_IF_ERROR(Enter("VolumeLocalPath"));
  return MustExist(VolumePath(volume.id), "volume " + volume.id);
}

Result<std::string> FakeDriver::SnapshotLocalPath(const SnapshotRef& snapshot) {
  RETURN_IF_ERROR(Enter("SnapshotLocalPath"));
  return MustExist(SnapshotPath(snapshot.id), "snapshot " + snapshot.id);
}

Result<ConnectionInfo> FakeDriver::InitializeConnection(const VolumeRef& volume,
                                                        const ConnectorProperties& connector) {
  RETURN_IF_ERROR(Enter("InitializeConnection"));
  ASSIGN_OR_RETURN(std::string path, MustExist(VolumePath(volume.id), "volume " + volume.id));
  if (!volume.provider_auth.empty() && connector.initiator.empty()) {
    // An exported volume is reached as a remote one would be, which needs an initiator name.
    return Status::InvalidArgument("fake driver: the connector has no initiator name");
  }
  return ConnectionInfo{"local_file", {{"path", path}}};
}

Status FakeDriver::TerminateConnection(const VolumeRef& /*volume*/,
                                       const ConnectorProperties& /*connector*/) {
  return Enter("TerminateConnection");
}

std::set<std::string> FakeDriver::Exported() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exported_;
}

Result<ExportUpdate> FakeDriver::Export(const std::string& method, bool capable,
                                        const std::string& name, const std::string& path,
                                        const ConnectorProperties& connector) {
  RETURN_IF_ERROR(Enter(method));
  if (!capable) return Status::Unimplemented("fake driver: " + method + " is not enabled");
  if (connector.initiator.empty() && connector.ip.empty()) {
    return Status::InvalidArgument("fake driver: the connector names no initiator or address");
  }
  ASSIGN_OR_RETURN(std::string existing, MustExist(path, name));
  (void)existing;
  std::lock_guard<std::mutex> lock(mu_);
  exported_.insert(name);
  return ExportUpdate{"fake-export:" + name, "CHAP fake " + NewUuid()};
}

Result<ExportUpdate> FakeDriver::Unexport(const std::string& method, bool capable,
                                          const std::string& name, const std::string& path) {
  RETURN_IF_ERROR(Enter(method));
  if (!capable) return Status::Unimplemented("fake driver: " + method + " is not enabled");
  std::lock_guard<std::mutex> lock(mu_);
  exported_.erase(name);
  return ExportUpdate{path, ""};
}

Result<ExportUpdate> FakeDriver::CreateExport(const VolumeRef& volume,
                                              const ConnectorProperties& connector) {
  ASSIGN_OR_RETURN(std::string path, VolumePath(volume.id));
  return Export("CreateExport", Capabilities().volume_attachable, "volume-" + volume.id, path,
                connector);
}

Result<ExportUpdate> FakeDriver::RemoveExport(const VolumeRef& volume) {
  ASSIGN_OR_RETURN(std::string path, VolumePath(volume.id));
  return Unexport("RemoveExport", Capabilities().volume_attachable, "volume-" + volume.id, path);
}

Result<ExportUpdate> FakeDriver::CreateSnapshotExport(const SnapshotRef& snapshot,
                                                      const ConnectorProperties& connector) {
  ASSIGN_OR_RETURN(std::string path, SnapshotPath(snapshot.id));
  return Export("CreateSnapshotExport", Capabilities().snapshot_attachable,
                "snapshot-" + snapshot.id, path, connector);
}

Result<ExportUpdate> FakeDriver::RemoveSnapshotExport(const SnapshotRef& snapshot) {
  ASSIGN_OR_RETURN(std::string path, SnapshotPath(snapshot.id));
  return Unexport("RemoveSnapshotExport", Capabilities().snapshot_attachable,
                  "snapshot-" + snapshot.id, path);
}

Result<ConnectionInfo> FakeDriver::InitializeSnapshotConnection(
    const SnapshotRef& snapshot, const ConnectorProperties& connector) {
  RETURN_IF_ERROR(Enter("InitializeSnapshotConnection"));
  if (!Capabilities().snapshot_attachable) {
    return Status::Unimplemented("fake driver: snapshot_attachable=false");
  }
  if (connector.initiator.empty()) {
    return Status::InvalidArgument("fake driver: the connector has no initiator name");
  }
  ASSIGN_OR_RETURN(std::string path,
                   MustExist(SnapshotPath(snapshot.id), "snapshot " + snapshot.id));
  if (snapshot.provider_auth.empty() || Exported().count("snapshot-" + snapshot.id) == 0) {
    return Status::FailedPrecondition("fake driver: snapshot " + snapshot.id + " is not exported");
  }
  return ConnectionInfo{"local_file", {{"path", path}}};
}

Status FakeDriver::TerminateSnapshotConnection(const SnapshotRef& /*snapshot*/,
                                               const ConnectorProperties& /*connector*/) {
  return Enter("TerminateSnapshotConnection");
}

}  // namespace bb
