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

// backup_use_temp_snapshot = false: a driver that can snapshot is made to take the clone path,
// locally (LVM thin: a cheap clone; thick: a copy) and through an export, and says why.
TEST(BackupSourceTest, UseTempSnapshotFalseReadsAClone) {
  DriverCapabilities c = Reflink();
  c.snapshot_attachable = c.volume_attachable = true;
  for (bool cheap : {true, false}) {
    c.clone_is_cheap = cheap;
    for (auto st : {VolumeStatus::kAvailable, VolumeStatus::kInUse}) {
      auto plan = ChooseBackupSource(c, st, BackupAttach::kAuto, /*use_temp_snapshot=*/false);
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      EXPECT_EQ(plan->kind, BackupSourceKind::kTempCloneLocal);
      EXPECT_TRUE(plan->releases_volume_early);
      EXPECT_NE(plan->reason.find("backup_use_temp_snapshot = false: a temporary clone is read "
                                  "instead of a snapshot"),
                std::string::npos)
          << plan->reason;
      EXPECT_EQ(plan->reason.find("cannot snapshot"), std::string::npos) << plan->reason;
    }
  }
  auto remote = ChooseBackupSource(c, VolumeStatus::kInUse, BackupAttach::kRemote,
                                   /*use_temp_snapshot=*/false);
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  EXPECT_EQ(remote->kind, BackupSourceKind::kTempCloneAttached);
  // The default keeps the snapshot.
  auto dflt = ChooseBackupSource(c, VolumeStatus::kInUse, BackupAttach::kRemote);
  ASSERT_TRUE(dflt.ok());
  EXPECT_EQ(dflt->kind, BackupSourceKind::kTempSnapshotAttached);
}

// Without clones, use_temp_snapshot = false leaves an in-use volume no consistent copy: refused,
// naming the setting to change; an available one is read directly (and held).
TEST(BackupSourceTest, UseTempSnapshotFalseWithoutClonesSaysWhichSettingToChange) {
  DriverCapabilities c;
  c.can_snapshot = c.snapshot_readable_locally = c.volume_readable_locally = true;
  auto in_use = ChooseBackupSource(c, VolumeStatus::kInUse, BackupAttach::kAuto, false);
  ASSERT_FALSE(in_use.ok());
  EXPECT_EQ(in_use.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(in_use.status().message().find("set backup_use_temp_snapshot = true"),
            std::string::npos)
      << in_use.status().message();
  auto available = ChooseBackupSource(c, VolumeStatus::kAvailable, BackupAttach::kAuto, false);
  ASSERT_TRUE(available.ok());
  EXPECT_EQ(available->kind, BackupSourceKind::kVolumeDirect);
  EXPECT_FALSE(available->releases_volume_early);
  EXPECT_NE(available->reason.find("backup_use_temp_snapshot = false"), std::string::npos);
  auto remote = ChooseBackupSource(c, VolumeStatus::kInUse, BackupAttach::kRemote, false);
  ASSERT_FALSE(remote.ok());
  EXPECT_NE(remote.status().message().find("(backup_use_temp_snapshot = false)"), std::string::npos)
      << remote.status().message();
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

// The remote-attach rows of the matrix: what each capability set and backup_attach give, for an
// available and an in-use volume and a given snapshot.
DriverCapabilities Exporting() {
  DriverCapabilities c = Reflink();
  c.snapshot_attachable = c.volume_attachable = true;
  return c;
}

TEST(BackupSourceTest, AutoPrefersLocalSnapshotOverItsExport) {
  for (auto st : {VolumeStatus::kAvailable, VolumeStatus::kInUse}) {
    EXPECT_EQ(ChooseBackupSource(Exporting(), st)->kind, BackupSourceKind::kTempSnapshotLocal);
  }
  EXPECT_EQ(ChooseSnapshotBackupSource(Exporting())->kind, BackupSourceKind::kSnapshotLocal);
}

TEST(BackupSourceTest, RemoteForcesTheExportedSnapshot) {
  for (auto st : {VolumeStatus::kAvailable, VolumeStatus::kInUse}) {
    auto plan = ChooseBackupSource(Exporting(), st, BackupAttach::kRemote);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->kind, BackupSourceKind::kTempSnapshotAttached);
    EXPECT_TRUE(plan->releases_volume_early);
    EXPECT_NE(plan->reason.find("backup_attach = remote"), std::string::npos) << plan->reason;
  }
  auto given = ChooseSnapshotBackupSource(Exporting(), BackupAttach::kRemote);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->kind, BackupSourceKind::kSnapshotAttached);
  EXPECT_FALSE(given->releases_volume_early);
}

