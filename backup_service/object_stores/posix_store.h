// PosixStore: an ObjectStore on a local (or NFS-mounted) directory tree.
//
// Layout: <root>/<container>/<object name>; '/' in container and object names maps to
// subdirectories. Put writes the data into an unnamed file (O_TMPFILE) in the target's
// directory, fsyncs it, gives it the object's name (linkat) and fsyncs the directory, so an
// object is either absent, the old version or the complete new one, and durable once Put
// returns; a Put killed before the link leaves nothing (the kernel frees an unnamed inode). To
// replace an existing object the file is linked under a temp name (".bbtmp-<uuid>") and renamed
// over it; on file systems without O_TMPFILE every Put goes that way. List skips temp files, so
// a Put killed between those two steps leaves at most an invisible ".bbtmp-*" file.
// Note: a container "p" and a container "p/backups" would share directories; callers use one
// naming scheme ("<project>/backups") so this does not arise.
// Thread-safety: stateless apart from the root path; all methods are safe to call concurrently,
// including Puts of the same name (the last rename wins, each rename installs a whole file).
#pragma once

#include <string>

#include "backup_service/object_stores/object_store.h"

namespace bb {

class PosixStore : public ObjectStore {
 public:
  explicit PosixStore(std::string root);

  std::string Name() const override { return "posix"; }
  Status EnsureContainer(const std::string& container) override;
  Status Put(const std::string& container, const std::string& name, std::string_view data) override;
  Result<std::string> Get(const std::string& container, const std::string& name) override;
  // pread of the range (the capability of object_store.h).
  Result<std::string> GetRange(const std::string& container, const std::string& name,
                               int64_t offset, int64_t length) override;
  Result<bool> Exists(const std::string& container, const std::string& name) override;
  Status Delete(const std::string& container, const std::string& name) override;
  Result<std::vector<std::string>> List(const std::string& container,
                                        const std::string& prefix) override;
  // The directories exactly `depth` levels below the root that are valid container names.
  Result<std::vector<std::string>> ListContainers(int depth) override;

  const std::string& root() const { return root_; }

 private:
  std::string ContainerPath(const std::string& container) const;
  Status CheckContainer(const std::string& container) const;

  std::string root_;
};

}  // namespace bb
