// HostIdentity: one dedicated pqxx connection (not from the pool: the advisory lock lives and
// dies with it) plus the services row. libpqxx exceptions end here as Status values.
#include "backup_service/db/host_identity.h"

#include <pqxx/pqxx>

#include "backup_service/common/log.h"
#include "backup_service/db/sql_util.h"

namespace bb {
namespace {

// The lock key of a host identity (the host name in SQL expression `host`): a 64-bit hash
// computed by PostgreSQL itself, so every daemon (whatever its build) derives the same key.
std::string HostKey(const std::string& host) {
  return "hashtextextended('bb-host:' || " + host + ", 0)";
}

template <typename Fn>
Status Guarded(const std::string& what, Fn&& fn) {
  try {
    return fn();
  } catch (const pqxx::broken_connection& e) {
    return Status::Unavailable(what + ": PostgreSQL connection lost: " + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(what + ": " + e.what());
  }
}

}  // namespace

struct HostIdentity::Session {
  explicit Session(const std::string& conninfo) : conn(conninfo) {}
  pqxx::connection conn;
};

HostIdentity::HostIdentity(std::string conninfo, std::string host, int pid, std::string version)
    : conninfo_(std::move(conninfo)),
      host_(std::move(host)),
      pid_(pid),
      version_(std::move(version)) {}

Result<std::unique_ptr<HostIdentity>> HostIdentity::Claim(const std::string& conninfo,
                                                          const std::string& host, int pid,
                                                          const std::string& version) {
  std::unique_ptr<HostIdentity> id(new HostIdentity(conninfo, host, pid, version));
  std::lock_guard<std::mutex> lock(id->mu_);
  RETURN_IF_ERROR(id->ConnectAndClaim());
  return id;
}

Status HostIdentity::ConnectAndClaim() {
  return Guarded("claiming host identity", [&]() -> Status {
    session_ = std::make_unique<Session>(conninfo_);
    ASSIGN_OR_RETURN(bool got, TryLock(host_));
    if (!got) {
      std::string holder;
      pqxx::nontransaction q(session_->conn);
      auto r = q.exec_params("SELECT pid FROM services WHERE host = $1", host_);
      if (!r.empty()) holder = " (pid " + sql::Text(r[0][0]) + " recorded)";
      session_.reset();
      return Status::FailedPrecondition("another backupd holds host identity '" + host_ + "'" +
                                        holder +
                                        "; stop it first, or give this one another "
                                        "`host`");
    }
    pqxx::nontransaction q(session_->conn);
    q.exec_params(
        "INSERT INTO services (host, pid, version, started_at, heartbeat_at) "
        "VALUES ($1, $2, $3, now(), now()) ON CONFLICT (host) DO UPDATE SET pid = $2, "
        "version = $3, started_at = now(), heartbeat_at = now(), stopped_at = NULL",
        host_, pid_, version_);
    return Status::Ok();
  });
}

// TryLock and Unlock open their own statement: callers must not hold one on session_.
Result<bool> HostIdentity::TryLock(const std::string& host) {
  pqxx::nontransaction q(session_->conn);
  auto r = q.exec_params("SELECT pg_try_advisory_lock(" + HostKey("$1") + ")", host);
  return r[0][0].as<bool>();
}

Status HostIdentity::Unlock(const std::string& host) {
  pqxx::nontransaction q(session_->conn);
  q.exec_params("SELECT pg_advisory_unlock(" + HostKey("$1") + ")", host);
  return Status::Ok();
}

HostIdentity::~HostIdentity() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!session_) return;
  Status st = Guarded("releasing host identity", [&]() -> Status {
    {
      pqxx::nontransaction q(session_->conn);
      q.exec_params("UPDATE services SET stopped_at = now() WHERE host = $1 AND pid = $2", host_,
                    pid_);
    }
    return Unlock(host_);
  });
  if (!st.ok()) BB_LOG(kWarning) << st.ToString();
}

