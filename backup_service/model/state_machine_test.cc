#include "backup_service/model/state_machine.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

TEST(StateMachineTest, BackupHappyPathIsLegal) {
  EXPECT_TRUE(IsLegalTransition(BackupStatus::kCreating, BackupStatus::kAvailable));
  EXPECT_TRUE(IsLegalTransition(BackupStatus::kAvailable, BackupStatus::kRestoring));
  EXPECT_TRUE(IsLegalTransition(BackupStatus::kRestoring, BackupStatus::kAvailable));
  EXPECT_TRUE(IsLegalTransition(BackupStatus::kDeleting, BackupStatus::kDeleted));
}

TEST(StateMachineTest, ForceDeleteCancelsACreatingBackupButNotARestore) {
  EXPECT_TRUE(IsLegalTransition(BackupStatus::kCreating, BackupStatus::kDeleting));
  // A restore is cancelled back to available (the backup is intact), never deleted under it.
  EXPECT_FALSE(IsLegalTransition(BackupStatus::kRestoring, BackupStatus::kDeleting));
}

TEST(StateMachineTest, RefusesUndesignedEdges) {
  EXPECT_FALSE(IsLegalTransition(BackupStatus::kDeleted, BackupStatus::kAvailable));
  EXPECT_FALSE(IsLegalTransition(BackupStatus::kCreating, BackupStatus::kRestoring));
  EXPECT_FALSE(IsLegalTransition(VolumeStatus::kBackingUp, VolumeStatus::kDeleting));
  EXPECT_FALSE(IsLegalTransition(VolumeStatus::kInUse, VolumeStatus::kDeleting));
  EXPECT_FALSE(IsLegalTransition(SnapshotStatus::kBackingUp, SnapshotStatus::kDeleting));
}

TEST(StateMachineTest, BackingUpReturnsToEitherPreviousStatus) {
  EXPECT_TRUE(IsLegalTransition(VolumeStatus::kInUse, VolumeStatus::kBackingUp));
  EXPECT_TRUE(IsLegalTransition(VolumeStatus::kBackingUp, VolumeStatus::kInUse));
  EXPECT_TRUE(IsLegalTransition(VolumeStatus::kBackingUp, VolumeStatus::kAvailable));
}

TEST(StatesTest, StringsRoundTrip) {
  for (auto s : {VolumeStatus::kInUse, VolumeStatus::kBackingUp, VolumeStatus::kErrorRestoring}) {
    EXPECT_EQ(ParseVolumeStatus(ToString(s)), s);
  }
  EXPECT_EQ(ToString(VolumeStatus::kInUse), "in-use");
  EXPECT_EQ(ToString(BackupStatus::kErrorDeleting), "error_deleting");
  EXPECT_FALSE(ParseBackupStatus("bogus").has_value());
}

}  // namespace
}  // namespace bb
