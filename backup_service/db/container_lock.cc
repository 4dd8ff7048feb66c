// ContainerLocks: pg_advisory_lock[_shared] on a dedicated connection per hold. The wait is a
// blocking lock call bounded by lock_timeout (1 s), repeated until granted or cancelled, so a
// stopping daemon is never stuck behind another daemon's hours-long backup.
#include "backup_service/db/container_lock.h"

#include <pqxx/pqxx>

namespace bb {
namespace {

// The key: a 64-bit hash computed by PostgreSQL itself, so every daemon derives the same one.
constexpr char kKeySql[] = "hashtextextended('bb-container:' || $1, 0)";
constexpr char kLockNotAvailable[] = "55P03";

std::string LockSql(ContainerLockMode mode, bool try_only) {
  std::string fn = try_only ? "pg_try_advisory_lock" : "pg_advisory_lock";
  if (mode == ContainerLockMode::kShared) fn += "_shared";
  return "SELECT " + fn + "(" + kKeySql + ")";
}

template <typename Fn>
auto Guarded(const std::string& what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const pqxx::broken_connection& e) {
    return Status::Unavailable(what + ": PostgreSQL connection lost: " + e.what());
  } catch (const std::exception& e) {
    return Status::Unavailable(what + ": " + e.what());
  }
}

// One blocking lock call bounded by lock_timeout: true when granted, false when it timed out.
bool LockWithin(pqxx::nontransaction& q, const std::string& container, ContainerLockMode mode) {
  try {
    q.exec_params(LockSql(mode, /*try_only=*/false), container);
    return true;
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() != kLockNotAvailable) throw;
    return false;
  }
}

}  // namespace

struct ContainerHold::Session {
  explicit Session(const std::string& conninfo) : conn(conninfo) {}
  pqxx::connection conn;
};

ContainerHold::ContainerHold(std::unique_ptr<Session> session) : session_(std::move(session)) {}

ContainerHold::~ContainerHold() {
  // Closing the connection would release the lock too, but only once the server notices; the
  // explicit unlock makes the release happen before the destructor returns.
  try {
    pqxx::nontransaction q(session_->conn);
    q.exec("SELECT pg_advisory_unlock_all()");
  } catch (const std::exception&) {
    // The session is gone, and the lock with it.
  }
}

Status ContainerHold::Verify() {
  return Guarded("container lock", [&]() -> Status {
    // Asks whether this session holds an advisory lock, rather than only whether the connection
    // works: libpqxx 6 silently reconnects a broken connection, and a new session holds nothing.
    pqxx::nontransaction q(session_->conn);
    auto r = q.exec(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
        "pid = pg_backend_pid())");
    if (!r[0][0].as<bool>()) return Status::Unavailable("container lock: its session was lost");
    return Status::Ok();
  });
}

Result<std::unique_ptr<ContainerHold>> ContainerLocks::Acquire(
    const std::string& container, ContainerLockMode mode, const std::function<bool()>& cancelled) {
  return Guarded("locking container " + container, [&]() -> Result<std::unique_ptr<ContainerHold>> {
    auto session = std::make_unique<ContainerHold::Session>(conninfo_);
    pqxx::nontransaction q(session->conn);
    q.exec("SET lock_timeout = '1s'");
    while (!LockWithin(q, container, mode)) {
      if (cancelled && cancelled()) {
        return Status::Cancelled("stopped while waiting for container " + container);
      }
    }
    q.commit();  // ends the statement scope; the session (and the lock) stay
    return std::unique_ptr<ContainerHold>(new ContainerHold(std::move(session)));
  });
}

Result<std::unique_ptr<ContainerHold>> ContainerLocks::TryExclusive(const std::string& container) {
  return Guarded("locking container " + container, [&]() -> Result<std::unique_ptr<ContainerHold>> {
    auto session = std::make_unique<ContainerHold::Session>(conninfo_);
    pqxx::nontransaction q(session->conn);
    auto r = q.exec_params(LockSql(ContainerLockMode::kExclusive, /*try_only=*/true), container);
    q.commit();
    if (!r[0][0].as<bool>()) return std::unique_ptr<ContainerHold>();
    return std::unique_ptr<ContainerHold>(new ContainerHold(std::move(session)));
  });
}

}  // namespace bb