Status HostIdentity::Heartbeat() {
  std::lock_guard<std::mutex> lock(mu_);
  Status st = Guarded("heartbeat", [&]() -> Status {
    if (!session_) return Status::Unavailable("no session");
    pqxx::nontransaction q(session_->conn);
    q.exec_params("UPDATE services SET heartbeat_at = now() WHERE host = $1 AND pid = $2", host_,
                  pid_);
    return Status::Ok();
  });
  if (st.code() != StatusCode::kUnavailable) return st;
  // The connection died, and the lock with it: claim the identity again.
  BB_LOG(kWarning) << "host identity session lost (" << st.message() << "); claiming again";
  session_.reset();
  return ConnectAndClaim();
}

Status HostIdentity::CheckSession() {
  std::lock_guard<std::mutex> lock(mu_);
  Status st = Guarded("identity session", [&]() -> Status {
    if (!session_) return Status::Unavailable("no session");
    session_->conn.get_notifs();  // throws broken_connection once the server has gone
    if (!session_->conn.is_open()) return Status::Unavailable("connection closed");
    return Status::Ok();
  });
  if (st.code() != StatusCode::kUnavailable) return st;
  if (session_) {
    BB_LOG(kWarning) << "host identity session lost (" << st.message() << "); claiming again";
  }
  session_.reset();
  return ConnectAndClaim();
}

Result<std::vector<ServiceRecord>> HostIdentity::ListServices() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ServiceRecord> out;
  Status listed = Guarded("listing services", [&]() -> Status {
    if (!session_) return Status::Unavailable("no session");
    // Liveness is read from pg_locks rather than probed with a try-lock: a probe would hold the
    // lock for a moment, and a daemon starting at that moment would be refused its identity.
    // A bigint advisory key is listed as classid (high 32 bits), objid (low 32 bits), objsubid 1.
    pqxx::nontransaction q(session_->conn);
    auto rows =
        q.exec("SELECT s.host, s.pid, s.version, " + sql::Micros("s.started_at") + ", " +
               sql::Micros("s.heartbeat_at") + ", " + sql::Micros("s.stopped_at") +
               ", (extract(epoch FROM now() - s.heartbeat_at) * 1000)::bigint, "
               "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND "
               "l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
               "l.classid = ((k.key >> 32) & 4294967295)::oid AND "
               "l.objid = (k.key & 4294967295)::oid AND l.objsubid = 1) "
               "FROM services s, LATERAL (SELECT " +
               HostKey("s.host") + " AS key) k ORDER BY s.host");
    for (const auto& r : rows) {
      ServiceRecord s;
      s.host = sql::Text(r[0]);
      s.pid = r[1].as<int>();
      s.version = sql::Text(r[2]);
      s.started_at = sql::Int(r[3]);
      s.heartbeat_at = sql::Int(r[4]);
      s.stopped_at = sql::Int(r[5]);
      s.heartbeat_age_ms = sql::Int(r[6]);
      s.alive = sql::Bool(r[7]);
      out.push_back(std::move(s));
    }
    return Status::Ok();
  });
  RETURN_IF_ERROR(listed);
  return out;
}

Status HostIdentity::WhileHolding(const std::string& other, const std::function<Status()>& fn) {
  if (other == host_) return fn();
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status claimed = Guarded("claiming host " + other, [&]() -> Status {
      ASSIGN_OR_RETURN(bool got, TryLock(other));
      if (!got) {
        return Status::FailedPrecondition("host " + other +
                                          " is alive (its backupd holds its identity); stop it "
                                          "or let it clean up after itself");
      }
      return Status::Ok();
    });
    RETURN_IF_ERROR(claimed);
  }
  Status result = fn();
  std::lock_guard<std::mutex> lock(mu_);
  Status st = Guarded("releasing host " + other, [&]() { return Unlock(other); });
  if (!st.ok()) BB_LOG(kWarning) << st.ToString();
  return result;
}

}  // namespace bb
