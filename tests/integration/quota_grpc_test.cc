// Backup quotas over gRPC against a real backupd and PostgreSQL: N parallel CreateBackup calls
// against a quota of K (config quota_backups) leave exactly K backups; the others fail with
// RESOURCE_EXHAUSTED saying which quota and how to raise it; a delete gives the quota back.
#include <atomic>
#include <latch>
#include <mutex>

#include "tests/integration/backupd_grpc_fixture.h"

namespace bb::it {
namespace {

class QuotaGrpcTest : public BackupdGrpcTest {};

TEST_F(QuotaGrpcTest, ParallelCreatesLeaveExactlyTheQuota) {
  constexpr int kQuota = 3;
  constexpr int kCalls = 8;
  StopDaemon();
  BackupdOptions options;
  options.extra_config = {"quota_backups = " + std::to_string(kQuota)};
  StartDaemon(options);
  if (HasFatalFailure()) return;
  // One volume per call: a volume takes one backup at a time (backing-up), which would refuse
  // the others before the quota is even looked at.
  std::vector<std::string> volumes;
  for (int i = 0; i < kCalls; ++i) volumes.push_back(CreateVolume(1, "q" + std::to_string(i)).id());

  std::latch start(kCalls);
  std::mutex mu;
  std::vector<std::string> created;
  std::vector<grpc::Status> refused;
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      v1::CreateBackupRequest request;
      request.set_volume_id(volumes[i]);
      v1::Backup backup;
      auto ctx = Ctx();
      start.arrive_and_wait();  // all calls leave together
      grpc::Status s = backups_->CreateBackup(ctx.get(), request, &backup);
      std::lock_guard<std::mutex> lock(mu);
      if (s.ok()) {
        created.push_back(backup.id());
      } else {
        refused.push_back(s);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(created.size(), static_cast<size_t>(kQuota));
  ASSERT_EQ(refused.size(), static_cast<size_t>(kCalls - kQuota));
  for (const auto& s : refused) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
    EXPECT_NE(s.error_message().find("Maximum number of backups allowed (3) exceeded"),
              std::string::npos)
        << s.error_message();
    EXPECT_NE(s.error_message().find("quota `backups` of project " + project_), std::string::npos)
        << s.error_message();
    EXPECT_NE(s.error_message().find("quota-update --backups N"), std::string::npos)
        << s.error_message();
  }
  for (const auto& id : created) EXPECT_EQ(WaitWhile(id, "creating").status(), "available");
  v1::ListBackupsRequest list;
  v1::ListBackupsResponse listed;
  ASSERT_TRUE(backups_->ListBackups(Ctx().get(), list, &listed).ok());
  EXPECT_EQ(listed.backups_size(), kQuota);

  // A delete gives the quota back once the backup is gone.
  v1::DeleteBackupRequest del;
  del.set_backup_id(created[0]);
  v1::Backup deleting;
  ASSERT_TRUE(backups_->DeleteBackup(Ctx().get(), del, &deleting).ok());
  bool gone = false;
  WaitWhile(created[0], "deleting", &gone);
  EXPECT_TRUE(gone);
  v1::Backup again = BackupAndWait(volumes[kCalls - 1]);
  EXPECT_EQ(again.status(), "available");
}

TEST_F(QuotaGrpcTest, GigabytesQuotaCountsTheSourceVolumeSize) {
  StopDaemon();
  BackupdOptions options;
  options.extra_config = {"quota_backup_gigabytes = 3"};
  StartDaemon(options);
  if (HasFatalFailure()) return;
  v1::Volume two = CreateVolume(2, "two");
  BackupAndWait(two.id());
  v1::CreateBackupRequest request;
  request.set_volume_id(two.id());
  v1::Backup backup;
  grpc::Status s = backups_->CreateBackup(Ctx().get(), request, &backup);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("Requested backup exceeds allowed Backup gigabytes quota. "
                                   "Requested 2G, quota is 3G and 2G has been consumed."),
            std::string::npos)
      << s.error_message();
  EXPECT_NE(s.error_message().find("--backup-gigabytes"), std::string::npos);
  // Nothing changed: the volume is available again and one backup exists.
  EXPECT_EQ(GetVolume(two.id()).status(), "available");
  v1::Volume one = CreateVolume(1, "one");
  EXPECT_EQ(BackupAndWait(one.id()).status(), "available");  // 2 + 1 = 3 fits exactly
}

}  // namespace
}  // namespace bb::it
