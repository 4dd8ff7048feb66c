// Database: a small pool of PostgreSQL connections (libpqxx 6.4) and the transaction runner that
// every repository uses. libpqxx exceptions stop here and become a Status:
//   serialization failure / deadlock -> retried, then Aborted
//   broken connection                -> retried on a new connection (every idle one is dropped
//                                       too: a server restart or pg_terminate_backend ends them
//                                       all), then Unavailable
//   server unreachable               -> Unavailable at once (callers that must not give up, the
//                                       final writes of a job, retry: PersistWithRetry)
//   constraint violations            -> FailedPrecondition / AlreadyExists
//   anything else                    -> Internal
// Only files in backup_service/db include <pqxx/...>.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backup_service/common/result.h"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace bb {

class Database {
 public:
  // conninfo: a libpq connection string, e.g. "host=/run/bb dbname=bb user=bb".
  static Result<std::unique_ptr<Database>> Open(const std::string& conninfo, int pool_size = 4);
  ~Database();

  // Runs fn inside one transaction and commits when fn returns OK (rolls back otherwise).
  // Retries the whole function on serialization failures, so fn must not have side effects
  // outside the transaction.
  Status InTransaction(const std::function<Status(pqxx::dbtransaction&)>& fn);

  // Applies schema/NNNN_*.sql files from `dir` in order, once each, recorded in
  // schema_migrations; serialised across processes with an advisory lock. Idempotent.
  Status ApplyMigrations(const std::string& dir);

  // For the few sessions that must not come from the pool (advisory locks held across calls).
  const std::string& conninfo() const { return conninfo_; }

 private:
  explicit Database(std::string conninfo);
  struct Connection;  // wraps pqxx::connection (a typedef in libpqxx 6, so not forward-declarable)
  Result<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> c);
  void DropIdle();

  std::string conninfo_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
  int max_ = 4;
};

}  // namespace bb
