// ServiceAdmin: the operator's view of the backupd daemons sharing one database, and the
// takeover of a host that is gone (`backupctl service list`, `backupctl service takeover`).
//
// A host is alive while its daemon holds the host's advisory lock (HostIdentity); the heartbeat
// only tells how recently it reported. Takeover holds the gone host's lock for its duration, so
// that host's daemon cannot come back and work on the same records meanwhile, and runs the same
// cleanup the host's own restart would (BackupManager::RecoverHost); deletes it resumes become
// this daemon's.
// Thread-safety: all methods may be called concurrently; HostIdentity and BackupManager are
// thread-safe and outlive this object.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/host_identity.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {

struct ServiceStatus {
  ServiceRecord service;
  UnfinishedWork unfinished;  // its backups still creating, restoring, deleting
};

class ServiceAdmin {
 public:
  ServiceAdmin(Database& db, HostIdentity& identity, BackupManager& backups);

  // The host this daemon runs as.
  const std::string& host() const { return identity_.host(); }
  // Every daemon that ever ran on the database, by host.
  Result<std::vector<ServiceStatus>> ListServices();
  // Recovers `host`'s unfinished work here. InvalidArgument for this daemon's own host (its
  // restart does that) or a malformed name; NotFound when no daemon ever ran as `host`;
  // FailedPrecondition while `host` is alive.
  Result<RecoveryReport> Takeover(const std::string& host);

 private:
  HostIdentity& identity_;
  BackupManager& backups_;
  BackupRepository backup_records_;
  // One takeover at a time here: this daemon's session could take the other host's lock twice
  // (advisory locks nest within a session), and two recoveries of one host would race.
  std::mutex takeover_mu_;
};

}  // namespace bb
