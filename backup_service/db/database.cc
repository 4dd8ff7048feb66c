#include "backup_service/db/database.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "backup_service/common/log.h"

namespace bb {
namespace {

constexpr int kMaxAttempts = 5;
// Arbitrary constant shared by every backupd: serialises schema migrations across processes.
constexpr long kMigrationLockKey = 0x62625f6d6967;  // "bb_mig"

}  // namespace

struct Database::Connection {
  explicit Connection(const std::string& conninfo) : conn(conninfo) {}
  pqxx::connection conn;
};

Result<std::unique_ptr<Database>> Database::Open(const std::string& conninfo, int pool_size) {
  std::unique_ptr<Database> db(new Database(conninfo));
  db->max_ = std::max(1, pool_size);
  // Connect once now so a wrong conninfo fails at start-up with a clear message.
  auto c = db->Acquire();
  if (!c.ok()) return c.status();
  db->Release(std::move(c).value());
  return db;
}

Database::Database(std::string conninfo) : conninfo_(std::move(conninfo)) {}
Database::~Database() = default;

Result<std::unique_ptr<Database::Connection>> Database::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  ++open_;
  lock.unlock();
  try {
    return std::make_unique<Connection>(conninfo_);
  } catch (const std::exception& e) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return Status::Unavailable(std::string("cannot connect to PostgreSQL: ") + e.what());
  }
}

void Database::Release(std::unique_ptr<Connection> c) {
  std::lock_guard<std::mutex> lock(mu_);
  if (c && c->conn.is_open()) {
    idle_.push_back(std::move(c));
  } else {
    --open_;
  }
  cv_.notify_one();
}

void Database::DropIdle() {
  std::lock_guard<std::mutex> lock(mu_);
  open_ -= static_cast<int>(idle_.size());
  idle_.clear();
  cv_.notify_all();
}

Status Database::InTransaction(const std::function<Status(pqxx::dbtransaction&)>& fn) {
  Status last;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Acquire());
    Status st;
    bool retry = false;
    try {
      pqxx::work txn(conn->conn);
      st = fn(txn);
      if (st.ok()) txn.commit();  // otherwise the destructor rolls back
    } catch (const pqxx::serialization_failure& e) {
      retry = true;
      last = Status::Aborted(std::string("serialization failure: ") + e.what());
    } catch (const pqxx::deadlock_detected& e) {
      retry = true;
      last = Status::Aborted(std::string("deadlock: ") + e.what());
    } catch (const pqxx::broken_connection& e) {
      conn.reset();  // dropped; Release counts it closed
      retry = true;
      last = Status::Unavailable(std::string("PostgreSQL connection lost: ") + e.what());
    } catch (const pqxx::unique_violation& e) {
      st = Status::AlreadyExists(e.what());
    } catch (const pqxx::integrity_constraint_violation& e) {
      st = Status::FailedPrecondition(std::string("constraint violated: ") + e.what());
    } catch (const std::exception& e) {
      st = Status::Internal(std::string("database error: ") + e.what());
    }
    bool lost = conn == nullptr;
    Release(std::move(conn));
    // One lost connection means the server restarted or ended our sessions: the idle ones are
    // gone too, and each would cost an attempt before a fresh connection is tried.
    if (lost) DropIdle();
    if (!retry) return st;
    BB_LOG(kWarning) << "transaction attempt " << attempt
                     << " failed, retrying: " << last.message();
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
  }
  return last;
}

Status Database::ApplyMigrations(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".sql" && name.size() > 5 && std::isdigit(name[0])) {
      files.push_back(e.path());
    }
  }
  if (ec) return Status::NotFound("schema_dir " + dir + ": " + ec.message());
  if (files.empty()) return Status::NotFound("no NNNN_*.sql migrations in schema_dir " + dir);
  std::sort(files.begin(), files.end());

  return InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    // Transaction-scoped advisory lock: a second backupd starting at the same moment waits here
    // and then finds every migration applied.
    txn.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    txn.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& f : files) {
      const std::string version = f.filename().string();
      auto r = txn.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", version);
      if (!r.empty()) continue;
      std::ifstream in(f);
      if (!in) return Status::NotFound("cannot read migration " + f.string());
      std::stringstream sql;
      sql << in.rdbuf();
      txn.exec(sql.str());
      txn.exec_params("INSERT INTO schema_migrations (version) VALUES ($1)", version);
      BB_LOG(kInfo) << "applied schema migration " << version;
    }
    return Status::Ok();
  });
}

}  // namespace bb
