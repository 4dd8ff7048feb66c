#include "backup_service/manager/backup_source.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

DriverCapabilities Reflink() {
  DriverCapabilities c;
  c.can_snapshot = c.snapshot_readable_locally = c.can_clone = c.clone_is_cheap = true;
  c.volume_readable_locally = true;
  return c;
}

TEST(BackupSourceTest, PrefersTemporarySnapshotForBothStatuses) {
  for (auto st : {VolumeStatus::kAvailable, VolumeStatus::kInUse}) {
    auto plan = ChooseBackupSource(Reflink(), st);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->kind, BackupSourceKind::kTempSnapshotLocal);
    EXPECT_TRUE(plan->releases_volume_early);
  }
}

TEST(BackupSourceTest, FallsBackToCloneWithoutSnapshots) {
  DriverCapabilities c = Reflink();
  c.can_snapshot = false;
  c.snapshot_readable_locally = false;
  c.no_snapshot_reason = "snapshots are configured off";
  for (auto st : {VolumeStatus::kAvailable, VolumeStatus::kInUse}) {
    auto plan = ChooseBackupSource(c, st);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->kind, BackupSourceKind::kTempCloneLocal);
    EXPECT_TRUE(plan->releases_volume_early);
    EXPECT_NE(plan->reason.find("cannot snapshot (snapshots are configured off) but can clone"),
              std::string::npos)
        << plan->reason;
  }
}

TEST(BackupSourceTest, ReadsAvailableVolumeDirectlyAndHoldsIt) {
  DriverCapabilities c;
  c.volume_readable_locally = true;
  c.no_consistent_copy_reason = "no reflink on /x";
  auto plan = ChooseBackupSource(c, VolumeStatus::kAvailable);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->kind, BackupSourceKind::kVolumeDirect);
  EXPECT_FALSE(plan->releases_volume_early);
}

TEST(BackupSourceTest, RefusesInUseVolumeWithoutConsistentCopyAndSaysWhy) {
  DriverCapabilities c;
  c.volume_readable_locally = true;
  c.no_consistent_copy_reason = "no reflink on /x";
  auto plan = ChooseBackupSource(c, VolumeStatus::kInUse);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("no reflink on /x"), std::string::npos);
}

TEST(BackupSourceTest, GivenSnapshotIsReadLocally) {
  auto plan = ChooseSnapshotBackupSource(Reflink());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->kind, BackupSourceKind::kSnapshotLocal);
  EXPECT_FALSE(plan->releases_volume_early);  // the volume is never held
  EXPECT_NE(plan->reason.find("given snapshot"), std::string::npos);
}

TEST(BackupSourceTest, GivenSnapshotThatCannotBeReadHereIsRefused) {
  DriverCapabilities caps = Reflink();
  caps.snapshot_readable_locally = false;
  auto plan = ChooseSnapshotBackupSource(caps);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("back up the volume instead"), std::string::npos);
}

}  // namespace
}  // namespace bb
