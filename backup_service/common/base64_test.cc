#include "backup_service/common/base64.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

TEST(Base64Test, RoundTripsEveryPaddingLength) {
  // RFC 4648 test vectors: no padding, one '=', two '='.
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  for (std::string s : {"f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto d = Base64Decode("x", Base64Encode(s));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(*d, s);
  }
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  auto d = Base64Decode("x", Base64Encode(binary));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, binary);
}

TEST(Base64Test, RefusesTruncatedAndNonBase64Input) {
  auto truncated = Base64Decode("backup_url", "Zm9vYmF");
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(truncated.status().message().find("backup_url"), std::string::npos);
  EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos);

  for (const char* bad : {"Zm9v YmFy", "Zm9v\nYmFy", "Zm9v*mFy", "Zm=vYmFy", "Z===", "===="}) {
    auto r = Base64Decode("x", bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  EXPECT_FALSE(Base64Decode("x", "").ok());
}

}  // namespace
}  // namespace bb
