// VolumeDriver: the contract between the volume manager and a storage backend (Cinder's
// VolumeDriver, without its mixins).
//
// A driver turns volume and snapshot records into storage objects (files, LVs, LUNs) and makes
// them reachable from other hosts (exports). It holds no database state: the manager persists
// every record BEFORE it calls the driver, and passes the driver's handles back in on later calls
// (VolumeRef/SnapshotRef::provider_location and provider_auth, as the driver returned them).
//
// Optional features are described by Capabilities(), as data; the manager chooses the backup path
// from them and never calls a method whose capability is false. Optional methods return
// Unimplemented by default (volume_driver.cc), so a driver implements only what it declares.
//
// Rules for every method, unless its comment says otherwise:
// - Ids are UUIDs; anything else is InvalidArgument before a path or name is built from it.
// - Success leaves the object in the described state; failure leaves nothing half-made (a driver
//   that fails midway removes what it made before returning the error).
// - Delete*, Remove*Export and Terminate*Connection are idempotent: OK when there is nothing to
//   remove (restart cleanup calls them without knowing how far the crashed operation got).
//   Create*Export converges: called again for the same object it returns the same export.
// - Errors are Status values with gRPC's canonical codes: NotFound (the object does not exist),
//   FailedPrecondition (fix the state first, e.g. a volume that still has snapshots),
//   InvalidArgument (the request is wrong), Unavailable (retry: the backend is unreachable),
//   Unimplemented (the capability is false).
// - Secrets (provider_auth, ConnectionInfo's auth_password) are never logged by a driver.
// Thread-safety: every method may be called concurrently for different volumes and snapshots;
// calls for the same object are serialised by the manager (its status compare-and-swap).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
  // Snapshots can be exported (CreateSnapshotExport) and attached through a connector
  // (InitializeSnapshotConnection), read-only.
  bool snapshot_attachable = false;
  // CreateClonedVolume works; clone_is_cheap when it is O(1) (reflink, thin snapshot).
  bool can_clone = false;
  bool clone_is_cheap = false;
  // CreateVolumeFromSnapshot works (a new volume holding a snapshot's data).
  bool can_create_from_snapshot = false;
  // VolumeLocalPath returns a path on this host that reads/writes the volume.
  bool volume_readable_locally = false;
  // Volumes can be exported (CreateExport) and attached from another host (InitializeConnection
  // then returns a remote connection, e.g. "iscsi"), read-write.
  bool volume_attachable = false;
  // Extent reporting for the chunk engine: which ranges of a snapshot hold data
  // (AllocatedExtents), and which ranges differ between two snapshots of one volume
  // (ChangedExtents).
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
  std::string provider_auth;      // set while exported (a secret: never log it)
};

struct SnapshotRef {
  std::string id;
  std::string volume_id;
  int64_t size_bytes = 0;
  std::string provider_location;
  std::string provider_auth;  // set while exported (a secret: never log it)
};

// What a connector needs to reach a volume or snapshot (os-brick's connection_info).
// "local_file": data {"path"}. "iscsi": data {"target_portal", "target_iqn", "target_lun",
// "auth_method", "auth_username", "auth_password"} (targets/iscsi_target.h). auth_password is a
// secret: never log a ConnectionInfo's data.
struct ConnectionInfo {
  std::string driver_volume_type;
  std::map<std::string, std::string> data;
};

// Who is connecting (os-brick's connector properties).
struct ConnectorProperties {
  std::string host;
  std::string initiator;  // iSCSI initiator name (IQN) of the connecting host, when there is one
  std::string ip;         // the address the connecting host reaches targets from
};

// The model update of an export (Cinder's create_export return value): what the manager stores
// on the volume or snapshot row and passes back in later calls. Both fields empty when the
// object is not exported.
struct ExportUpdate {
  std::string provider_location;
  std::string provider_auth;  // a secret: never logged or returned by the API
};

// A byte range of a volume or snapshot: [offset, offset + length).
struct ByteRange {
  int64_t offset = 0;
  int64_t length = 0;

  bool operator==(const ByteRange&) const = default;
};

