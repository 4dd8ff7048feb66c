// Tests for RunProgressWatch with a scripted transport and a fake clock.
#include "backup_service/manager/progress_watch.h"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

namespace bb {
namespace {

class FakeIo : public WatchIo {
 public:
  std::deque<Result<ProgressSnapshot>> polls;  // the last one repeats
  std::vector<std::string> restore_hints;      // restore_volume_id of each poll
  std::vector<ProgressReport> sent;
  bool peer_gone = false;
  Status wait_status;
  std::chrono::steady_clock::time_point now;

  Result<ProgressSnapshot> Poll(const std::string& restore_volume_id) override {
    restore_hints.push_back(restore_volume_id);
    Result<ProgressSnapshot> next = polls.front();
    if (polls.size() > 1) polls.pop_front();
    return next;
  }
  bool Send(const ProgressReport& report) override {
    if (peer_gone) return false;
    sent.push_back(report);
    return true;
  }
  Status Wait(std::chrono::milliseconds d) override {
    now += d;
    return wait_status;
  }
  std::chrono::steady_clock::time_point Now() override { return now; }
};

ProgressSnapshot Snap(BackupStatus status, std::optional<JobProgress> live = std::nullopt) {
  ProgressSnapshot s;
  s.backup.id = "b1";
  s.backup.status = status;
  s.backup.size_gib = 1;
  s.backup.bytes_done = s.backup.bytes_total = int64_t{1} << 30;
  s.live = live;
  return s;
}

JobProgress Copying(int64_t done) {
  return JobProgress{"b1", JobOperation::kCreate, JobPhase::kCopy, done, int64_t{1} << 30, 9.5};
}

TEST(ProgressWatchTest, FollowsACreateUntilItRests) {
  FakeIo io;
  io.polls = {Snap(BackupStatus::kCreating, Copying(10)),
              Snap(BackupStatus::kCreating, Copying(10)),
              Snap(BackupStatus::kCreating, Copying(20)), Snap(BackupStatus::kAvailable)};
  ASSERT_TRUE(RunProgressWatch(WatchKind::kBackup, io).ok());
  // The unchanged second observation is not repeated.
  ASSERT_EQ(io.sent.size(), 3u);
  EXPECT_EQ(io.sent[0].bytes_done, 10);
  EXPECT_EQ(io.sent[1].bytes_done, 20);
  EXPECT_EQ(io.sent[2].phase, "done");
  EXPECT_TRUE(io.sent[2].final);
}

TEST(ProgressWatchTest, RepeatsAnUnchangedReportAsKeepAlive) {
  FakeIo io;
  io.polls = {Snap(BackupStatus::kCreating, Copying(10))};
  for (int i = 0; i < 12; ++i) io.polls.push_back(Snap(BackupStatus::kCreating, Copying(10)));
  io.polls.push_back(Snap(BackupStatus::kAvailable));
  WatchTiming timing{std::chrono::milliseconds(500), std::chrono::milliseconds(2000)};
  ASSERT_TRUE(RunProgressWatch(WatchKind::kBackup, io, timing).ok());
  // 13 unchanged observations 500 ms apart: the first and one every 2 s (3 more), then done.
  EXPECT_EQ(io.sent.size(), 5u);
}

TEST(ProgressWatchTest, BytesNeverGoBackwards) {
  FakeIo io;
  ProgressSnapshot row_behind = Snap(BackupStatus::kCreating);  // job ended here: row is stale
  row_behind.backup.started_at = 1;
  row_behind.backup.source_device = "/dev/x";
  row_behind.backup.bytes_done = 5;
  io.polls = {Snap(BackupStatus::kCreating, Copying(10)), row_behind,
              Snap(BackupStatus::kAvailable)};
  ASSERT_TRUE(RunProgressWatch(WatchKind::kBackup, io).ok());
  for (size_t i = 1; i < io.sent.size(); ++i) {
    EXPECT_GE(io.sent[i].bytes_done, io.sent[i - 1].bytes_done) << i;
  }
}

TEST(ProgressWatchTest, RestingBackupGetsOneMessage) {
  FakeIo io;
  io.polls = {Snap(BackupStatus::kAvailable)};
  ASSERT_TRUE(RunProgressWatch(WatchKind::kRestore, io).ok());
  ASSERT_EQ(io.sent.size(), 1u);
  EXPECT_EQ(io.sent[0].phase, "done");
  EXPECT_EQ(io.sent[0].operation, "restore");
}

TEST(ProgressWatchTest, OtherOperationIsAFailedPrecondition) {
  FakeIo io;
  io.polls = {Snap(BackupStatus::kRestoring)};
  Status st = RunProgressWatch(WatchKind::kBackup, io);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("restoring; follow it with WatchRestore"), std::string::npos);
  EXPECT_TRUE(io.sent.empty());

