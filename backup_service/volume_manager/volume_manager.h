// VolumeManager: volumes, attachments and snapshots on this host, with their driver.
//
// Each operation validates its input, persists a compare-and-swap status transition (with an
// event row) BEFORE the driver call it guards, calls the driver, and persists the resting status.
// A refused request changes nothing. Operations are synchronous (driver calls are short); what a
// crash leaves in between is finished by RecoverHost at the next start (rules in
// model/state_machine.cc, failpoints in model/failpoints.cc).
// Thread-safety: all methods may be called concurrently; per-volume exclusion comes from the
// status compare-and-swap (a second concurrent operation finds the transitional status and is
// refused with FAILED_PRECONDITION).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/result.h"
#include "backup_service/db/database.h"
#include "backup_service/db/snapshot_repository.h"
#include "backup_service/db/volume_repository.h"
#include "backup_service/model/list_query.h"
#include "backup_service/model/records.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

struct CreateVolumeParams {
  std::string project_id;
  std::string name;
  std::string description;
  int64_t size_gib = 0;
};

struct CreateSnapshotParams {
  std::string project_id;
  std::string volume_id;
  std::string name;
  std::string description;
  bool force = false;
};

// ListVolumes / ListSnapshots: filters (combined with AND; empty = any) and paging.
struct ListVolumesQuery {
  std::string project_id{};
  std::string name{};    // exact
  std::string status{};  // a volume status
  PageRequest page{};
};

struct ListSnapshotsQuery {
  std::string project_id{};
  std::string volume_id{};
  std::string name{};    // exact
  std::string status{};  // a snapshot status
  PageRequest page{};
};

// A listed volume with its attachments (read for the whole page in one query).
struct ListedVolume {
  Volume volume{};
  std::vector<Attachment> attachments{};
};

// What RecoverHost did.
struct VolumeRecoveryReport {
  int volumes_recovered = 0;
  int snapshots_recovered = 0;
  int devices_disconnected = 0;
  std::vector<std::string> problems;  // steps that failed and will be retried at the next start
};

constexpr int64_t kMaxVolumeSizeGib = 16384;
constexpr size_t kMaxNameBytes = 255;

class VolumeManager {
 public:
  // list_limits: page size of the List calls (config list_default_limit, list_max_limit).
  VolumeManager(Database& db, VolumeDriver& driver, CommandRunner& runner, std::string host,
                ListLimits list_limits = {});

  Result<Volume> CreateVolume(const CreateVolumeParams& p);
  Result<Volume> GetVolume(const std::string& project_id, const std::string& volume_id);
  // List calls validate every field first (InvalidArgument saying what to fix). Listing all
  // projects is allowed here; the transport checks that the caller is the operator.
  Result<Page<ListedVolume>> ListVolumes(const ListVolumesQuery& query);
  Status DeleteVolume(const std::string& project_id, const std::string& volume_id);

  Result<Attachment> AttachVolume(const std::string& project_id, const std::string& volume_id,
                                  const std::string& instance_uuid);
  Result<Volume> DetachVolume(const std::string& project_id, const std::string& volume_id,
                              const std::string& attachment_id);
  Result<std::vector<Attachment>> ListAttachments(const std::string& volume_id);
  // One attachment of a volume of `project_id` (empty: any project). NotFound for a malformed,
  // unknown or other project's id (the same answer, so ids do not leak across projects).
  Result<Attachment> GetAttachment(const std::string& project_id, const std::string& attachment_id);

  Result<Snapshot> CreateSnapshot(const CreateSnapshotParams& p);
  Result<Snapshot> GetSnapshot(const std::string& project_id, const std::string& snapshot_id);
  Result<Page<Snapshot>> ListSnapshots(const ListSnapshotsQuery& query);
  Status DeleteSnapshot(const std::string& project_id, const std::string& snapshot_id);

