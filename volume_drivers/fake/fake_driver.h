// FakeDriver: a volume driver for unit tests ONLY (manager, datapath, RPC tests). Never configure
// it for a demo or a real deployment: its snapshots and clones are full byte copies, which are
// point-in-time only because tests do not write to a volume while it is being copied.
//
// Volumes are files "volume-<id>" in a directory (a fresh temp dir, removed with the driver, unless
// "volumes_dir" is given). Every capability is configurable, and any method can be made to fail
// (FailNext / FailAlways, or "fail.<Method>" config keys) so that tests can drive error paths.
//
// Config keys (all optional; backupd: volume_driver.<key>; any other key is refused by Create):
//   volumes_dir                      directory to use instead of a private temp dir
//   can_snapshot, snapshot_readable_locally, snapshot_attachable, can_clone, clone_is_cheap,
//   can_create_from_snapshot, volume_readable_locally, volume_attachable
//                                    "true"/"false" (defaults: true, true, false, true, false,
//                                    true, true, false)
//   no_consistent_copy_reason        text reported by Capabilities()
//   fail.<Method>                    a status code name, e.g. fail.CreateSnapshot=UNAVAILABLE:
//                                    that method always fails with it
// Exports (when volume_attachable / snapshot_attachable) are bookkeeping only: CreateExport
// returns provider_location "fake-export:<kind>-<id>" and a generated provider_auth, and the
// connection of an exported object is still its local file ("local_file"), so tests can attach
// it with the loop connector. Exported() says what is exported now. DeleteVolume is refused while
// snapshots of the volume exist (remembered in memory, so not across a restart).
// Methods are named as in VolumeDriver: "CreateVolume", "DeleteVolume", "ExtendVolume",
// "CreateClonedVolume", "CreateVolumeFromSnapshot", "CreateSnapshot", "DeleteSnapshot",
// "VolumeLocalPath", "SnapshotLocalPath", "InitializeConnection", "TerminateConnection",
// "CreateExport", "RemoveExport", "CreateSnapshotExport", "RemoveSnapshotExport",
// "InitializeSnapshotConnection", "TerminateSnapshotConnection", "CheckForSetupError".
// Thread-safety: all methods, including the fault-injection ones, may be called concurrently.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "volume_drivers/volume_driver.h"

namespace bb {

class FakeDriver : public VolumeDriver {
 public:
  static constexpr const char* kName = "fake";

  // InvalidArgument for an unknown key, a malformed capability flag or fail.* value.
  static Result<std::unique_ptr<FakeDriver>> Create(const DriverConfig& config);
  // Capabilities tests usually want: snapshots and clones readable locally.
  static DriverCapabilities DefaultCapabilities();
  // `volumes_dir` empty: a private temp dir is created now and removed by the destructor.
  explicit FakeDriver(DriverCapabilities caps = DefaultCapabilities(),
                      std::string volumes_dir = "");
  ~FakeDriver() override;
  FakeDriver(const FakeDriver&) = delete;
  FakeDriver& operator=(const FakeDriver&) = delete;

  // --- Test controls ---
  // The next call of `method` fails with `status` (queued: two FailNext calls fail two calls).
  void FailNext(const std::string& method, Status status);
  // Every call of `method` fails with `status` until ClearFailures.
  void FailAlways(const std::string& method, Status status);
  void ClearFailures();
  // How many times `method` was called (including failed calls).
  int CallCount(const std::string& method) const;
  void SetCapabilities(DriverCapabilities caps);
  const std::string& volumes_dir() const { return dir_; }
  // "volume-<id>" / "snapshot-<id>" of every object exported now.
  std::set<std::string> Exported() const;

  // --- VolumeDriver ---
  std::string Name() const override { return kName; }
  Status CheckForSetupError() override;
  DriverCapabilities Capabilities() const override;
  Result<std::string> CreateVolume(const VolumeRef& volume) override;
  Status DeleteVolume(const VolumeRef& volume) override;
  Status ExtendVolume(const VolumeRef& volume, int64_t new_size_bytes) override;
  Result<std::string> CreateClonedVolume(const VolumeRef& dst, const VolumeRef& src) override;
  Result<std::string> CreateVolumeFromSnapshot(const VolumeRef& dst,
                                               const SnapshotRef& snapshot) override;
  Result<std::string> CreateSnapshot(const SnapshotRef& snapshot, const VolumeRef& volume) override;
  Status DeleteSnapshot(const SnapshotRef& snapshot) override;
  Result<std::string> VolumeLocalPath(const VolumeRef& volume) override;
  Result<std::string> SnapshotLocalPath(const SnapshotRef& snapshot) override;
  Result<ConnectionInfo> InitializeConnection(const VolumeRef& volume,
                                              const ConnectorProperties& connector) override;
  Status TerminateConnection(const VolumeRef& volume,
                             const ConnectorProperties& connector) override;
  Result<ExportUpdate> CreateExport(const VolumeRef& volume,
                                    const ConnectorProperties& connector) override;
  Result<ExportUpdate> RemoveExport(const VolumeRef& volume) override;
  Result<ExportUpdate> CreateSnapshotExport(const SnapshotRef& snapshot,
                                            const ConnectorProperties& connector) override;
  Result<ExportUpdate> RemoveSnapshotExport(const SnapshotRef& snapshot) override;
  Result<ConnectionInfo> InitializeSnapshotConnection(
      const SnapshotRef& snapshot, const ConnectorProperties& connector) override;
  Status TerminateSnapshotConnection(const SnapshotRef& snapshot,
                                     const ConnectorProperties& connector) override;

 private:
  // Bookkeeping of an export of `name` ("volume-<id>"); `path` must exist.
  Result<ExportUpdate> Export(const std::string& method, bool capable, const std::string& name,
                              const std::string& path, const ConnectorProperties& connector);
  Result<ExportUpdate> Unexport(const std::string& method, bool capable, const std::string& name,
                                const std::string& path);
  // Counts the call and returns the injected failure for `method`, if any.
  Status Enter(const std::string& method);
  Result<std::string> VolumePath(const std::string& id) const;
  Result<std::string> SnapshotPath(const std::string& id) const;

  std::string dir_;
  bool owns_dir_ = false;
  mutable std::mutex mu_;
  DriverCapabilities caps_;                              // guarded by mu_
  std::map<std::string, std::deque<Status>> fail_next_;  // guarded by mu_
  std::map<std::string, Status> fail_always_;            // guarded by mu_
  std::map<std::string, int> calls_;                     // guarded by mu_
  std::map<std::string, std::string> snapshot_volume_;   // snapshot id -> volume id; mu_
  std::set<std::string> exported_;                       // guarded by mu_
};

// The registry's factory (driver_registry.cc): FakeDriver::Create as a VolumeDriver.
DriverFactory CreateFakeVolumeDriver;

}  // namespace bb
