// DeleteBackupData (declared in restore_job.h): delete a manifest, then collect every chunk object
// in the container that no remaining manifest references. Mark-and-sweep over the whole container
// also removes chunks orphaned by failed or cancelled backups.
// Thread-safety: must not run concurrently with a backup into the same container (see header).
#include <unordered_set>

#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/datapath/chunk_store.h"
#include "backup_service/datapath/manifest.h"
#include "backup_service/datapath/restore_job.h"

namespace bb {

Result<CollectResult> DeleteBackupData(ObjectStore& store, const std::string& container,
                                       const std::string& manifest_object) {
  // Deleting first makes the backup unrestorable before any of its chunks go away; a missing
  // manifest is fine (a retried delete still finishes the collection).
  RETURN_IF_ERROR(
      store.Delete(container, manifest_object).WithContext("delete " + manifest_object));
  BB_FAILPOINT("delete.after_manifest_removed");
  ASSIGN_OR_RETURN(CollectResult result, CollectUnreferencedChunks(store, container));
  BB_LOG(kInfo) << "deleted " << container << "/" << manifest_object << ", collected "
                << result.chunks_deleted << " chunks";
  return result;
}

Result<CollectResult> CollectUnreferencedChunks(ObjectStore& store, const std::string& container) {
  // Mark: every chunk referenced by a remaining manifest. One unreadable manifest aborts the
  // sweep, since we cannot know what it references.
  ASSIGN_OR_RETURN(std::vector<std::string> manifests, store.List(container, "manifests/"));
  std::unordered_set<std::string> referenced;
  for (const std::string& name : manifests) {
    // Format v2 manifests (.bbm) share the folder; they reference packs, not chunks.
    if (name.size() < 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    auto m = LoadManifest(store, container, name);
    if (!m.ok()) {
      if (m.status().code() == StatusCode::kNotFound) continue;  // deleted concurrently
      return m.status().WithContext("garbage collection stopped, nothing deleted");
    }
    for (const ManifestChunk& c : m->chunks) {
      if (!c.zero) referenced.insert(c.hash);
    }
  }

  // Sweep.
  ASSIGN_OR_RETURN(std::vector<std::string> objects, store.List(container, "chunks/"));
  CollectResult result;
  for (const std::string& name : objects) {
    std::string id = ChunkIdFromObjectName(name);
    if (id.empty() || referenced.count(id) > 0) continue;  // foreign object or still in use
    // No byte count: the store has no size query, and reading every freed chunk just to count
    // it would make a delete cost a full read of the data it frees.
    RETURN_IF_ERROR(store.Delete(container, name).WithContext("delete " + name));
    ++result.chunks_deleted;
  }
  return result;
}

}  // namespace bb
