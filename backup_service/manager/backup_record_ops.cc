// Export and import of a backup record (Cinder's export_record / import_record).
//
// Projects: an imported backup keeps the project it was written by, and only that project may
// import it. The store container of a backup is "<project>/<container>" (StoreContainer), so the
// project is part of where the chunks are: importing into another project would look in another
// container, and a record is caller-supplied, unsigned data, so accepting any project_id in it
// would let a tenant reach another project's backups in a shared store.
#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"
#include "backup_service/datapath/manifest.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {
namespace {

// The manifest must describe the backup the record names: a record edited to point at another
// backup's data, or at a volume of another size, is refused.
struct ManifestFacts {
  std::string backup_id, volume_id, parent_id;
  int64_t size_bytes = 0;
};

Status CheckManifestMatches(const Backup& b, const ManifestFacts& m) {
  auto mismatch = [&](const std::string& what) {
    return Status::InvalidArgument("the backup record does not match its manifest " +
                                   b.manifest_object + " in the object store: " + what);
  };
  if (m.backup_id != b.id) return mismatch("the manifest is of backup " + m.backup_id);
  if (m.volume_id != b.volume_id) return mismatch("the manifest is of volume " + m.volume_id);
  if (m.size_bytes != b.size_gib << 30) {
    return mismatch("the manifest covers " + std::to_string(m.size_bytes) + " bytes, the record " +
                    std::to_string(b.size_gib) + " GiB");
  }
  if (m.parent_id != b.parent_id) {
    return mismatch("the manifest's parent is '" + m.parent_id + "', the record's '" + b.parent_id +
                    "'");
  }
  return Status::Ok();
}

}  // namespace

Result<BackupRecordWire> BackupManager::ExportBackupRecord(const std::string& project_id,
                                                           const std::string& backup_id) {
  ASSIGN_OR_RETURN(Backup backup, GetBackup(project_id, backup_id));
  if (backup.status != BackupStatus::kAvailable) {
    return Status::FailedPrecondition(
        "Backup status must be available to export its record, but it is " +
        std::string(ToString(backup.status)));
  }
  BB_LOG(kInfo) << "record of backup " << backup.id << " exported";
  return EncodeBackupRecord(backup, store_.Name());
}

Result<Backup> BackupManager::ImportBackupRecord(const std::string& project_id,
                                                 const BackupRecordWire& record) {
  if (!record.backup_service.empty() && record.backup_service != store_.Name()) {
    return Status::InvalidArgument("unknown store '" + record.backup_service.substr(0, 64) +
                                   "' in the backup record: this installation uses store '" +
                                   store_.Name() +
                                   "'; import it on an installation configured with that store");
  }
  ASSIGN_OR_RETURN(ImportedBackup imported, DecodeBackupRecord(record));
  Backup b = std::move(imported.backup);
  if (b.project_id != project_id) {
    return Status::PermissionDenied(
        "the backup record belongs to project " + b.project_id + ", not " + project_id +
        ": its data is stored under that project's namespace, so import it as project " +
        b.project_id);
  }
  // Before the store is read: a deleted backup's manifest is gone, yet the id is still taken.
  RETURN_IF_ERROR(backups_.CheckIdUnused(b.id));
  const std::string container = StoreContainer(b);
  // The record's storage format says which reader: v1 JSON, or the sealed v2 manifest (which
  // needs this installation's master key when the container is encrypted).
  Result<ManifestFacts> manifest = ManifestFacts{};
  if (b.storage_format == kStoragePackedV2) {
    auto m = v2::LoadBackupManifestV2(store_, container, b.id, options_.master_key);
    manifest = m.ok()
                   ? Result<ManifestFacts>(ManifestFacts{m->header.backup_id, m->header.volume_id,
                                                         m->header.parent_id, m->header.size_bytes})
                   : Result<ManifestFacts>(m.status());
  } else {
    auto m = LoadManifest(store_, container, b.manifest_object);
    manifest = m.ok() ? Result<ManifestFacts>(
                            ManifestFacts{m->backup_id, m->volume_id, m->parent_id, m->size_bytes})
                      : Result<ManifestFacts>(m.status());
  }
  if (!manifest.ok()) {
    if (manifest.status().code() == StatusCode::kNotFound) {
      return Status::FailedPrecondition(
          "manifest " + b.manifest_object + " of backup " + b.id + " is not in container " +
          container + " of this installation's " + store_.Name() +
          " store: this installation does not reach the object store the backup was written to "
          "(or the backup was deleted there)");
    }
    return manifest.status().WithContext("reading the manifest of imported backup " + b.id);
  }
  RETURN_IF_ERROR(CheckManifestMatches(b, *manifest));
  b.status = BackupStatus::kAvailable;
  b.host = options_.host;
  b.source_reason = "imported from an exported backup record";
  RETURN_IF_ERROR(backups_.InsertImported(b, "imported from a backup record (store " +
                                                 store_.Name() + ", container " + container + ")"));
  BB_LOG(kInfo) << "backup " << b.id << " imported from a record (container " << container << ")";
  return backups_.Get(b.id);
}

}  // namespace bb
