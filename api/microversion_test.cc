#include "api/microversion.h"

#include <gtest/gtest.h>

namespace bb::api {
namespace {

TEST(MicroversionTest, NoHeaderOrOtherServiceGetsTheMinimum) {
  EXPECT_EQ(*RequestedVersion(""), kMinApiVersion);
  EXPECT_EQ(*RequestedVersion("compute 2.1"), kMinApiVersion);
}

TEST(MicroversionTest, VolumeEntryAmongOthersCaseInsensitive) {
  EXPECT_EQ(*RequestedVersion("volume 3.27"), (ApiVersion{3, 27}));
  EXPECT_EQ(*RequestedVersion("compute 2.1, Volume 3.44"), (ApiVersion{3, 44}));
  EXPECT_EQ(*RequestedVersion("volume latest"), kMaxApiVersion);
}

TEST(MicroversionTest, MalformedIs400WithCindersMessage) {
  for (const char* bad : {"volume 3", "volume 3.x", "volume -3.1", "volume 3.01", "volume .1",
                          "volume 3.1.2", "volume 99999.1"}) {
    auto v = RequestedVersion(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(v.status().message().find("Must be of format MajorNum.MinorNum."), std::string::npos);
  }
}

TEST(MicroversionTest, OutsideTheRangeIsOutOfRangeNamingIt) {
  for (const char* bad : {"volume 2.0", "volume 3.65", "volume 4.0"}) {
    auto v = RequestedVersion(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), StatusCode::kOutOfRange) << bad;
    EXPECT_NE(v.status().message().find("Minimum is 3.0 and maximum is 3.64"), std::string::npos)
        << v.status().message();
  }
}

}  // namespace
}  // namespace bb::api
