// CreateObjectStore: the registry of built-in ObjectStore implementations.
// Thread-safety: stateless; safe to call concurrently.
#include <memory>

#include "backup_service/object_stores/memory_store.h"
#include "backup_service/object_stores/object_store.h"
#include "backup_service/object_stores/posix_store.h"

namespace bb {

Result<std::unique_ptr<ObjectStore>> CreateObjectStore(const std::string& name,
                                                       const ObjectStoreConfig& config) {
  if (name == "posix") {
    auto it = config.find("path");
    if (it == config.end() || it->second.empty()) {
      return Status::InvalidArgument("object store 'posix' needs config key 'path'");
    }
    return std::unique_ptr<ObjectStore>(std::make_unique<PosixStore>(it->second));
  }
  if (name == "memory") return std::unique_ptr<ObjectStore>(std::make_unique<MemoryStore>());
  return Status::NotFound("unknown object store '" + name + "' (known: memory, posix)");
}

}  // namespace bb
