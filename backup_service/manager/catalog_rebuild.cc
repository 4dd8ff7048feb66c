// BackupManager::RebuildCatalog (`backupctl catalog rebuild --container C`): disaster recovery
// from the object store alone (datapath/README.md "Disaster recovery: the store alone is
// enough"). Every manifest in "<project>/<C>" is read (v2: opened with the master key, its
// checksum and backup id checked) and each backup this database lacks is inserted as available
// with what its manifest records: ids (the volume id as recorded, as an import keeps it),
// name, description, size, timestamps, object count and stored bytes. v1 manifests record no
// name, description or sizes of stored data; those rows get empty/zero values.
//
// First, for a v2 container, the index: objects lost or damaged are rebuilt from the pack
// trailers (without them no restore finds its blobs). That holds the container exclusive, as a
// collection does, so no backup adds packs meanwhile.
//
// Rows go in oldest first, so an incremental's parent is in the database when the child is
// inserted and the link is kept. No quota check: the backups exist already; refusing to
// catalogue them would hide data the project has. A manifest that cannot be read, or that
// belongs to another backup or project, is skipped and reported; a wrong master key stops the
// rebuild before anything is inserted.
#include <algorithm>

#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"
#include "backup_service/datapath/manifest.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pipeline_v2/index_rebuild.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {
namespace {

constexpr std::string_view kManifestsPrefix = "manifests/";

// Backup id of "manifests/<id>.<ext>", or "" when the name is not of that form.
std::string IdOf(const std::string& object, std::string_view ext) {
  if (!object.starts_with(kManifestsPrefix) || !object.ends_with(ext)) return "";
  return object.substr(kManifestsPrefix.size(),
                       object.size() - kManifestsPrefix.size() - ext.size());
}

int64_t GibOf(int64_t bytes) { return (bytes + (int64_t{1} << 30) - 1) >> 30; }

}  // namespace

Result<CatalogRebuildReport> BackupManager::RebuildCatalog(const std::string& project_id,
                                                           const std::string& container_name) {
  const std::string container =
      container_name.empty() ? options_.default_container : container_name;
  RETURN_IF_ERROR(ValidateBackupContainerName(container));
  Backup probe;
  probe.project_id = project_id;
  probe.container = container;
  CatalogRebuildReport report;
  report.container = StoreContainer(probe);
  auto names = store_.List(report.container, std::string(kManifestsPrefix));
  if (!names.ok()) {
    if (names.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("container " + container + " of project " + project_id +
                              " is not in this installation's " + store_.Name() + " store");
    }
    return names.status();
  }

  {
    ASSIGN_OR_RETURN(auto hold, HoldContainer(report.container, ContainerLockMode::kExclusive));
    auto index = v2::RebuildContainerIndex(store_, report.container, options_.master_key);
    if (index.ok()) {
      report.packs_indexed = index->packs_indexed;
      report.index_object = index->index_object;
      report.index_objects_removed = index->removed;
      report.unreadable_packs = index->unreadable;
    } else if (index.status().code() == StatusCode::kFailedPrecondition) {
      return Status::FailedPrecondition(
          index.status().message() + " (container " + report.container +
          "): set backup_master_key_file to the key this container was created with; nothing "
          "was changed");
    } else if (index.status().code() != StatusCode::kNotFound) {  // NotFound: no v2 data
      return index.status().WithContext("rebuilding the index of " + report.container);
    }
  }

  std::vector<Backup> found;
  for (const std::string& object : *names) {
    Backup b;
    b.project_id = project_id;
    b.container = container;
    b.manifest_object = object;
    b.host = options_.host;
    b.status = BackupStatus::kAvailable;
    if (std::string id = IdOf(object, ".bbm"); !id.empty()) {
      ++report.manifests;
      auto m = v2::LoadBackupManifestV2(store_, report.container, id, options_.master_key);
      if (!m.ok() && m.status().code() == StatusCode::kFailedPrecondition) {
        return Status::FailedPrecondition(
            m.status().message() + " (container " + report.container +
            "): set backup_master_key_file to the key this container was created with; nothing "
            "was inserted");
      }
      if (!m.ok()) {
        report.skipped.push_back(object + ": " + m.status().ToString());
        continue;
      }
      const ManifestV2Header& h = m->header;
      if (h.backup_id != id || h.project_id != project_id) {
        report.skipped.push_back(object + ": the manifest is of backup " + h.backup_id +
                                 " in project " + h.project_id);
        continue;
      }
      b.id = h.backup_id;
      b.volume_id = h.volume_id;
      b.parent_id = h.parent_id;
      b.name = h.name;
      b.description = h.description;
      b.size_gib = GibOf(h.size_bytes);
      b.created_at = h.created_at_us;
      b.data_timestamp = h.data_timestamp_us;
      b.object_count = h.object_count;
      // The header cannot count the manifest's own bytes; the row (the job's result) does.
      auto sealed = store_.Get(report.container, object);
      if (!sealed.ok()) {
        report.skipped.push_back(object + ": " + sealed.status().ToString());
        continue;
      }
      b.stored_bytes = h.stored_bytes + static_cast<int64_t>(sealed->size());
      b.storage_format = std::string(kStoragePackedV2);
    } else if (std::string v1_id = IdOf(object, ".json"); !v1_id.empty()) {
      ++report.manifests;
      auto m = LoadManifest(store_, report.container, object);
      if (!m.ok() || m->backup_id != v1_id) {
        report.skipped.push_back(
            object + ": " +
            (m.ok() ? "the manifest is of backup " + m->backup_id : m.status().ToString()));
        continue;
      }
      b.id = m->backup_id;
      b.volume_id = m->volume_id;
      b.parent_id = m->parent_id;
      b.size_gib = GibOf(m->size_bytes);
      b.created_at = m->created_at_us;
      b.data_timestamp = m->created_at_us;
      b.storage_format = std::string(kStorageChunkedV1);
    } else {
      continue;  // not a manifest name (nothing else lives under manifests/)
    }
    if (Status s = ValidateUuid("backup id", b.id); !s.ok()) {
      report.skipped.push_back(object + ": " + s.message());
      continue;
    }
    b.source_reason = "rebuilt from its manifest by catalog rebuild";
    found.push_back(std::move(b));
  }

  std::stable_sort(found.begin(), found.end(),
                   [](const Backup& a, const Backup& b) { return a.created_at < b.created_at; });
  for (const Backup& b : found) {
    if (Status unused = backups_.CheckIdUnused(b.id); !unused.ok()) {
      if (unused.code() != StatusCode::kAlreadyExists) return unused;
      report.already_present.push_back(b.id);
      continue;
    }
    Status s = backups_.InsertImported(
        b, "rebuilt from manifest " + b.manifest_object + " in container " + report.container,
        /*check_quota=*/false);
    if (s.code() == StatusCode::kAlreadyExists) {  // inserted meanwhile by another rebuild
      report.already_present.push_back(b.id);
      continue;
    }
    RETURN_IF_ERROR(s.WithContext("inserting backup " + b.id));
    report.inserted.push_back(b.id);
  }
  BB_LOG(kInfo) << "catalog rebuild of " << report.container << ": " << report.packs_indexed
                << " packs re-indexed, " << report.manifests << " manifests, "
                << report.inserted.size() << " backups inserted, " << report.already_present.size()
                << " already present, " << report.skipped.size() << " skipped";
  return report;
}

}  // namespace bb
