// Unit tests of the file driver on the local temp dir (no root). Reflink behaviour is covered by
// the conformance suite on a scratch XFS.
#include "volume_drivers/file/file_driver.h"

#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/uuid.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb {
namespace {

class FileDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::Create("bb-file-driver-test-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
    driver_.emplace(dir_->path());
  }
  std::optional<testing::TempDir> dir_;
  std::optional<FileDriver> driver_;
};

TEST_F(FileDriverTest, WithoutReflinkOnlyDetachedVolumesCanBeRead) {
  struct statfs fs {};
  ASSERT_EQ(statfs(dir_->path().c_str(), &fs), 0);
  if (fs.f_type == XFS_SUPER_MAGIC || fs.f_type == BTRFS_SUPER_MAGIC) {
    GTEST_SKIP() << "the temp dir is on XFS/btrfs, which may support reflink";
  }
  ASSERT_TRUE(driver_->CheckForSetupError().ok());
  DriverCapabilities caps = driver_->Capabilities();
  EXPECT_FALSE(caps.can_snapshot);
  EXPECT_FALSE(caps.can_clone);
  EXPECT_FALSE(caps.snapshot_readable_locally);
  EXPECT_TRUE(caps.volume_readable_locally);
  EXPECT_NE(caps.no_consistent_copy_reason.find(dir_->path()), std::string::npos);
  EXPECT_NE(caps.no_consistent_copy_reason.find("reflink"), std::string::npos);

  VolumeRef v{NewUuid(), 1 << 20, "", ""};
  ASSERT_TRUE(driver_->CreateVolume(v).ok());
  auto snap = driver_->CreateSnapshot({NewUuid(), v.id, v.size_bytes, "", ""}, v);
  EXPECT_EQ(snap.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_->path()), {}), 1);
}

TEST_F(FileDriverTest, SetupErrors) {
  EXPECT_EQ(FileDriver(dir_->path() + "/missing").CheckForSetupError().code(),
            StatusCode::kNotFound);
  std::ofstream(dir_->path() + "/plain") << "x";
  EXPECT_EQ(FileDriver(dir_->path() + "/plain").CheckForSetupError().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(FileDriverTest, SetupRemovesHalfMadeCopies) {
  std::ofstream(dir_->path() + "/.tmp-snapshot-abc-123") << "half";
  ASSERT_TRUE(driver_->CheckForSetupError().ok());
  EXPECT_FALSE(std::filesystem::exists(dir_->path() + "/.tmp-snapshot-abc-123"));
}

TEST_F(FileDriverTest, VolumeIsAFileNamedAfterItsId) {
  ASSERT_TRUE(driver_->CheckForSetupError().ok());
  VolumeRef v{NewUuid(), 1 << 20, "", ""};
  auto loc = driver_->CreateVolume(v);
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_EQ(*loc, dir_->path() + "/volume-" + v.id);
  EXPECT_EQ(driver_->VolumeLocalPath(v).value(), *loc);
  EXPECT_EQ(driver_->CreateVolume(v).status().code(), StatusCode::kAlreadyExists);

  auto info = driver_->InitializeConnection(v, {"host", "", ""});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->driver_volume_type, "local_file");
  EXPECT_EQ(info->data.at("path"), *loc);
  EXPECT_TRUE(driver_->TerminateConnection(v, {"host", "", ""}).ok());

  ASSERT_TRUE(driver_->DeleteVolume(v).ok());
  EXPECT_EQ(driver_->InitializeConnection(v, {"host", "", ""}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(driver_->SnapshotLocalPath({NewUuid(), v.id, 0, "", ""}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(driver_->ExtendVolume(v, 2 << 20).code(), StatusCode::kNotFound);
}

TEST_F(FileDriverTest, IdsMustBeUuids) {
  EXPECT_EQ(driver_->DeleteVolume({"../x", 1, "", ""}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(driver_->DeleteSnapshot({"", "v", 1, "", ""}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(driver_->VolumeLocalPath({"/etc/passwd", 1, "", ""}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(FileDriverConfigTest, RelativeDirBecomesAbsolute) {
  SystemCommandRunner runner;
  auto d = FileDriver::Create({{"volumes_dir", "some/dir"}}, runner);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)->volumes_dir().starts_with("/"));
  EXPECT_EQ(FileDriver::Create({{"volumes_dir", ""}}, runner).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(FileDriverConfigTest, SnapshotsIsTrueOrFalse) {
  SystemCommandRunner runner;
  for (const char* value : {"true", "false"}) {
    EXPECT_TRUE(FileDriver::Create({{"volumes_dir", "/tmp"}, {"snapshots", value}}, runner).ok())
        << value;
  }
  auto bad = FileDriver::Create({{"volumes_dir", "/tmp"}, {"snapshots", "off"}}, runner);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("\"snapshots\" must be true or false, got \"off\""),
            std::string::npos)
      << bad.status().message();
}

TEST(FileDriverConfigTest, TargetHelperIsNoneOrAKnownHelper) {
  SystemCommandRunner runner;
  EXPECT_TRUE(
      FileDriver::Create({{"volumes_dir", "/tmp"}, {"target_helper", "none"}}, runner).ok());
  EXPECT_TRUE(FileDriver::Create({{"volumes_dir", "/tmp"}, {"target_helper", "tgt"}}, runner).ok());
  auto bad = FileDriver::Create({{"volumes_dir", "/tmp"}, {"target_helper", "lio"}}, runner);
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  auto prefix = FileDriver::Create(
      {{"volumes_dir", "/tmp"}, {"target_helper", "tgt"}, {"iscsi_target_prefix", "Bad:"}}, runner);
  EXPECT_EQ(prefix.status().code(), StatusCode::kInvalidArgument);
}

// Without a target helper nothing is exported, and the refusal says how to turn exports on.
TEST_F(FileDriverTest, ExportsNeedATargetHelper) {
  ASSERT_TRUE(driver_->CheckForSetupError().ok());
  EXPECT_FALSE(driver_->Capabilities().volume_attachable);
  EXPECT_FALSE(driver_->Capabilities().snapshot_attachable);
  VolumeRef v{NewUuid(), 1 << 20, "", ""};
  ASSERT_TRUE(driver_->CreateVolume(v).ok());
  auto e = driver_->CreateExport(v, {"h", "iqn.2010-10.org.test:i", "127.0.0.1"});
  EXPECT_EQ(e.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(e.status().message().find("target_helper = tgt"), std::string::npos);
  auto info = driver_->InitializeConnection(v, {"h", "", ""});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->driver_volume_type, "local_file");
}

TEST_F(FileDriverTest, SnapshotsOffWithoutReflinkGivesBothReasons) {
  struct statfs fs {};
  ASSERT_EQ(statfs(dir_->path().c_str(), &fs), 0);
  if (fs.f_type == XFS_SUPER_MAGIC || fs.f_type == BTRFS_SUPER_MAGIC) {
    GTEST_SKIP() << "the temp dir is on XFS/btrfs, which may support reflink";
  }
  FileDriver driver(dir_->path(), /*snapshots_enabled=*/false);
  ASSERT_TRUE(driver.CheckForSetupError().ok());
  DriverCapabilities caps = driver.Capabilities();
  EXPECT_FALSE(caps.can_snapshot);
  EXPECT_FALSE(caps.can_clone);
  EXPECT_NE(caps.no_snapshot_reason.find("configured without snapshots"), std::string::npos);
  EXPECT_NE(caps.no_snapshot_reason.find("without reflink"), std::string::npos)
      << caps.no_snapshot_reason;
}

}  // namespace
}  // namespace bb