// What ChangedExtents and AllocatedExtents answer. `known` false: the driver cannot tell (the
// caller reads everything, as without the capability). `known` true: every byte that matters
// (ChangedExtents: differs between the two snapshots; AllocatedExtents: may not read as zero)
// lies in `ranges` (sorted, non-overlapping, non-empty, within the snapshot's size); ranges may
// also cover other bytes (a superset is correct, a missing byte is not).
struct ExtentReport {
  bool known = false;
  std::vector<ByteRange> ranges;
};

using DriverConfig = std::map<std::string, std::string>;

class VolumeDriver {
 public:
  virtual ~VolumeDriver() = default;

  // Short registry name ("file", "lvm", "fake").
  virtual std::string Name() const = 0;
  // Verifies the backend is usable (directory exists, tools and target framework present);
  // detects capabilities. Called once at start; other methods may assume it succeeded.
  virtual Status CheckForSetupError() = 0;
  // Pure data; cheap; stable after CheckForSetupError.
  virtual DriverCapabilities Capabilities() const = 0;

  // --- Volumes ---
  // Creates an empty (zero-reading) volume of volume.size_bytes. Returns its provider_location.
  // AlreadyExists when an object of that id exists.
  virtual Result<std::string> CreateVolume(const VolumeRef& volume) = 0;
  // Removes the volume. OK when it does not exist. FailedPrecondition, changing nothing, while
  // snapshots of it exist (delete them first). Does not remove an export: RemoveExport first.
  virtual Status DeleteVolume(const VolumeRef& volume) = 0;
  // Grows the volume to new_size_bytes; OK when already that size. InvalidArgument when it would
  // shrink, NotFound when the volume does not exist. Existing data and snapshots are unchanged.
  virtual Status ExtendVolume(const VolumeRef& volume, int64_t new_size_bytes);
  // Makes `dst` a copy of `src` as of one instant (can_clone). Returns dst's provider_location.
  // Later writes to either never show in the other.
  virtual Result<std::string> CreateClonedVolume(const VolumeRef& dst, const VolumeRef& src);
  // Makes `dst` a volume holding `snapshot`'s data (can_create_from_snapshot), grown to
  // dst.size_bytes when that is larger. Returns dst's provider_location. Independent of the
  // snapshot afterwards.
  virtual Result<std::string> CreateVolumeFromSnapshot(const VolumeRef& dst,
                                                       const SnapshotRef& snapshot);

  // --- Snapshots ---
  // Point-in-time snapshot of `volume` (can_snapshot). Returns the snapshot's provider_location.
  // Later writes to the volume never show in the snapshot.
  virtual Result<std::string> CreateSnapshot(const SnapshotRef& snapshot, const VolumeRef& volume);
  // Removes the snapshot. OK when it does not exist. Does not remove an export:
  // RemoveSnapshotExport first.
  virtual Status DeleteSnapshot(const SnapshotRef& snapshot);

  // Which bytes of `snapshot` may differ from `base`, two snapshots of the same volume with
  // `base` taken first (reports_changed_extents; the incremental backup reads only these). The
  // contract is a superset: every byte written to the volume between the two snapshots must lie
  // in a returned range; unchanged bytes may too. Bytes beyond the base's size count as changed.
  // {known = false} when the driver cannot tell for this pair (e.g. the backend lost the
  // sharing); the caller then reads everything. NotFound when either snapshot does not exist;
  // InvalidArgument when they belong to different volumes. Reads only: safe to call while both
  // snapshots are read elsewhere.
  virtual Result<ExtentReport> ChangedExtents(const SnapshotRef& base, const SnapshotRef& snapshot);
  // Which bytes of `snapshot` may hold data (reports_allocated_extents; a full backup reads only
  // these and stores the rest as zero chunks without reading it: a thin volume that is mostly
  // unwritten costs what its data costs). A superset: every byte that may not read as zero must
  // lie in a returned range. {known = false} when the driver cannot tell; NotFound when the
  // snapshot does not exist. Reads only: safe while the snapshot is read elsewhere.
  virtual Result<ExtentReport> AllocatedExtents(const SnapshotRef& snapshot);

