// BackupRepository's import path against a real PostgreSQL (BB_TEST_PG_CONNINFO): the row starts
// available with the record's location and sizes, ids are never reused (deleted rows included),
// and a parent this database does not have is dropped instead of breaking the foreign key.
#include <gtest/gtest.h>

#include "backup_service/common/uuid.h"
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/event_log.h"
#include "backup_service/db/testing/test_database.h"

namespace bb {
namespace {

class BackupImportRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    tdb_ = testing::TestDatabase::Create(BB_SCHEMA_DIR, &why);
    if (!tdb_) GTEST_SKIP() << why;
    backups_ = std::make_unique<BackupRepository>(tdb_->db(), "host-b");
  }

  // What the import hands the repository: a decoded record, placed on this host.
  static Backup Imported(const std::string& parent_id = "") {
    Backup b;
    b.id = NewUuid();
    b.project_id = "p1";
    b.volume_id = NewUuid();  // the volume stayed with the other installation
    b.parent_id = parent_id;
    b.name = "moved";
    b.container = "backups";
    b.manifest_object = "manifests/" + b.id + ".json";
    b.host = "host-b";
    b.size_gib = 2;
    b.object_count = 5;
    b.stored_bytes = 12345;
    b.data_timestamp = 1700000000123456;
    b.created_at = 1600000000000000;
    b.source_reason = "imported";
    return b;
  }

  std::unique_ptr<testing::TestDatabase> tdb_;
  std::unique_ptr<BackupRepository> backups_;
};

TEST_F(BackupImportRepositoryTest, InsertsAvailableWithLocationSizesTimesAndOneEvent) {
  Backup b = Imported();
  ASSERT_TRUE(backups_->InsertImported(b, "imported from a record").ok());
  auto got = backups_->Get(b.id, "p1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, BackupStatus::kAvailable);
  EXPECT_EQ(got->manifest_object, b.manifest_object);
  EXPECT_EQ(got->container, "backups");
  EXPECT_EQ(got->object_count, 5);
  EXPECT_EQ(got->stored_bytes, 12345);
  EXPECT_EQ(got->size_gib, 2);
  EXPECT_EQ(got->data_timestamp, b.data_timestamp);
  EXPECT_EQ(got->created_at, b.created_at);
  EXPECT_EQ(got->host, "host-b");
  auto events = ListEvents(tdb_->db(), "backup", b.id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].from_status, "");
  EXPECT_EQ((*events)[0].to_status, "available");
  EXPECT_EQ((*events)[0].reason, "imported from a record");
}

TEST_F(BackupImportRepositoryTest, AnIdThatExistsInAnyStatusIsRefused) {
  Backup b = Imported();
  ASSERT_TRUE(backups_->InsertImported(b, "first").ok());
  EXPECT_EQ(backups_->CheckIdUnused(b.id).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(backups_->InsertImported(b, "again").code(), StatusCode::kAlreadyExists);
  // Deleted rows are kept, so their ids stay taken.
  ASSERT_TRUE(
      backups_->Transition(b.id, BackupStatus::kAvailable, BackupStatus::kDeleting, "t").ok());
  ASSERT_TRUE(
      backups_->Transition(b.id, BackupStatus::kDeleting, BackupStatus::kDeleted, "t").ok());
  Status again = backups_->InsertImported(b, "after delete");
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.message().find("status deleted"), std::string::npos) << again.message();
  auto events = ListEvents(tdb_->db(), "backup", b.id);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 3u) << "a refused import wrote an event";
  EXPECT_TRUE(backups_->CheckIdUnused(NewUuid()).ok());
}

TEST_F(BackupImportRepositoryTest, ParentIsKeptAndCountedOnlyWhenPresent) {
  Backup parent = Imported();
  ASSERT_TRUE(backups_->InsertImported(parent, "parent").ok());
  Backup child = Imported(parent.id);
  ASSERT_TRUE(backups_->InsertImported(child, "child").ok());
  EXPECT_EQ(backups_->Get(child.id)->parent_id, parent.id);
  EXPECT_EQ(backups_->Get(parent.id)->num_dependent_backups, 1);

  Backup orphan = Imported(NewUuid());  // its parent stayed with the other installation
  ASSERT_TRUE(backups_->InsertImported(orphan, "orphan").ok());
  EXPECT_EQ(backups_->Get(orphan.id)->parent_id, "");

  Backup elsewhere = Imported();
  elsewhere.project_id = "p2";
  ASSERT_TRUE(backups_->InsertImported(elsewhere, "another project's").ok());
  Backup stranger = Imported(elsewhere.id);  // names another project's backup as parent
  ASSERT_TRUE(backups_->InsertImported(stranger, "stranger").ok());
  EXPECT_EQ(backups_->Get(stranger.id)->parent_id, "");
  EXPECT_EQ(backups_->Get(elsewhere.id)->num_dependent_backups, 0);
}

}  // namespace
}  // namespace bb
