#include "backup_service/common/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace bb {
namespace {

TEST(UuidTest, NewUuidIsCanonicalAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = NewUuid();
    ASSERT_TRUE(IsUuid(u)) << u;
    ASSERT_EQ(u[14], '4');
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(UuidTest, RejectsMalformed) {
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400"));   // short
  EXPECT_FALSE(IsUuid("123e4567xe89b-12d3-a456-426614174000"));  // bad separator
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400g"));  // bad hex
  EXPECT_TRUE(IsUuid("123E4567-E89B-12D3-A456-426614174000"));
}

}  // namespace
}  // namespace bb
