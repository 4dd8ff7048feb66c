// Tests for failpoints: parsing, error and delay actions, @N, hit recording. (kill is exercised
// by the crash tests, which run the real daemon.)
#include "backup_service/common/failpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace bb {
namespace {

const std::vector<std::string> kKnown = {"before_a", "after_a", "mid_b"};

class FailpointTest : public ::testing::Test {
 protected:
  void TearDown() override {
    failpoint::Reset();
    (void)failpoint::RecordHitsTo("");
  }
};

TEST_F(FailpointTest, OffByDefault) {
  EXPECT_TRUE(failpoint::Hit("before_a").ok());
  EXPECT_TRUE(failpoint::Hit("not_even_listed").ok());
}

TEST_F(FailpointTest, ErrorActionFailsOnlyThatPoint) {
  ASSERT_TRUE(failpoint::Configure("after_a=error", kKnown).ok());
  Status st = failpoint::Hit("after_a");
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_EQ(st.message(), "failpoint after_a");
  EXPECT_TRUE(failpoint::Hit("before_a").ok());
}

TEST_F(FailpointTest, NthHitOnly) {
  ASSERT_TRUE(failpoint::Configure("mid_b=error@3", kKnown).ok());
  EXPECT_TRUE(failpoint::Hit("mid_b").ok());
  EXPECT_TRUE(failpoint::Hit("mid_b").ok());
  EXPECT_FALSE(failpoint::Hit("mid_b").ok());
  EXPECT_TRUE(failpoint::Hit("mid_b").ok());
}

TEST_F(FailpointTest, DelayActionSleepsAndSucceeds) {
  ASSERT_TRUE(failpoint::Configure("before_a=delay:30", kKnown).ok());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(failpoint::Hit("before_a").ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(30));
}

TEST_F(FailpointTest, BadSpecsAreRefusedAndInstallNothing) {
  ASSERT_TRUE(failpoint::Configure("before_a=error", kKnown).ok());
  for (const char* bad : {"nope=error", "before_a", "before_a=explode", "before_a=error@0",
                          "before_a=delay:", "before_a=delay:x", "after_a=kill@-1"}) {
    Status st = failpoint::Configure(bad, kKnown);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
  }
  // The earlier configuration is still in place.
  EXPECT_FALSE(failpoint::Hit("before_a").ok());
}

TEST_F(FailpointTest, HitsAreRecorded) {
  char path[] = "/tmp/bb-failpoint-hits-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_TRUE(failpoint::RecordHitsTo(path).ok());
  (void)failpoint::Hit("before_a");
  (void)failpoint::Hit("mid_b");
  ASSERT_TRUE(failpoint::RecordHitsTo("").ok());
  (void)failpoint::Hit("after_a");  // not recorded any more
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  EXPECT_EQ(text.str(), "before_a\nmid_b\n");
  unlink(path);
}

}  // namespace
}  // namespace bb
