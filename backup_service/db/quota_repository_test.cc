// Backup quotas against a real PostgreSQL (BB_TEST_PG_CONNINFO): limits (defaults, a project's
// own, reset), usage (what counts: every backup that is not deleted), the check inside the
// inserting transactions (begin of a backup, import), and its atomicity: parallel begins from
// many threads against a quota of K leave exactly K rows.
#include "backup_service/db/quota_repository.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <pqxx/pqxx>
#include <thread>

#include "backup_service/common/uuid.h"
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/testing/test_database.h"
#include "backup_service/db/volume_repository.h"

namespace bb {
namespace {

class QuotaRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    tdb_ = testing::TestDatabase::Create(BB_SCHEMA_DIR, &why);
    if (!tdb_) GTEST_SKIP() << why;
    quotas_ = std::make_unique<QuotaRepository>(tdb_->db(), defaults_);
    backups_ = std::make_unique<BackupRepository>(tdb_->db(), "host-a", defaults_);
    volumes_ = std::make_unique<VolumeRepository>(tdb_->db(), "host-a");
  }

  Volume MakeVolume(const std::string& project, int64_t size_gib = 1) {
    Volume v;
    v.id = NewUuid();
    v.project_id = project;
    v.size_gib = size_gib;
    v.status = VolumeStatus::kAvailable;
    v.host = "host-a";
    EXPECT_TRUE(volumes_->Insert(v, false, "test").ok());
    return v;
  }
  static Backup BackupOf(const Volume& v) {
    Backup b;
    b.id = NewUuid();
    b.project_id = v.project_id;
    b.volume_id = v.id;
    b.container = "backups";
    b.host = "host-a";
    b.size_gib = v.size_gib;
    return b;
  }
  int64_t Rows(const std::string& project) {
    int64_t n = -1;
    EXPECT_TRUE(tdb_->db()
                    .InTransaction([&](pqxx::dbtransaction& txn) {
                      n = txn.exec_params("SELECT count(*) FROM backups WHERE project_id = $1",
                                          project)[0][0]
                              .as<int64_t>();
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }

  QuotaLimits defaults_{.backups = 3, .backup_gigabytes = 10};
  std::unique_ptr<testing::TestDatabase> tdb_;
  std::unique_ptr<QuotaRepository> quotas_;
  std::unique_ptr<BackupRepository> backups_;
  std::unique_ptr<VolumeRepository> volumes_;
};

TEST_F(QuotaRepositoryTest, LimitsAreTheDefaultsUntilSetAndAfterReset) {
  auto q = quotas_->Get("p1");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->limits, defaults_);
  EXPECT_EQ(q->in_use.backups, 0);
  auto set = quotas_->Update("p1", {.backups = 7, .backup_gigabytes = {}});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->limits, (QuotaLimits{.backups = 7, .backup_gigabytes = 10}));
  set = quotas_->Update("p1", {.backups = {}, .backup_gigabytes = -1});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->limits, (QuotaLimits{.backups = 7, .backup_gigabytes = -1}));
  EXPECT_EQ(quotas_->Get("p2")->limits, defaults_);  // per project
  ASSERT_TRUE(quotas_->Reset("p1").ok());
  EXPECT_EQ(quotas_->Get("p1")->limits, defaults_);
}

TEST_F(QuotaRepositoryTest, EveryBackupButDeletedOnesCountsAndALimitCannotGoBelowIt) {
  Volume v = MakeVolume("p1", 2);
  std::vector<Backup> made;
  for (int i = 0; i < 3; ++i) {
    made.push_back(BackupOf(v));
    ASSERT_TRUE(backups_->BeginBackup(made.back(), VolumeStatus::kAvailable).ok());
    ASSERT_TRUE(tdb_->db()
                    .InTransaction([&](pqxx::dbtransaction& txn) {
                      txn.exec_params("UPDATE volumes SET status = 'available' WHERE id = $1::uuid",
                                      v.id);
                      return Status::Ok();
                    })
                    .ok());
  }
  auto q = quotas_->Get("p1");
  EXPECT_EQ(q->in_use.backups, 3);
  EXPECT_EQ(q->in_use.backup_gigabytes, 6);
  Status over = backups_->BeginBackup(BackupOf(v), VolumeStatus::kAvailable);
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(over.message(), "BackupLimitExceeded: Maximum number of backups allowed (3) exceeded");
  EXPECT_EQ(Rows("p1"), 3);
  EXPECT_EQ(volumes_->Get(v.id)->status, VolumeStatus::kAvailable);  // rolled back with it

  Status below = quotas_->Update("p1", {.backups = 2, .backup_gigabytes = {}}).status();
  EXPECT_EQ(below.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(quotas_->Get("p1")->limits.backups, 3);  // nothing written

  // error and deleting still count; deleted does not.
  ASSERT_TRUE(tdb_->db()
                  .InTransaction([&](pqxx::dbtransaction& txn) {
                    txn.exec_params("UPDATE backups SET status = 'error' WHERE id = $1::uuid",
                                    made[0].id);
                    txn.exec_params("UPDATE backups SET status = 'deleting' WHERE id = $1::uuid",
                                    made[1].id);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(quotas_->Get("p1")->in_use.backups, 3);
  ASSERT_TRUE(tdb_->db()
                  .InTransaction([&](pqxx::dbtransaction& txn) {
                    txn.exec_params("UPDATE backups SET status = 'deleted' WHERE id = $1::uuid",
                                    made[1].id);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(quotas_->Get("p1")->in_use.backups, 2);
  EXPECT_TRUE(backups_->BeginBackup(BackupOf(v), VolumeStatus::kAvailable).ok());

  // The gigabytes limit, on an import (which consumes quota as a create does).
  ASSERT_TRUE(quotas_->Update("p1", {.backups = -1, .backup_gigabytes = 7}).ok());
  Backup imported = BackupOf(MakeVolume("p1", 2));
  Status too_big = backups_->InsertImported(imported, "import");
  EXPECT_EQ(too_big.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(too_big.message().find("Requested 2G, quota is 7G and 6G has been consumed."),
            std::string::npos)
      << too_big.message();
}

TEST_F(QuotaRepositoryTest, ParallelBeginsAgainstAQuotaLeaveExactlyTheQuota) {
  constexpr int kThreads = 12;
  ASSERT_TRUE(quotas_->Update("p1", {.backups = 5, .backup_gigabytes = {}}).ok());
  std::vector<Volume> volumes;
  for (int i = 0; i < kThreads; ++i) volumes.push_back(MakeVolume("p1"));
  std::latch start(kThreads);
  std::atomic<int> ok{0}, over{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Backup b = BackupOf(volumes[i]);
      start.arrive_and_wait();
      Status st = backups_->BeginBackup(b, VolumeStatus::kAvailable);
      (st.ok() ? ok : st.code() == StatusCode::kResourceExhausted ? over : other)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(over, kThreads - 5);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(Rows("p1"), 5);
}

}  // namespace
}  // namespace bb
