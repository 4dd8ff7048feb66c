// ContainerLocks: fences chunk collection against backups writing into the same object-store
// container, across every backupd that shares the database (and so the store).
//
// A backup that finds a chunk "already stored" relies on it staying there until its own manifest
// (which then refers to it) is written; the collector deletes every chunk no manifest refers to.
// So backups hold their container's lock shared for the whole copy, and the collector holds it
// exclusive. The lock is a PostgreSQL session advisory lock on a key derived from the container
// name, each hold on a dedicated connection: holds in one process conflict like holds in two, and
// a daemon that dies releases its holds at once (the server ends its sessions).
// Thread-safety: ContainerLocks is immutable and may be used concurrently; a hold belongs to one
// thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "backup_service/common/result.h"

namespace bb {

enum class ContainerLockMode { kShared, kExclusive };

// One granted hold; released (synchronously) on destruction.
class ContainerHold {
 public:
  ~ContainerHold();
  // Ok when the lock has been held without a break since it was granted: its session is still
  // alive (a session advisory lock ends only with an unlock or with its session). Unavailable
  // when the session is gone: someone else may have taken the lock meanwhile.
  Status Verify();

 private:
  friend class ContainerLocks;
  struct Session;
  explicit ContainerHold(std::unique_ptr<Session> session);
  std::unique_ptr<Session> session_;
};

class ContainerLocks {
 public:
  explicit ContainerLocks(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  // Blocks until granted, in PostgreSQL's queue (a waiting exclusive request holds back later
  // shared ones, so the collector is not starved). While waiting, asks `cancelled` about once a
  // second: Cancelled when it says stop. Unavailable when PostgreSQL cannot be reached.
  Result<std::unique_ptr<ContainerHold>> Acquire(const std::string& container,
                                                 ContainerLockMode mode,
                                                 const std::function<bool()>& cancelled);
  // Exclusive without waiting: nullptr while anyone else holds the container.
  Result<std::unique_ptr<ContainerHold>> TryExclusive(const std::string& container);

 private:
  std::string conninfo_;
};

}  // namespace bb
