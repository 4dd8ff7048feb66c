// ContainerLocks against a real PostgreSQL: backups share a container, the collector excludes
// them (also within one process), a waiting collector can be cancelled, and a hold whose session
// died says so.
#include "backup_service/db/container_lock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <pqxx/pqxx>
#include <thread>

#include "backup_service/db/testing/test_database.h"

namespace bb {
namespace {

class ContainerLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    tdb_ = testing::TestDatabase::Create(BB_SCHEMA_DIR, &why);
    if (!tdb_) GTEST_SKIP() << why;
    locks_.emplace(tdb_->conninfo());
  }
  std::unique_ptr<ContainerHold> Shared(const std::string& container) {
    auto hold = locks_->Acquire(container, ContainerLockMode::kShared, nullptr);
    EXPECT_TRUE(hold.ok()) << hold.status().ToString();
    return hold.ok() ? std::move(hold).value() : nullptr;
  }
  std::unique_ptr<testing::TestDatabase> tdb_;
  std::optional<ContainerLocks> locks_;
};

TEST_F(ContainerLockTest, BackupsShareTheCollectorExcludes) {
  auto a = Shared("p/backups");
  auto b = Shared("p/backups");  // two backups into one container
  ASSERT_TRUE(a && b);
  auto busy = locks_->TryExclusive("p/backups");
  ASSERT_TRUE(busy.ok()) << busy.status().ToString();
  EXPECT_EQ(*busy, nullptr) << "the collector got a container that backups write into";
  auto other = locks_->TryExclusive("p/other");  // another container is independent
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, nullptr);

  a.reset();
  EXPECT_EQ(*locks_->TryExclusive("p/backups"), nullptr);  // b still writes
  b.reset();
  auto free = locks_->TryExclusive("p/backups");
  ASSERT_TRUE(free.ok());
  ASSERT_NE(*free, nullptr) << "a released hold still blocks the collector";
  // And while the collector runs, a backup waits.
  std::atomic<bool> granted{false};
  std::thread backup([&] {
    auto hold = locks_->Acquire("p/backups", ContainerLockMode::kShared, nullptr);
    granted = hold.ok();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a wait that must not end
  EXPECT_FALSE(granted.load()) << "a backup started while the collector held the container";
  free->reset();
  backup.join();
  EXPECT_TRUE(granted.load());
}

TEST_F(ContainerLockTest, AWaitingCollectorCanBeCancelled) {
  auto backup = Shared("p/backups");
  ASSERT_TRUE(backup);
  int asked = 0;
  auto start = std::chrono::steady_clock::now();
  auto collector =
      locks_->Acquire("p/backups", ContainerLockMode::kExclusive, [&] { return ++asked == 2; });
  EXPECT_EQ(collector.status().code(), StatusCode::kCancelled) << collector.status().ToString();
  EXPECT_EQ(asked, 2);
  // Asked once per lock_timeout (1 s): the wait really blocked in between.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1900));
}

TEST_F(ContainerLockTest, AHoldWhoseSessionDiedFailsVerify) {
  auto hold = Shared("p/backups");
  ASSERT_TRUE(hold);
  EXPECT_TRUE(hold->Verify().ok());
  {
    pqxx::connection admin(tdb_->conninfo());
    pqxx::nontransaction q(admin);
    auto r = q.exec(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' "
        "AND mode = 'ShareLock' AND pid <> pg_backend_pid()");
    ASSERT_EQ(r[0][0].as<int>(), 1);
  }
  Status st = hold->Verify();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  // Still lost when asked again (libpqxx may have reconnected: a new session holds nothing).
  st = hold->Verify();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  // The server released it with the session: the collector may run.
  auto collector = locks_->TryExclusive("p/backups");
  ASSERT_TRUE(collector.ok());
  EXPECT_NE(*collector, nullptr);
}

}  // namespace
}  // namespace bb
