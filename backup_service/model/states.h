// Status values of volumes, snapshots, backups and attachments, as stored in PostgreSQL (the
// CHECK constraints in schema/ list the same strings) and shown by the API. The legal transitions
// between them are in state_machine.h.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bb {

enum class VolumeStatus {
  kCreating,
  kAvailable,
  kAttaching,
  kInUse,
  kDetaching,
  kBackingUp,        // only while the temporary snapshot or clone is being made
  kRestoringBackup,  // target of a restore
  kDeleting,
  kError,
  kErrorRestoring,
};

enum class SnapshotStatus { kCreating, kAvailable, kBackingUp, kDeleting, kError };

enum class BackupStatus {
  kCreating,
  kAvailable,
  kDeleting,
  kDeleted,
  kRestoring,
  kError,
  kErrorDeleting,
};

enum class AttachmentStatus { kAttaching, kAttached, kDetaching };

std::string_view ToString(VolumeStatus s);
std::string_view ToString(SnapshotStatus s);
std::string_view ToString(BackupStatus s);
std::string_view ToString(AttachmentStatus s);

std::optional<VolumeStatus> ParseVolumeStatus(std::string_view s);
std::optional<SnapshotStatus> ParseSnapshotStatus(std::string_view s);
std::optional<BackupStatus> ParseBackupStatus(std::string_view s);
std::optional<AttachmentStatus> ParseAttachmentStatus(std::string_view s);

// Every status name of a resource, in declaration order (for messages listing the valid ones).
std::span<const std::string_view> VolumeStatusNames();
std::span<const std::string_view> SnapshotStatusNames();
std::span<const std::string_view> BackupStatusNames();

}  // namespace bb