TEST(BackupSourceTest, AttachedSnapshotWhenNotReadableLocally) {
  DriverCapabilities c = Exporting();
  c.snapshot_readable_locally = false;
  c.volume_readable_locally = false;  // a remote array: nothing is a path here
  c.can_clone = c.clone_is_cheap = false;
  for (auto st : {VolumeStatus::kAvailable, VolumeStatus::kInUse}) {
    auto plan = ChooseBackupSource(c, st);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->kind, BackupSourceKind::kTempSnapshotAttached);
    EXPECT_NE(plan->reason.find("not readable on this host"), std::string::npos) << plan->reason;
  }
  EXPECT_EQ(ChooseSnapshotBackupSource(c)->kind, BackupSourceKind::kSnapshotAttached);
  // local: the export is never used, so nothing is left.
  EXPECT_EQ(ChooseBackupSource(c, VolumeStatus::kInUse, BackupAttach::kLocal).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ChooseSnapshotBackupSource(c, BackupAttach::kLocal).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(BackupSourceTest, CheapLocalCloneBeatsAnExportedSnapshotOnlyWithoutSnapshots) {
  DriverCapabilities c = Exporting();
  c.snapshot_readable_locally = false;
  // Snapshots exist (exportable): reading the snapshot over the network copies nothing first.
  EXPECT_EQ(ChooseBackupSource(c, VolumeStatus::kInUse)->kind,
            BackupSourceKind::kTempSnapshotAttached);
  // A full-copy clone is costlier than reading the exported snapshot once.
  c.clone_is_cheap = false;
  EXPECT_EQ(ChooseBackupSource(c, VolumeStatus::kInUse)->kind,
            BackupSourceKind::kTempSnapshotAttached);
}

TEST(BackupSourceTest, RemoteWithoutSnapshotExportsIsRefusedSayingWhy) {
  DriverCapabilities c = Reflink();  // local snapshots only
  auto plan = ChooseBackupSource(c, VolumeStatus::kInUse, BackupAttach::kRemote);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("can export neither snapshots"), std::string::npos);
  auto given = ChooseSnapshotBackupSource(c, BackupAttach::kRemote);
  EXPECT_EQ(given.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(given.status().message().find("backup_attach = remote"), std::string::npos);
}

// A driver that clones but cannot snapshot, and exports volumes: the clone is read locally in
// auto, through its export in remote, and through its export in auto when it is not readable
// locally.
TEST(BackupSourceTest, TemporaryCloneThroughItsExport) {
  DriverCapabilities c = Exporting();
  c.can_snapshot = c.snapshot_readable_locally = c.snapshot_attachable = false;
  c.no_snapshot_reason = "snapshots are configured off";
  EXPECT_EQ(ChooseBackupSource(c, VolumeStatus::kInUse)->kind, BackupSourceKind::kTempCloneLocal);
  for (auto st : {VolumeStatus::kAvailable, VolumeStatus::kInUse}) {
    auto plan = ChooseBackupSource(c, st, BackupAttach::kRemote);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->kind, BackupSourceKind::kTempCloneAttached);
    EXPECT_TRUE(plan->releases_volume_early);
    EXPECT_NE(plan->reason.find("snapshots are configured off"), std::string::npos);
  }
  c.volume_readable_locally = false;
  EXPECT_EQ(ChooseBackupSource(c, VolumeStatus::kInUse)->kind,
            BackupSourceKind::kTempCloneAttached);
  EXPECT_EQ(ChooseBackupSource(c, VolumeStatus::kInUse, BackupAttach::kLocal).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(BackupSourceTest, LocalIgnoresExportsAndKeepsTheLocalMatrix) {
  for (auto st : {VolumeStatus::kAvailable, VolumeStatus::kInUse}) {
    EXPECT_EQ(ChooseBackupSource(Exporting(), st, BackupAttach::kLocal)->kind,
              BackupSourceKind::kTempSnapshotLocal);
  }
}

TEST(BackupSourceTest, AttachModeNamesRoundTrip) {
  for (auto a : {BackupAttach::kAuto, BackupAttach::kLocal, BackupAttach::kRemote}) {
    EXPECT_EQ(ParseBackupAttach(ToString(a)), a);
  }
  EXPECT_FALSE(ParseBackupAttach("iscsi").has_value());
  EXPECT_TRUE(IsAttached(BackupSourceKind::kTempSnapshotAttached));
  EXPECT_TRUE(IsAttached(BackupSourceKind::kSnapshotAttached));
  EXPECT_FALSE(IsAttached(BackupSourceKind::kTempSnapshotLocal));
}

}  // namespace
}  // namespace bb