  // --- Local access (this host) ---
  // A path on this host reading (and for volumes writing) the object; NotFound when it does not
  // exist. Only when volume_readable_locally / snapshot_readable_locally.
  virtual Result<std::string> VolumeLocalPath(const VolumeRef& volume);
  virtual Result<std::string> SnapshotLocalPath(const SnapshotRef& snapshot);

  // --- Export and connection (Cinder's create_export / initialize_connection) ---
  // The order is CreateExport -> InitializeConnection -> (connector attaches, reads/writes,
  // detaches) -> TerminateConnection -> RemoveExport; the manager persists the ExportUpdate
  // before it uses it, and calls RemoveExport even when a later step failed.
  //
  // Exports the volume (volume_attachable) so that the host `connector` describes can attach it,
  // read-write, with generated credentials. Returns what the manager stores. Converges when called
  // again (same export; the credentials may be renewed: store the new update). InvalidArgument
  // when the connector has no initiator name and no address.
  virtual Result<ExportUpdate> CreateExport(const VolumeRef& volume,
                                            const ConnectorProperties& connector);
  // Removes the volume's export (every session on it ends). OK when not exported. Returns the
  // model update that says "not exported" (the manager stores it).
  virtual Result<ExportUpdate> RemoveExport(const VolumeRef& volume);
  // Says how `connector` reaches the volume. With an export recorded in volume.provider_location/
  // provider_auth, a remote connection ("iscsi"); without one, a local one ("local_file") when the
  // volume is readable locally. Creates nothing that TerminateConnection does not undo.
  virtual Result<ConnectionInfo> InitializeConnection(const VolumeRef& volume,
                                                      const ConnectorProperties& connector) = 0;
  // Undoes InitializeConnection. OK when there is nothing to undo.
  virtual Status TerminateConnection(const VolumeRef& volume,
                                     const ConnectorProperties& connector) = 0;

  // The same for snapshots (snapshot_attachable), always read-only: a target refuses writes.
  virtual Result<ExportUpdate> CreateSnapshotExport(const SnapshotRef& snapshot,
                                                    const ConnectorProperties& connector);
  virtual Result<ExportUpdate> RemoveSnapshotExport(const SnapshotRef& snapshot);
  // FailedPrecondition when the snapshot carries no export (CreateSnapshotExport first).
  virtual Result<ConnectionInfo> InitializeSnapshotConnection(const SnapshotRef& snapshot,
                                                              const ConnectorProperties& connector);
  virtual Status TerminateSnapshotConnection(const SnapshotRef& snapshot,
                                             const ConnectorProperties& connector);
};

// What a driver's folder defines for the registry (driver_registry.cc): builds the driver from
// its options (backupd's `volume_driver.<key> = value` lines, keys without the prefix). A factory
// validates its own options: InvalidArgument naming the driver and the key for a key it does not
// know or a bad value (CheckDriverOptions), so a typo never silently falls back to a default.
using DriverFactory = Result<std::unique_ptr<VolumeDriver>>(const DriverConfig& options,
                                                            CommandRunner& runner);

// For factories: InvalidArgument naming `driver` and the first key of `options` that is neither
// in `known` nor starts with one of `known_prefixes` (e.g. "fail."); the message lists the known
// keys. OK otherwise.
Status CheckDriverOptions(const std::string& driver, const DriverConfig& options,
                          const std::vector<std::string>& known,
                          const std::vector<std::string>& known_prefixes = {});

// Registry of built-in drivers (driver_registry.cc, one line each: "file", "lvm" and "fake"). No
// static initialiser tricks. NotFound names the known drivers. `runner` runs the driver's commands
// (the iSCSI target helper's tgtadm) and must outlive the driver.
Result<std::unique_ptr<VolumeDriver>> CreateVolumeDriver(const std::string& name,
                                                         const DriverConfig& config,
                                                         CommandRunner& runner);
// The registered names, in registry order.
std::vector<std::string> VolumeDriverNames();

}  // namespace bb
