#include "backup_service/db/testing/test_database.h"

#include <unistd.h>

#include <cstdlib>
#include <pqxx/pqxx>
#include <stdexcept>

#include "backup_service/common/uuid.h"

namespace bb::testing {

std::unique_ptr<TestDatabase> TestDatabase::Create(const std::string& schema_dir,
                                                   std::string* skip_reason) {
  const char* env = std::getenv("BB_TEST_PG_CONNINFO");
  if (env == nullptr || *env == '\0') {
    *skip_reason = "BB_TEST_PG_CONNINFO is not set: needs a PostgreSQL server (tests/run.sh)";
    return nullptr;
  }
  auto t = std::unique_ptr<TestDatabase>(new TestDatabase());
  t->admin_conninfo_ = env;
  std::string id = NewUuid().substr(0, 8);
  t->name_ = "bbtest_" + std::to_string(getpid()) + "_" + id;
  {
    pqxx::connection c(t->admin_conninfo_);
    pqxx::nontransaction n(c);
    n.exec("CREATE DATABASE " + n.quote_name(t->name_));
  }
  // In a libpq conninfo string a repeated keyword overrides the earlier one.
  t->conninfo_ = t->admin_conninfo_ + " dbname=" + t->name_;
  auto db = Database::Open(t->conninfo_, 8);
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  t->db_ = std::move(db).value();
  Status st = t->db_->ApplyMigrations(schema_dir);
  if (!st.ok()) throw std::runtime_error(st.ToString());
  return t;
}

TestDatabase::~TestDatabase() {
  db_.reset();
  try {
    pqxx::connection c(admin_conninfo_);
    pqxx::nontransaction n(c);
    n.exec("DROP DATABASE IF EXISTS " + n.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception&) {
    // Best effort: the whole server is thrown away by tests/run.sh anyway.
  }
}

}  // namespace bb::testing
