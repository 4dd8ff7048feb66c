// HostIdentity: this daemon's claim on its host name, which scopes the work restart cleanup may
// touch (backups.host, volumes.host). The claim is a PostgreSQL session advisory lock held on a
// dedicated connection for the daemon's lifetime: the server drops it the moment that connection
// dies, so a restart right after a kill is not delayed, while a second daemon with the same
// identity is refused for as long as the first one lives. A heartbeat row in `services` lets
// operators see who is up (`backupctl service list`).
// Thread-safety: all methods may be called concurrently (one internal mutex over the connection).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/db/database.h"

namespace bb {

struct ServiceRecord {
  std::string host;
  int pid = 0;
  std::string version;
  int64_t started_at = 0;        // epoch microseconds
  int64_t heartbeat_at = 0;      // epoch microseconds
  int64_t stopped_at = 0;        // 0 while running
  int64_t heartbeat_age_ms = 0;  // as the database's clock sees it
  bool alive = false;            // its identity lock is held right now
};

class HostIdentity {
 public:
  // Claims `host`: FailedPrecondition (naming the holder's pid) when another live backupd holds
  // it; Unavailable when PostgreSQL cannot be reached.
  static Result<std::unique_ptr<HostIdentity>> Claim(const std::string& conninfo,
                                                     const std::string& host, int pid,
                                                     const std::string& version);
  ~HostIdentity();  // records stopped_at and releases the lock

  const std::string& host() const { return host_; }
  // Refreshes heartbeat_at. When the lock's connection broke (PostgreSQL restarted), reconnects
  // and claims again; FailedPrecondition if another daemon took the identity meanwhile (this
  // daemon must then stop working).
  Status Heartbeat();
  // Notices a lost session between heartbeats without a round trip (reads what the server sent
  // on the connection: a terminated or restarted server closes it), and then claims the
  // identity again as Heartbeat does. Cheap enough to call every second.
  Status CheckSession();
  // Every known service, with `alive` from the lock (not from heartbeat age).
  Result<std::vector<ServiceRecord>> ListServices();
  // Holds `other`'s identity while `fn` runs (takeover of a host that is gone); FailedPrecondition
  // while that host's own daemon holds it.
  Status WhileHolding(const std::string& other, const std::function<Status()>& fn);

 private:
  struct Session;
  HostIdentity(std::string conninfo, std::string host, int pid, std::string version);
  Status ConnectAndClaim();
  Result<bool> TryLock(const std::string& host);
  Status Unlock(const std::string& host);

  std::string conninfo_;
  std::string host_;
  int pid_;
  std::string version_;
  std::mutex mu_;
  std::unique_ptr<Session> session_;
};

}  // namespace bb
