#include "backup_service/common/status.h"

#include <gtest/gtest.h>

#include "backup_service/common/result.h"

namespace bb {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Status UseHalf(int x, int* out) {
  ASSIGN_OR_RETURN(int h, Half(x));
  *out = h;
  return Status::Ok();
}

TEST(StatusTest, ToStringNamesCode) {
  EXPECT_EQ(Status::NotFound("volume x").ToString(), "NOT_FOUND: volume x");
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  EXPECT_EQ(Status::Internal("b").WithContext("a").message(), "a: b");
}

TEST(StatusTest, AssignOrReturnPropagates) {
  int out = 0;
  EXPECT_TRUE(UseHalf(4, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = UseHalf(3, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(StatusTest, ErrnoMapsToCodes) {
  EXPECT_EQ(ErrnoStatus("open", ENOENT).code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus("write", ENOSPC).code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace bb
