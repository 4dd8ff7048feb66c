// VolumeDriver: the contract between the volume manager and a storage backend.
//
// A driver turns volume and snapshot records into storage objects (files, LVs, LUNs). It holds no
// database state: the manager persists every record BEFORE it calls the driver, and passes the
// driver's handle (provider_location) back in on later calls.
//
// Optional features are described by Capabilities(), as data; the manager chooses the backup path
// from them and never calls a method whose capability is false. Optional methods return
// Unimplemented by default.
//
// Idempotency: Delete* succeed when the object is already gone (restart cleanup relies on it).
// Thread-safety: implementations must accept concurrent calls on different volumes/snapshots.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/result.h"

namespace bb {

struct DriverCapabilities {
  // CreateSnapshot gives a crash-consistent point-in-time copy of a volume, even while it is
  // attached and written (the manager flushes the attached device first).
  bool can_snapshot = false;
  // SnapshotLocalPath returns a path on this host that reads the snapshot (LVM: /dev/mapper/...,
  // file driver: the reflink copy).
  bool snapshot_readable_locally = false;
  // Snapshots can be exported and attached through a connector (driver-SDK issue).
  bool snapshot_attachable = false;
  // CreateClonedVolume works; clone_is_cheap when it is O(1) (reflink, thin snapshot).
  bool can_clone = false;
  bool clone_is_cheap = false;
  // VolumeLocalPath returns a path on this host that reads/writes the volume.
  bool volume_readable_locally = false;
  // Extent reporting for the chunk engine (later issues).
  bool reports_allocated_extents = false;
  bool reports_changed_extents = false;
  // When neither snapshots nor clones are consistent: why, in words an operator can act on.
  std::string no_consistent_copy_reason;
  // When can_snapshot is false: why (a missing filesystem feature, or a configuration that turns
  // snapshots off). Shown in refusals of user snapshots and in a backup's source reason.
  std::string no_snapshot_reason;
};

struct VolumeRef {
  std::string id;
  int64_t size_bytes = 0;
  std::string provider_location;  // empty before CreateVolume
};

struct SnapshotRef {
  std::string id;
  std::string volume_id;
  int64_t size_bytes = 0;
  std::string provider_location;
};

// What a connector needs to reach a volume (os-brick's connection_info).
struct ConnectionInfo {
  std::string driver_volume_type;           // "local_file", later "iscsi"
  std::map<std::string, std::string> data;  // e.g. {"path": "/var/lib/bb/volumes/volume-<id>"}
};

// Who is connecting (os-brick's connector properties).
struct ConnectorProperties {
  std::string host;
  std::string initiator;  // iSCSI IQN, when there is one
};

using DriverConfig = std::map<std::string, std::string>;

class VolumeDriver {
 public:
  virtual ~VolumeDriver() = default;

  // Short registry name ("file", "fake").
  virtual std::string Name() const = 0;
  // Verifies the backend is usable (directory exists, tools present); detects capabilities.
  // Called once at start; other methods may assume it succeeded.
  virtual Status CheckForSetupError() = 0;
  virtual DriverCapabilities Capabilities() const = 0;

  // Creates an empty volume of ref.size_bytes. Returns its provider_location.
  virtual Result<std::string> CreateVolume(const VolumeRef& volume) = 0;
  // Removes the volume. OK when it does not exist.
  virtual Status DeleteVolume(const VolumeRef& volume) = 0;
  // Grows the volume to new_size_bytes (never shrinks).
  virtual Status ExtendVolume(const VolumeRef& volume, int64_t new_size_bytes);

  // Makes `dst` a copy of `src` as of one instant. Returns dst's provider_location.
  virtual Result<std::string> CreateClonedVolume(const VolumeRef& dst, const VolumeRef& src);
  // Point-in-time snapshot of `volume`. Returns the snapshot's provider_location.
  virtual Result<std::string> CreateSnapshot(const SnapshotRef& snapshot, const VolumeRef& volume);
  // Removes the snapshot. OK when it does not exist.
  virtual Status DeleteSnapshot(const SnapshotRef& snapshot);

  // A path on this host reading (and for volumes writing) the object; see capabilities.
  virtual Result<std::string> VolumeLocalPath(const VolumeRef& volume);
  virtual Result<std::string> SnapshotLocalPath(const SnapshotRef& snapshot);

  // Makes the volume reachable by `connector` and says how (the connector then attaches it).
  virtual Result<ConnectionInfo> InitializeConnection(const VolumeRef& volume,
                                                      const ConnectorProperties& connector) = 0;
  // Undoes InitializeConnection. OK when there is nothing to undo.
  virtual Status TerminateConnection(const VolumeRef& volume,
                                     const ConnectorProperties& connector) = 0;
};

// Registry of built-in drivers: "file" and "fake". One function lists them all (no static
// initialiser tricks). NotFound names the known drivers.
Result<std::unique_ptr<VolumeDriver>> CreateVolumeDriver(const std::string& name,
                                                         const DriverConfig& config,
                                                         CommandRunner& runner);

}  // namespace bb
