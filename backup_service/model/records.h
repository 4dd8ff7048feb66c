// Plain records of the four aggregates, as the repositories (backup_service/db) read and write
// them. Times are Unix epoch microseconds (0 = unset); sizes in GiB for volumes (the API unit) and
// bytes for data counters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backup_service/model/states.h"

namespace bb {

struct Volume {
  std::string id;
  std::string project_id;
  std::string name;
  std::string description;
  int64_t size_gib = 0;
  VolumeStatus status = VolumeStatus::kCreating;
  std::optional<VolumeStatus> previous_status;  // where a backup/attach returns the volume to
  std::string host;                             // volume service that owns it
  std::string provider_location;                // driver's handle (file driver: the file path)
  std::string provider_auth;  // export credential while exported; never logged or returned
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Attachment {
  std::string id;
  std::string volume_id;
  std::string instance_uuid;  // empty for attachments the backup host makes for itself
  std::string attached_host;
  std::string device;  // block device path on attached_host, e.g. /dev/loop3
  AttachmentStatus status = AttachmentStatus::kAttaching;
  int64_t created_at = 0;
};

struct Snapshot {
  std::string id;
  std::string project_id;
  std::string volume_id;
  std::string name;
  std::string description;
  int64_t size_gib = 0;
  SnapshotStatus status = SnapshotStatus::kCreating;
  bool is_temporary = false;      // made by a backup; not counted, removed by the backup
  std::string host;               // volume service that makes and removes it
  std::string provider_location;  // driver's handle (file driver: the reflink file)
  std::string provider_auth;      // export credential; never logged or returned by the API
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// How the backup read its source (stored on the backup so operators can see what happened).
// *Local: through a path on this host; *Attached: through the driver's export, attached with a
// connector (e.g. an iSCSI login) and read through its block device handle.
enum class BackupSourceKind {
  kNone,
  kVolumeDirect,
  kTempSnapshotLocal,
  kTempCloneLocal,
  kSnapshotLocal,
  kTempSnapshotAttached,
  kTempCloneAttached,
  kSnapshotAttached
};
std::string_view ToString(BackupSourceKind k);
std::optional<BackupSourceKind> ParseBackupSourceKind(std::string_view s);

// Storage formats of backup data (backup_service/datapath/README.md): v1 chunk objects with JSON
// manifests, and v2 packs with index objects and binary manifests.
inline constexpr std::string_view kStorageChunkedV1 = "chunked-v1";
inline constexpr std::string_view kStoragePackedV2 = "packed-v2";

struct Backup {
  std::string id;
  std::string project_id;
  std::string volume_id;
  std::string snapshot_id;  // set when the user asked to back up a given snapshot
  std::string name;
  std::string description;
  BackupStatus status = BackupStatus::kCreating;
  std::string fail_reason;
  std::string parent_id;  // set for --incremental: the backup whose chunks were reused
  std::string temp_volume_id;
  std::string temp_snapshot_id;
  std::string restore_volume_id;        // target of the restore in progress
  bool restore_volume_created = false;  // that target was created for the restore
  std::string container;                // object-store container (project-namespaced)
  std::string manifest_object;          // object name of the manifest inside the container
  // How its data is laid out in the store (kStorageChunkedV1 or kStoragePackedV2), fixed when the
  // row is created, before any object is written: restore, delete, export and restart cleanup
  // dispatch on it, never on the daemon's current configuration. Column `service`.
  std::string storage_format = "chunked-v1";
  std::string host;          // backup service that runs it
  int64_t size_gib = 0;      // source volume size
  int64_t object_count = 0;  // objects written by this backup (new chunks + manifest)
  int64_t stored_bytes = 0;  // bytes this backup added to the store
  int64_t bytes_done = 0;    // progress of the running operation
  int64_t bytes_total = 0;
  BackupSourceKind source_kind = BackupSourceKind::kNone;
  std::string source_reason;  // why that source was chosen
  std::string source_device;  // the path that was read
  int64_t num_dependent_backups = 0;
  int64_t data_timestamp = 0;  // the instant the data represents (snapshot time)
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

}  // namespace bb
