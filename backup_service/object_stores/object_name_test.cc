// Tests for the shared container/object name rules.
#include "backup_service/object_stores/object_name.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bb {
namespace {

TEST(ObjectNameTest, AcceptsNormalNames) {
  EXPECT_TRUE(ValidateContainerName("proj").ok());
  EXPECT_TRUE(ValidateContainerName("proj/backups").ok());
  EXPECT_TRUE(ValidateObjectName("chunks/ab/abcdef").ok());
  EXPECT_TRUE(ValidateObjectName("manifests/x.json").ok());
  EXPECT_TRUE(ValidateObjectName("a..b").ok());
}

TEST(ObjectNameTest, RejectsBadNames) {
  for (const std::string& bad :
       std::vector<std::string>{"", "/abs", "a//b", "a/", "..", "a/../b", "./a", "a/.", ".bbtmp-x",
                                "a/.bbtmp-1", std::string("a\0b", 3)}) {
    EXPECT_EQ(ValidateObjectName(bad).code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ValidateContainerName(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ValidateContainerName("a/b/c").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateObjectName(std::string(2000, 'x')).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace bb
