// Tests of the fake driver's test controls: configurable capabilities and fault injection.
#include "volume_drivers/fake/fake_driver.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "backup_service/common/uuid.h"

namespace bb {
namespace {

TEST(FakeDriverTest, FailNextFailsOnceThenWorks) {
  FakeDriver d;
  ASSERT_TRUE(d.CheckForSetupError().ok());
  VolumeRef v{NewUuid(), 1 << 20, "", ""};
  ASSERT_TRUE(d.CreateVolume(v).ok());
  SnapshotRef s{NewUuid(), v.id, v.size_bytes, "", ""};
  d.FailNext("CreateSnapshot", Status::Unavailable("boom"));
  auto first = d.CreateSnapshot(s, v);
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(first.status().message(), "boom");
  EXPECT_TRUE(d.CreateSnapshot(s, v).ok());
  EXPECT_EQ(d.CallCount("CreateSnapshot"), 2);
  EXPECT_EQ(d.CallCount("CreateClonedVolume"), 0);
  EXPECT_TRUE(d.SnapshotLocalPath(s).ok());
}

TEST(FakeDriverTest, FailAlwaysUntilCleared) {
  FakeDriver d;
  SnapshotRef s{NewUuid(), NewUuid(), 1, "", ""};
  d.FailAlways("DeleteSnapshot", Status::Internal("stuck"));
  EXPECT_FALSE(d.DeleteSnapshot(s).ok());
  EXPECT_FALSE(d.DeleteSnapshot(s).ok());
  d.ClearFailures();
  EXPECT_TRUE(d.DeleteSnapshot(s).ok());
}

TEST(FakeDriverTest, ConfigSetsCapabilitiesAndFailures) {
  auto d = FakeDriver::Create({{"can_snapshot", "false"},
                               {"snapshot_readable_locally", "false"},
                               {"no_consistent_copy_reason", "no luck"},
                               {"fail.CreateClonedVolume", "RESOURCE_EXHAUSTED"}});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  DriverCapabilities caps = (*d)->Capabilities();
  EXPECT_FALSE(caps.can_snapshot);
  EXPECT_TRUE(caps.can_clone);
  EXPECT_EQ(caps.no_consistent_copy_reason, "no luck");
  VolumeRef v{NewUuid(), 1 << 20, "", ""};
  ASSERT_TRUE((*d)->CreateVolume(v).ok());
  EXPECT_EQ((*d)->CreateClonedVolume({NewUuid(), v.size_bytes, "", ""}, v).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ((*d)->CreateSnapshot({NewUuid(), v.id, 1, "", ""}, v).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(FakeDriverTest, BadConfigIsInvalidArgument) {
  EXPECT_EQ(FakeDriver::Create({{"can_clone", "maybe"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FakeDriver::Create({{"fail.CreateVolume", "NOPE"}}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(FakeDriverTest, RemovesItsTempDir) {
  std::string dir;
  {
    FakeDriver d;
    dir = d.volumes_dir();
    ASSERT_TRUE(d.CreateVolume({NewUuid(), 4096, "", ""}).ok());
    EXPECT_TRUE(std::filesystem::is_directory(dir));
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace bb
