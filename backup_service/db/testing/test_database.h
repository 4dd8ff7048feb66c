// TestDatabase: a throw-away database on the real PostgreSQL server named by the environment
// variable BB_TEST_PG_CONNINFO (tests/run.sh starts one), with the schema applied. Dropped in the
// destructor. Tests call Create() and GTEST_SKIP when it returns nullptr (no server configured).
#pragma once

#include <memory>
#include <string>

#include "backup_service/db/database.h"

namespace bb::testing {

class TestDatabase {
 public:
  // nullptr (and *skip_reason set) when BB_TEST_PG_CONNINFO is unset; aborts on other errors.
  static std::unique_ptr<TestDatabase> Create(const std::string& schema_dir,
                                              std::string* skip_reason);
  ~TestDatabase();
  Database& db() { return *db_; }
  const std::string& conninfo() const { return conninfo_; }

 private:
  std::string admin_conninfo_;
  std::string name_;
  std::string conninfo_;
  std::unique_ptr<Database> db_;
};

}  // namespace bb::testing
