// BackupRepository by host against a real PostgreSQL: each host's unfinished work, and adoption
// of a gone host's work as a compare-and-swap on status and host.
#include <gtest/gtest.h>

#include "backup_service/common/uuid.h"
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/event_log.h"
#include "backup_service/db/testing/test_database.h"
#include "backup_service/db/volume_repository.h"

namespace bb {
namespace {

class BackupHostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    tdb_ = testing::TestDatabase::Create(BB_SCHEMA_DIR, &why);
    if (!tdb_) GTEST_SKIP() << why;
    volume_.id = NewUuid();
    volume_.project_id = "p1";
    volume_.size_gib = 1;
    volume_.host = "host-a";
    ASSERT_TRUE(VolumeRepository(tdb_->db(), "host-a").Insert(volume_, false, "test").ok());
  }

  // A backup of host `host` in `status`.
  std::string MakeBackup(const std::string& host, BackupStatus status) {
    Backup b;
    b.id = NewUuid();
    b.project_id = "p1";
    b.volume_id = volume_.id;
    b.container = "backups";
    b.host = host;
    b.size_gib = 1;
    b.status = status;
    EXPECT_TRUE(BackupRepository(tdb_->db(), host).Insert(b, "test").ok());
    return b.id;
  }

  std::unique_ptr<testing::TestDatabase> tdb_;
  Volume volume_;
};

TEST_F(BackupHostsTest, UnfinishedWorkIsCountedPerHost) {
  MakeBackup("host-a", BackupStatus::kCreating);
  MakeBackup("host-a", BackupStatus::kCreating);
  MakeBackup("host-a", BackupStatus::kDeleting);
  MakeBackup("host-a", BackupStatus::kAvailable);  // resting: not counted
  MakeBackup("host-b", BackupStatus::kRestoring);
  MakeBackup("host-c", BackupStatus::kError);
  auto work = BackupRepository(tdb_->db(), "host-a").UnfinishedByHost();
  ASSERT_TRUE(work.ok()) << work.status().ToString();
  ASSERT_EQ(work->size(), 2u);  // host-c has nothing unfinished
  EXPECT_EQ(work->at("host-a").creating, 2);
  EXPECT_EQ(work->at("host-a").restoring, 0);
  EXPECT_EQ(work->at("host-a").deleting, 1);
  EXPECT_EQ(work->at("host-b").restoring, 1);
}

TEST_F(BackupHostsTest, AdoptionIsACompareAndSwapOnStatusAndHost) {
  std::string id = MakeBackup("host-a", BackupStatus::kDeleting);
  BackupRepository b(tdb_->db(), "host-b");
  EXPECT_EQ(b.Adopt(id, BackupStatus::kCreating, "host-a").code(),
            StatusCode::kFailedPrecondition);  // not in that status
  EXPECT_EQ(b.Adopt(id, BackupStatus::kDeleting, "host-x").code(),
            StatusCode::kFailedPrecondition);  // not that host's
  ASSERT_TRUE(b.Adopt(id, BackupStatus::kDeleting, "host-a").ok());
  auto got = b.Get(id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->host, "host-b");
  EXPECT_EQ(got->status, BackupStatus::kDeleting);
  // Only once: a second adopter (or the old host's restart) finds it gone from host-a.
  EXPECT_EQ(
      BackupRepository(tdb_->db(), "host-c").Adopt(id, BackupStatus::kDeleting, "host-a").code(),
      StatusCode::kFailedPrecondition);
  auto events = ListEvents(tdb_->db(), "backup", id);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().reason, "adopted from host host-a");
  EXPECT_EQ(events->back().host, "host-b");
}

}  // namespace
}  // namespace bb
