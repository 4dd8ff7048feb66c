// ObjectStore: where backups live. A flat namespace of objects inside containers, like Swift or
// S3. Object names may contain '/' (the posix store maps them to directories).
//
// Put is atomic: a reader sees the whole new object or the previous state, never a part; when Put
// returns OK the object is durable. Get of a missing object is NotFound. Delete of a missing
// object is OK (idempotent). List returns names (not including the container) with the prefix,
// sorted. Errors that a retry may cure are Unavailable; everything else is permanent.
// Thread-safety: all methods may be called concurrently, including Puts of the same name.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"

namespace bb {

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual std::string Name() const = 0;
  // Creates the container if missing.
  virtual Status EnsureContainer(const std::string& container) = 0;
  virtual Status Put(const std::string& container, const std::string& name,
                     std::string_view data) = 0;
  virtual Result<std::string> Get(const std::string& container, const std::string& name) = 0;
  virtual Result<bool> Exists(const std::string& container, const std::string& name) = 0;
  virtual Status Delete(const std::string& container, const std::string& name) = 0;
  virtual Result<std::vector<std::string>> List(const std::string& container,
                                                const std::string& prefix) = 0;
  // Optional capability (format v2 restores read single blobs out of packs): `length` bytes of
  // the object from `offset`. NotFound for a missing object; OutOfRange when the range passes
  // the object's end. Unimplemented by default: callers then Get the whole object.
  virtual Result<std::string> GetRange(const std::string& container, const std::string& name,
                                       int64_t offset, int64_t length) {
    (void)container, (void)name, (void)offset, (void)length;
    return Status::Unimplemented(Name() + " store has no ranged reads");
  }
  // Optional capability (maintenance over every container: master-key rotation): the names of
  // the containers whose name has exactly `depth` '/'-separated parts (the service names its
  // containers "<project>/<container>": depth 2), sorted. Callers ask for the depth of their
  // naming scheme: a directory store cannot tell a container from a directory of one (posix
  // lists "<project>" at depth 1 and "<project>/<container>/packs" at depth 3).
  // Unimplemented by default.
  virtual Result<std::vector<std::string>> ListContainers(int depth) {
    (void)depth;
    return Status::Unimplemented(Name() + " store cannot list its containers");
  }
};

using ObjectStoreConfig = std::map<std::string, std::string>;

// Registry of built-in stores: "posix" (config key "path": root directory) and "memory"
// (unit tests only). NotFound names the known stores.
Result<std::unique_ptr<ObjectStore>> CreateObjectStore(const std::string& name,
                                                       const ObjectStoreConfig& config);

}  // namespace bb
