// BackupManager::CollectGarbage (`backupctl gc --container C`, admin): the collection that a
// delete runs after removing a manifest, on the operator's demand, for one container of the
// acting project (datapath/README.md "Garbage collection and repacking"). Useful after deletes
// with collect_on_delete = false (one collection for a whole retention run instead of one per
// delete), and after crashes or failures that left packs no index or manifest uses.
//
// Both formats can live in one container, so both collections run: v2 packs through
// CollectPacksFenced (the container's gc lock for the run, the container exclusive only for the
// fence, retried between backups, so backups keep running), then v1 chunks holding the
// container exclusive (v1's sweep has no fence: a backup must not count on a chunk meanwhile).
#include <chrono>

#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"
#include "backup_service/datapath/restore_job.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {

Result<GarbageReport> BackupManager::CollectGarbage(const std::string& project_id,
                                                    const std::string& container_name) {
  const auto start = std::chrono::steady_clock::now();
  const std::string container =
      container_name.empty() ? options_.default_container : container_name;
  RETURN_IF_ERROR(ValidateBackupContainerName(container));
  Backup probe;
  probe.project_id = project_id;
  probe.container = container;
  GarbageReport report;
  report.container = StoreContainer(probe);
  auto listed = store_.List(report.container, "");
  if (!listed.ok()) {
    if (listed.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("container " + container + " of project " + project_id +
                              " is not in this installation's " + store_.Name() + " store");
    }
    return listed.status();
  }

  auto packs = CollectPacksFenced(report.container, /*wait=*/true);
  if (!packs.ok()) {
    if (packs.status().code() == StatusCode::kFailedPrecondition) {
      return Status::FailedPrecondition(
          packs.status().message() + " (container " + report.container +
          "): set backup_master_key_file to the key this container was created with; nothing "
          "was collected");
    }
    return packs.status().WithContext("collecting packs of " + report.container);
  }
  report.packs = *packs;

  {
    ASSIGN_OR_RETURN(auto hold, HoldContainer(report.container, ContainerLockMode::kExclusive));
    auto chunks = CollectUnreferencedChunks(store_, report.container);
    if (chunks.ok()) {
      report.v1_chunks_deleted = chunks->chunks_deleted;
    } else if (chunks.status().code() != StatusCode::kNotFound) {
      return chunks.status().WithContext("collecting v1 chunks of " + report.container);
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BB_LOG(kInfo) << "gc of " << report.container
                << " on demand: " << v2::DescribeCollection(report.packs) << "; v1 chunks deleted "
                << report.v1_chunks_deleted;
  return report;
}

}  // namespace bb
