// Tests for DescribeProgress: live job vs row, phases derived from the row, outcomes at rest.
#include "backup_service/manager/progress_report.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

constexpr int64_t kGiB = int64_t{1} << 30;

ProgressSnapshot Row(BackupStatus status) {
  ProgressSnapshot s;
  s.backup.id = "b1";
  s.backup.status = status;
  s.backup.size_gib = 2;
  s.now_us = 100'000'000;
  return s;
}

TEST(ProgressReportTest, LiveJobIsReportedWithTheVolumeSizeAsTotalBeforeTheFirstChunk) {
  ProgressSnapshot s = Row(BackupStatus::kCreating);
  s.live = JobProgress{"b1", JobOperation::kCreate, JobPhase::kCopy, 0, 0, 0};
  ProgressReport r = DescribeProgress(WatchKind::kBackup, s, "");
  EXPECT_EQ(r.operation, "create");
  EXPECT_EQ(r.phase, "copy");
  EXPECT_EQ(r.bytes_total, 2 * kGiB);
  EXPECT_FALSE(r.final);

  s.live->bytes_done = kGiB;
  s.live->bytes_total = 2 * kGiB;
  s.live->mb_per_s = 12.5;
  r = DescribeProgress(WatchKind::kBackup, s, "");
  EXPECT_EQ(r.bytes_done, kGiB);
  EXPECT_DOUBLE_EQ(r.mb_per_s, 12.5);
  EXPECT_EQ(r.status, "creating");
}

TEST(ProgressReportTest, JobOfAnotherDaemonIsDerivedFromTheRow) {
  ProgressSnapshot s = Row(BackupStatus::kCreating);
  EXPECT_EQ(DescribeProgress(WatchKind::kBackup, s, "").phase, "queued");
  s.backup.started_at = 90'000'000;
  EXPECT_EQ(DescribeProgress(WatchKind::kBackup, s, "").phase, "snapshot");
  s.backup.source_device = "/dev/x";
  s.backup.bytes_done = 50'000'000;
  s.backup.bytes_total = 2 * kGiB;
  ProgressReport r = DescribeProgress(WatchKind::kBackup, s, "");
  EXPECT_EQ(r.phase, "copy");
  EXPECT_EQ(r.bytes_done, 50'000'000);
  EXPECT_DOUBLE_EQ(r.mb_per_s, 5.0);  // 50 MB in the 10 s since started_at
  s.backup.bytes_done = 2 * kGiB;
  EXPECT_EQ(DescribeProgress(WatchKind::kBackup, s, "").phase, "finalize");

  EXPECT_EQ(DescribeProgress(WatchKind::kBackup, Row(BackupStatus::kDeleting), "").phase,
            "cleanup");
  ProgressReport restore = DescribeProgress(WatchKind::kRestore, Row(BackupStatus::kRestoring), "");
  EXPECT_EQ(restore.operation, "restore");
  EXPECT_EQ(restore.phase, "copy");
}

TEST(ProgressReportTest, RestingBackupEndsWithDoneOrError) {
  ProgressReport ok = DescribeProgress(WatchKind::kBackup, Row(BackupStatus::kAvailable), "");
  EXPECT_TRUE(ok.final);
  EXPECT_EQ(ok.phase, "done");
  EXPECT_EQ(ok.operation, "create");

  ProgressSnapshot failed = Row(BackupStatus::kError);
  failed.backup.fail_reason = "disk on fire";
  ProgressReport err = DescribeProgress(WatchKind::kBackup, failed, "");
  EXPECT_TRUE(err.final);
  EXPECT_EQ(err.phase, "error");
  EXPECT_EQ(err.fail_reason, "disk on fire");

  ProgressReport del = DescribeProgress(WatchKind::kBackup, Row(BackupStatus::kErrorDeleting), "");
  EXPECT_EQ(del.operation, "delete");
  EXPECT_EQ(del.phase, "error");
}

TEST(ProgressReportTest, FailedRestoreIsAnErrorThoughTheBackupIsAvailable) {
  // Same daemon: the registry remembers the failure and its reason.
  ProgressSnapshot here = Row(BackupStatus::kAvailable);
  here.finished = FinishedJob{
      {"b1", JobOperation::kRestore, JobPhase::kFinalize, 10, 20, 1.0}, true, "chunk missing"};
  ProgressReport r = DescribeProgress(WatchKind::kRestore, here, "v1");
  EXPECT_TRUE(r.final);
  EXPECT_EQ(r.phase, "error");
  EXPECT_EQ(r.fail_reason, "chunk missing");
  EXPECT_EQ(r.status, "available");

  // Another daemon: the target volume's status tells.
  ProgressSnapshot elsewhere = Row(BackupStatus::kAvailable);
  elsewhere.restore_target_status = VolumeStatus::kErrorRestoring;
  r = DescribeProgress(WatchKind::kRestore, elsewhere, "v1");
  EXPECT_EQ(r.phase, "error");
  EXPECT_NE(r.fail_reason.find("volume v1 is error_restoring"), std::string::npos);
  elsewhere.restore_target_status = VolumeStatus::kAvailable;
  EXPECT_EQ(DescribeProgress(WatchKind::kRestore, elsewhere, "v1").phase, "done");

  // A finished create does not answer for a restore.
  ProgressSnapshot created = Row(BackupStatus::kAvailable);
  created.finished =
      FinishedJob{{"b1", JobOperation::kCreate, JobPhase::kFinalize, 1, 1, 1}, true, "old"};
  EXPECT_EQ(DescribeProgress(WatchKind::kRestore, created, "").phase, "done");
}

TEST(ProgressReportTest, SameProgressIgnoresTheSpeed) {
  ProgressReport a;
  a.phase = "copy";
  ProgressReport b = a;
  b.mb_per_s = 3;
  EXPECT_TRUE(a.SameProgress(b));
  b.bytes_done = 1;
  EXPECT_FALSE(a.SameProgress(b));
}

}  // namespace
}  // namespace bb
