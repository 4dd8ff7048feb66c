#include "backup_service/common/validation.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

TEST(ValidationTest, Uuids) {
  EXPECT_TRUE(ValidateUuid("volume_id", "123e4567-e89b-12d3-a456-426614174000").ok());
  Status s = ValidateUuid("volume_id", "nope");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("volume_id 'nope' is not a UUID"), std::string::npos);
  EXPECT_EQ(ValidateUuid("volume_id", "").message(), "volume_id is required");
  EXPECT_TRUE(ValidateOptionalUuid("snapshot_id", "").ok());
}

TEST(ValidationTest, Text) {
  EXPECT_TRUE(ValidateText("name", "my volume", 255).ok());
  EXPECT_TRUE(ValidateText("name", "caf\xc3\xa9", 255).ok());
  EXPECT_EQ(ValidateText("name", std::string(256, 'a'), 255).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateText("name", "\xff\xfe", 255).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateText("name", "a\nb", 255).code(), StatusCode::kInvalidArgument);
}

TEST(ValidationTest, Containers) {
  EXPECT_TRUE(ValidateBackupContainerName("backups-2026.a_b").ok());
  EXPECT_FALSE(ValidateBackupContainerName("..").ok());
  EXPECT_FALSE(ValidateBackupContainerName(".bbtmp-archive").ok());  // the stores' temp prefix
  EXPECT_FALSE(ValidateBackupContainerName("-x").ok());
  EXPECT_FALSE(ValidateBackupContainerName("a/b").ok());
  EXPECT_FALSE(ValidateBackupContainerName("").ok());
}

}  // namespace
}  // namespace bb
