#include "api/quota_body.h"

#include <gtest/gtest.h>

namespace bb::api {
namespace {

TEST(QuotaBodyTest, ReadsBackupKeysAndIgnoresTenantId) {
  auto u = ParseQuotaSetBody(
      R"({"quota_set": {"tenant_id": "p1", "backups": 5, "backup_gigabytes": "-1"}})");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->backups, 5);
  EXPECT_EQ(u->backup_gigabytes, -1);
  auto only = ParseQuotaSetBody(R"({"quota_set": {"backups": " 7 "}})");
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(only->backups, 7);
  EXPECT_FALSE(only->backup_gigabytes.has_value());
}

TEST(QuotaBodyTest, OtherQuotaKeysAreBadKeys) {
  auto u = ParseQuotaSetBody(R"({"quota_set": {"volumes": 5, "gigabytes": 1, "backups": 1}})");
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("Bad key(s) in quota set: gigabytes, volumes"),
            std::string::npos)
      << u.status().message();
}

TEST(QuotaBodyTest, ValuesMustBeIntegersInCindersRange) {
  for (const char* bad : {"true", "1.5", "null", "\"x\"", "\"\"", "\"-\"", "{}", "[1]"}) {
    auto u = ParseQuotaSetBody(std::string(R"({"quota_set": {"backups": )") + bad + "}}");
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().message(), "backups must be an integer") << bad;
  }
  EXPECT_EQ(ParseQuotaSetBody(R"({"quota_set": {"backups": -2}})").status().message(),
            "backups must be >= -1");
  EXPECT_EQ(ParseQuotaSetBody(R"({"quota_set": {"backups": 2147483648}})").status().message(),
            "backups must be <= 2147483647");
  EXPECT_EQ(ParseQuotaSetBody(R"({"quota_set": {"backups": "99999999999999999999999"}})")
                .status()
                .message(),
            "backups must be <= 2147483647");
  EXPECT_EQ(
      ParseQuotaSetBody(R"({"quota_set": {"backups": 18446744073709551615}})").status().message(),
      "backups must be <= 2147483647");
  EXPECT_TRUE(ParseQuotaSetBody(R"({"quota_set": {"backups": 2147483647}})").ok());
}

TEST(QuotaBodyTest, ShapeErrors) {
  for (const char* bad : {"", "[]", "{", R"({"quota_set": {}})", R"({"quota_set": 1})", R"({})",
                          R"({"quota_set": {"backups": 1}, "x": 1})"}) {
    auto u = ParseQuotaSetBody(bad);
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace bb::api