  // --- Used by the backup manager (in-process today; an RPC to a volume host later) ---
  DriverCapabilities Capabilities() const { return driver_.Capabilities(); }
  // The runner the backup host's connectors use (one per process).
  CommandRunner& runner() { return runner_; }
  // Creates a temporary snapshot `snapshot_id` (is_temporary, not listed to users) of a volume the
  // caller has put in backing-up; flushes its attached devices first (crash consistency). The id
  // comes from the caller so it can be recorded on the backup before the snapshot exists; the
  // snapshot row is inserted (creating) before the driver call. On failure nothing is left.
  Result<Snapshot> CreateTemporarySnapshot(const Volume& volume, const std::string& snapshot_id,
                                           const std::string& backup_id);
  // Creates a temporary clone volume `clone_id` the same way.
  Result<Volume> CreateTemporaryClone(const Volume& volume, const std::string& clone_id,
                                      const std::string& backup_id);
  // Removes a temporary snapshot/clone and its row. Idempotent (missing is OK).
  Status DeleteTemporarySnapshot(const std::string& snapshot_id);
  Status DeleteTemporaryVolume(const std::string& volume_id);
  // --- Remote attach for the backup host (volume_exports.cc) ---
  // Exports snapshot `snapshot_id` to the host `connector` describes and returns how to reach it
  // (driver capability snapshot_attachable). The snapshot must be backing-up (a given snapshot a
  // backup holds) or a temporary one that is available (it goes backing-up first, persisted
  // before the export, so restart cleanup knows an export may exist). The export's
  // provider_location/provider_auth are stored on the row before they are used. On failure the
  // export is removed again and nothing is left. Secrets never reach a log or an error message.
  Result<ConnectionInfo> ExportSnapshot(const std::string& snapshot_id,
                                        const ConnectorProperties& connector);
  // Undoes ExportSnapshot: terminates the connection, removes the export (by the snapshot's id,
  // so also one whose update was never recorded) and clears provider_auth. The status is left as
  // it is (the caller releases the snapshot). Idempotent: OK when not exported or gone.
  Status UnexportSnapshot(const std::string& snapshot_id, const ConnectorProperties& connector);
  // The same for a volume a restore writes (restoring-backup) or a backup's temporary clone
  // (available; DeleteTemporaryVolume removes its export too), exported read-write (driver
  // capability volume_attachable). The status is never changed here.
  Result<ConnectionInfo> ExportVolume(const std::string& volume_id,
                                      const ConnectorProperties& connector);
  Status UnexportVolume(const std::string& volume_id, const ConnectorProperties& connector);
  // Paths readable/writable on this host.
  Result<std::string> VolumeLocalPath(const Volume& volume);
  Result<std::string> SnapshotLocalPath(const Snapshot& snapshot);
  // Creates a volume for a restore target: creating -> restoring-backup directly, so nobody can
  // attach it before the restore is done. The new volume is zero-filled (sparse).
  Result<Volume> CreateVolumeForRestore(const CreateVolumeParams& p);
  // Which bytes of snapshot `snapshot_id` may differ from `base_snapshot_id` (two snapshots of
  // one volume, the base older): the driver's ChangedExtents, aligned to 4 KiB and bounded to
  // kMaxChangedRanges ranges (coarser ranges, still a superset) so the answer fits one gRPC
  // message. {known = false} without the capability. NotFound for a snapshot that is gone.
  Result<ExtentReport> ChangedExtents(const std::string& base_snapshot_id,
                                      const std::string& snapshot_id);
  static constexpr size_t kMaxChangedRanges = 65536;
  // Which bytes of snapshot `snapshot_id` may hold data: the driver's AllocatedExtents, aligned
  // and bounded as ChangedExtents. {known = false} without the capability.
  Result<ExtentReport> AllocatedExtents(const std::string& snapshot_id);

  // Restart-time cleanup of the volume and snapshot operations this host left unfinished
  // (volume_recovery.cc): every volume/snapshot of this host in a transitional status that no
  // running backup or restore holds ends in a resting one, and devices and driver objects the
  // crash left are removed. Run after BackupManager::RecoverHost and before serving requests
  // (an operation in flight would be mistaken for an interrupted one). Idempotent.
  Result<VolumeRecoveryReport> RecoverHost();

 private:
  Status FlushAttachedDevices(const Volume& volume);
  // A create that cannot finish: the driver object is removed (idempotent) before the record
  // goes creating -> error, so an error record never holds storage.
  Status FailCreate(const Volume& v, const std::string& why);
  Status FailSnapshotCreate(const Snapshot& s, const std::string& why);
  // Disconnects `device` (idempotent; none when empty) and undoes the driver's connection for
  // this host.
  Status DisconnectDevice(const Volume& v, const std::string& device);
  // The devices on this host that back `v` and that no attachment in `keep` records.
  Result<std::vector<std::string>> UnrecordedDevices(const Volume& v,
                                                     const std::vector<Attachment>& keep);
  // attaching -> previous status: the attaching attachment's device (recorded or not) is
  // disconnected and its row removed with the transition. Returns devices disconnected.
  Result<int> RollBackAttach(const Volume& v, const std::string& why);
  // Recovery of a detaching volume: its detaching attachment's device disconnected, then
  // FinishDetach.
  Status FinishInterruptedDetach(const Volume& v, const std::string& why);
  // detaching -> in-use (other attachments remain) or available, removing `attachment_id`
  // (none when empty).
  Status FinishDetach(const Volume& v, const std::string& attachment_id, const std::string& reason);
  // Inserts the row (creating) then makes the driver volume; creating -> `resting` on success,
  // -> error on failure.
  Result<Volume> CreateVolumeRecord(const CreateVolumeParams& p, VolumeStatus resting,
                                    bool is_temporary, const std::string& reason);
  // Moves a volume/snapshot in any status to deleting, removes its data and its row. Idempotent.
  Status DeleteTemporaryVolumeImpl(const Volume& v);
  // Removes the volume's incremental bases (live or superseded), each persisted deleting before
  // the driver removes it; a volume delete (and its restart cleanup) does this first.
  Status RemoveIncrementalBases(const std::string& volume_id);
  VolumeRef Ref(const Volume& v) const;
  SnapshotRef Ref(const Snapshot& s) const;
  ConnectorProperties HostConnector() const;

  Database& db_;
  VolumeRepository volumes_;
  SnapshotRepository snapshots_;
  VolumeDriver& driver_;
  CommandRunner& runner_;
  std::string host_;
  ListLimits list_limits_;
};

}  // namespace bb
