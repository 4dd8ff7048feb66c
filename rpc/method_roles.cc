// The method -> role table (method_roles.h).
#include "rpc/method_roles.h"

#include <array>
#include <utility>

namespace bb {
namespace {

using R = ApiRole;
constexpr std::array<std::pair<std::string_view, ApiRole>, 35> kMethodRoles = {{
    {"/bb.v1.VolumeService/CreateVolume", R::kMember},
    {"/bb.v1.VolumeService/GetVolume", R::kReader},
    {"/bb.v1.VolumeService/ListVolumes", R::kReader},
    {"/bb.v1.VolumeService/DeleteVolume", R::kMember},
    {"/bb.v1.VolumeService/AttachVolume", R::kMember},
    {"/bb.v1.VolumeService/DetachVolume", R::kMember},
    {"/bb.v1.VolumeService/CreateSnapshot", R::kMember},
    {"/bb.v1.VolumeService/GetSnapshot", R::kReader},
    {"/bb.v1.VolumeService/ListSnapshots", R::kReader},
    {"/bb.v1.VolumeService/DeleteSnapshot", R::kMember},
    {"/bb.v1.VolumeService/GetAttachment", R::kReader},
    {"/bb.v1.BackupService/CreateBackup", R::kMember},
    {"/bb.v1.BackupService/GetBackup", R::kReader},
    {"/bb.v1.BackupService/ListBackups", R::kReader},
    {"/bb.v1.BackupService/DeleteBackup", R::kMember},
    {"/bb.v1.BackupService/RestoreBackup", R::kMember},
    {"/bb.v1.BackupService/CancelRestore", R::kMember},
    {"/bb.v1.BackupService/UpdateBackup", R::kMember},
    // Cinder's policy: export and import of backup records are admin actions.
    {"/bb.v1.BackupService/ExportBackupRecord", R::kAdmin},
    {"/bb.v1.BackupService/ImportBackupRecord", R::kAdmin},
    {"/bb.v1.BackupService/ResetBackupStatus", R::kAdmin},
    {"/bb.v1.BackupService/WatchBackup", R::kReader},
    {"/bb.v1.BackupService/WatchRestore", R::kReader},
    // Quotas: a project's readers see their own (the handler checks the project); changes are
    // an admin's.
    {"/bb.v1.BackupService/GetQuota", R::kReader},
    {"/bb.v1.BackupService/GetDefaultQuota", R::kReader},
    {"/bb.v1.BackupService/UpdateQuota", R::kAdmin},
    {"/bb.v1.BackupService/ResetQuota", R::kAdmin},
    // Reads only, but costs a restore's reads: the owner's members (and admins), as restore.
    {"/bb.v1.BackupService/VerifyBackup", R::kMember},
    // Disaster recovery inserts rows: admin, as import.
    {"/bb.v1.BackupService/RebuildCatalog", R::kAdmin},
    // Rewrites and deletes a container's packs on the operator's schedule: admin.
    {"/bb.v1.BackupService/CollectGarbage", R::kAdmin},
    // The operator's service: the handlers require the operator token itself, whatever the role.
    {"/bb.v1.ServiceAdmin/ListServices", R::kReader},
    {"/bb.v1.ServiceAdmin/TakeoverService", R::kReader},
    {"/bb.v1.ServiceAdmin/CreateApiToken", R::kReader},
    {"/bb.v1.ServiceAdmin/RevokeApiToken", R::kReader},
    {"/bb.v1.ServiceAdmin/ListApiTokens", R::kReader},
}};

}  // namespace

ApiRole RequiredRole(std::string_view method) {
  for (const auto& [name, role] : kMethodRoles) {
    if (name == method) return role;
  }
  return ApiRole::kAdmin;
}

}  // namespace bb
