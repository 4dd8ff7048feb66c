#include "backup_service/model/quotas.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

TEST(QuotasTest, DefaultsAreCinders) {
  QuotaLimits d;
  EXPECT_EQ(d.backups, 10);
  EXPECT_EQ(d.backup_gigabytes, 1000);
}

TEST(QuotasTest, CountLimitIsCheckedFirstWithCindersMessage) {
  QuotaLimits limits{.backups = 2, .backup_gigabytes = 3};
  EXPECT_TRUE(CheckBackupQuota(limits, {.backups = 1, .backup_gigabytes = 1}, 2).ok());
  Status st = CheckBackupQuota(limits, {.backups = 2, .backup_gigabytes = 3}, 5);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message(), "BackupLimitExceeded: Maximum number of backups allowed (2) exceeded");
}

TEST(QuotasTest, GigabytesLimitSaysRequestedQuotaAndConsumed) {
  QuotaLimits limits{.backups = 10, .backup_gigabytes = 8};
  EXPECT_TRUE(CheckBackupQuota(limits, {.backups = 1, .backup_gigabytes = 3}, 5).ok());  // == 8
  Status st = CheckBackupQuota(limits, {.backups = 1, .backup_gigabytes = 6}, 5);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message(),
            "VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup "
            "gigabytes quota. Requested 5G, quota is 8G and 6G has been consumed.");
}

TEST(QuotasTest, MinusOneIsUnlimitedAndZeroAllowsNothing) {
  QuotaLimits unlimited{.backups = -1, .backup_gigabytes = -1};
  EXPECT_TRUE(
      CheckBackupQuota(unlimited, {.backups = 1 << 30, .backup_gigabytes = 1LL << 40}, 9).ok());
  EXPECT_FALSE(CheckBackupQuota({.backups = 0, .backup_gigabytes = -1}, {}, 1).ok());
}

TEST(QuotasTest, LimitBelowUsageIsRefusedWithCindersMessage) {
  EXPECT_TRUE(CheckLimitCoversUsage("backups", 3, 3).ok());
  EXPECT_TRUE(CheckLimitCoversUsage("backups", -1, 30).ok());
  Status st = CheckLimitCoversUsage("backups", 2, 3);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "Quota backups limit must be equal or greater than existing resources. Current usage "
            "is 3 and the requested limit is 2.");
}

TEST(QuotasTest, HintNamesTheQuotaAndHowToRaiseIt) {
  Status count = CheckBackupQuota({.backups = 1}, {.backups = 1}, 1);
  Status hinted = WithQuotaHint(count, "p1");
  EXPECT_EQ(hinted.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(hinted.message().starts_with(count.message())) << hinted.message();
  EXPECT_NE(hinted.message().find("quota `backups` of project p1"), std::string::npos);
  EXPECT_NE(hinted.message().find("cinder quota-update --backups N p1"), std::string::npos);
  Status size = CheckBackupQuota({.backup_gigabytes = 1}, {}, 2);
  EXPECT_NE(WithQuotaHint(size, "p1").message().find("--backup-gigabytes"), std::string::npos);
  // Other errors pass unchanged, ResourceExhausted from elsewhere (a full disk) too.
  Status disk = Status::ResourceExhausted("No space left on device");
  EXPECT_EQ(WithQuotaHint(disk, "p1").message(), disk.message());
  EXPECT_EQ(WithQuotaHint(Status::NotFound("x"), "p1").message(), "x");
}

TEST(QuotasTest, WithoutQuotaHintGivesBackCindersMessage) {
  for (Status plain : {CheckBackupQuota({.backups = 1}, {.backups = 1}, 1),
                       CheckBackupQuota({.backup_gigabytes = 1}, {}, 2)}) {
    Status back = WithoutQuotaHint(WithQuotaHint(plain, "p1"));
    EXPECT_EQ(back.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(back.message(), plain.message());
    EXPECT_EQ(WithoutQuotaHint(plain).message(), plain.message());
  }
  Status disk = Status::ResourceExhausted("No space left on device (quota `x`)");
  EXPECT_EQ(WithoutQuotaHint(disk).message(), disk.message());
  EXPECT_EQ(WithoutQuotaHint(Status::NotFound("x (quota `y`")).message(), "x (quota `y`");
}

}  // namespace
}  // namespace bb