  FakeIo creating;
  creating.polls = {Snap(BackupStatus::kCreating)};
  EXPECT_EQ(RunProgressWatch(WatchKind::kRestore, creating).code(),
            StatusCode::kFailedPrecondition);
}

TEST(ProgressWatchTest, FirstPollErrorIsTheAnswer) {
  FakeIo io;
  io.polls = {Status::NotFound("backup b1 not found")};
  EXPECT_EQ(RunProgressWatch(WatchKind::kBackup, io).code(), StatusCode::kNotFound);
  EXPECT_TRUE(io.sent.empty());
}

TEST(ProgressWatchTest, DeleteEndsWithDoneWhenTheBackupDisappears) {
  FakeIo io;
  io.polls = {Snap(BackupStatus::kDeleting), Status::NotFound("backup b1 not found")};
  ASSERT_TRUE(RunProgressWatch(WatchKind::kBackup, io).ok());
  ASSERT_EQ(io.sent.size(), 2u);
  EXPECT_EQ(io.sent[0].phase, "cleanup");
  EXPECT_EQ(io.sent[1].phase, "done");
  EXPECT_EQ(io.sent[1].status, "deleted");
  EXPECT_EQ(io.sent[1].backup_id, "b1");

  // NotFound after a create is an error, not a deletion.
  FakeIo lost;
  lost.polls = {Snap(BackupStatus::kCreating), Status::NotFound("gone")};
  EXPECT_EQ(RunProgressWatch(WatchKind::kBackup, lost).code(), StatusCode::kNotFound);
}

TEST(ProgressWatchTest, RestoreTargetSeenFirstIsAskedForAtTheEnd) {
  FakeIo io;
  ProgressSnapshot restoring = Snap(BackupStatus::kRestoring);
  restoring.backup.restore_volume_id = "v9";
  ProgressSnapshot after = Snap(BackupStatus::kAvailable);  // job ended between two polls
  after.restore_target_status = VolumeStatus::kError;
  io.polls = {restoring, after};
  ASSERT_TRUE(RunProgressWatch(WatchKind::kRestore, io).ok());
  ASSERT_EQ(io.restore_hints.size(), 2u);
  EXPECT_EQ(io.restore_hints[0], "");
  EXPECT_EQ(io.restore_hints[1], "v9");
  EXPECT_EQ(io.sent.back().phase, "error");
  EXPECT_NE(io.sent.back().fail_reason.find("v9"), std::string::npos);
}

TEST(ProgressWatchTest, StopsWhenThePeerGoesOrTheDaemonStops) {
  FakeIo gone;
  gone.polls = {Snap(BackupStatus::kCreating)};
  gone.peer_gone = true;
  EXPECT_EQ(RunProgressWatch(WatchKind::kBackup, gone).code(), StatusCode::kCancelled);

  FakeIo stopping;
  stopping.polls = {Snap(BackupStatus::kCreating)};
  stopping.wait_status = Status::Unavailable("backupd is stopping");
  EXPECT_EQ(RunProgressWatch(WatchKind::kBackup, stopping).code(), StatusCode::kUnavailable);
  EXPECT_EQ(stopping.sent.size(), 1u);
}

}  // namespace
}  // namespace bb
