#include "backup_service/model/states.h"

#include <array>
#include <utility>

namespace bb {
namespace {

template <typename E, size_t N>
std::string_view Name(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [v, n] : table) {
    if (v == e) return n;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::pair<E, std::string_view>, N>& table,
                       std::string_view s) {
  for (const auto& [v, n] : table) {
    if (n == s) return v;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<VolumeStatus, std::string_view>, 10> kVolume{{
    {VolumeStatus::kCreating, "creating"},
    {VolumeStatus::kAvailable, "available"},
    {VolumeStatus::kAttaching, "attaching"},
    {VolumeStatus::kInUse, "in-use"},
    {VolumeStatus::kDetaching, "detaching"},
    {VolumeStatus::kBackingUp, "backing-up"},
    {VolumeStatus::kRestoringBackup, "restoring-backup"},
    {VolumeStatus::kDeleting, "deleting"},
    {VolumeStatus::kError, "error"},
    {VolumeStatus::kErrorRestoring, "error_restoring"},
}};
constexpr std::array<std::pair<SnapshotStatus, std::string_view>, 5> kSnapshot{{
    {SnapshotStatus::kCreating, "creating"},
    {SnapshotStatus::kAvailable, "available"},
    {SnapshotStatus::kBackingUp, "backing-up"},
    {SnapshotStatus::kDeleting, "deleting"},
    {SnapshotStatus::kError, "error"},
}};
constexpr std::array<std::pair<BackupStatus, std::string_view>, 7> kBackup{{
    {BackupStatus::kCreating, "creating"},
    {BackupStatus::kAvailable, "available"},
    {BackupStatus::kDeleting, "deleting"},
    {BackupStatus::kDeleted, "deleted"},
    {BackupStatus::kRestoring, "restoring"},
    {BackupStatus::kError, "error"},
    {BackupStatus::kErrorDeleting, "error_deleting"},
}};
constexpr std::array<std::pair<AttachmentStatus, std::string_view>, 3> kAttachment{{
    {AttachmentStatus::kAttaching, "attaching"},
    {AttachmentStatus::kAttached, "attached"},
    {AttachmentStatus::kDetaching, "detaching"},
}};

template <typename E, size_t N>
std::array<std::string_view, N> Names(const std::array<std::pair<E, std::string_view>, N>& table) {
  std::array<std::string_view, N> names;
  for (size_t i = 0; i < N; ++i) names[i] = table[i].second;
  return names;
}

}  // namespace

std::string_view ToString(VolumeStatus s) { return Name(kVolume, s); }
std::string_view ToString(SnapshotStatus s) { return Name(kSnapshot, s); }
std::string_view ToString(BackupStatus s) { return Name(kBackup, s); }
std::string_view ToString(AttachmentStatus s) { return Name(kAttachment, s); }
std::optional<VolumeStatus> ParseVolumeStatus(std::string_view s) { return Parse(kVolume, s); }
std::optional<SnapshotStatus> ParseSnapshotStatus(std::string_view s) {
  return Parse(kSnapshot, s);
}
std::optional<BackupStatus> ParseBackupStatus(std::string_view s) { return Parse(kBackup, s); }
std::optional<AttachmentStatus> ParseAttachmentStatus(std::string_view s) {
  return Parse(kAttachment, s);
}

std::span<const std::string_view> VolumeStatusNames() {
  static const auto kNames = Names(kVolume);
  return kNames;
}
std::span<const std::string_view> SnapshotStatusNames() {
  static const auto kNames = Names(kSnapshot);
  return kNames;
}
std::span<const std::string_view> BackupStatusNames() {
  static const auto kNames = Names(kBackup);
  return kNames;
}

}  // namespace bb
