// The file driver configured with snapshots = false on a reflink XFS (needs root: a loop mount):
// the shape of a backend that can clone but not snapshot. It must say so in its capabilities,
// refuse snapshots without leaving anything behind, and still make O(1) point-in-time clones,
// which is what makes the manager's temporary-clone backup path consistent. The conformance suite
// runs on the same configuration (file_driver_conformance_test.cc, OnXfsWithoutSnapshots).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "backup_service/common/uuid.h"
#include "volume_drivers/file/file_driver.h"
#include "volume_drivers/testing/file_io.h"
#include "volume_drivers/testing/scratch_xfs.h"

namespace bb {
namespace {

constexpr int64_t kMiB = 1 << 20;

class FileDriverNoSnapshotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: loop-mounted XFS for reflink";
    auto xfs = testing::ScratchXfs::Create(runner_);
    ASSERT_TRUE(xfs.ok()) << xfs.status().ToString();
    xfs_ = std::move(xfs).value();
    // Through the registry, as backupd builds it from file_driver_snapshots = false.
    auto driver = CreateVolumeDriver(
        "file", {{"volumes_dir", xfs_->path()}, {"snapshots", "false"}}, runner_);
    ASSERT_TRUE(driver.ok()) << driver.status().ToString();
    driver_ = std::move(driver).value();
    ASSERT_TRUE(driver_->CheckForSetupError().ok());
  }
  void TearDown() override {
    driver_.reset();
    if (xfs_) {
      EXPECT_TRUE(xfs_->Unmount().ok());
    }
  }

  size_t FilesInVolumesDir() {
    return std::distance(std::filesystem::directory_iterator(xfs_->path()), {});
  }
  int64_t FreeBytes() {
    struct statvfs fs {};
    EXPECT_EQ(statvfs(xfs_->path().c_str(), &fs), 0);
    return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
  }

  SystemCommandRunner runner_;
  std::unique_ptr<testing::ScratchXfs> xfs_;
  std::unique_ptr<VolumeDriver> driver_;
};

TEST_F(FileDriverNoSnapshotsTest, DeclaresClonesButNoSnapshotsAndSaysWhy) {
  DriverCapabilities caps = driver_->Capabilities();
  EXPECT_FALSE(caps.can_snapshot);
  EXPECT_FALSE(caps.snapshot_readable_locally);
  EXPECT_TRUE(caps.can_clone);
  EXPECT_TRUE(caps.clone_is_cheap);
  EXPECT_TRUE(caps.volume_readable_locally);
  EXPECT_NE(caps.no_snapshot_reason.find("configured without snapshots"), std::string::npos)
      << caps.no_snapshot_reason;
  EXPECT_NE(caps.no_snapshot_reason.find("file_driver_snapshots = false"), std::string::npos);
  // Clones are consistent copies: nothing is missing for a consistent copy.
  EXPECT_EQ(caps.no_consistent_copy_reason, "");
}

TEST_F(FileDriverNoSnapshotsTest, CreateSnapshotIsRefusedAndLeavesNothing) {
  VolumeRef v{NewUuid(), 4 * kMiB, "", ""};
  ASSERT_TRUE(driver_->CreateVolume(v).ok());
  SnapshotRef snap{NewUuid(), v.id, v.size_bytes, "", ""};
  auto made = driver_->CreateSnapshot(snap, v);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(made.status().message().find("configured without snapshots"), std::string::npos)
      << made.status().message();
  EXPECT_EQ(FilesInVolumesDir(), 1u) << "a refused snapshot left a file";
  EXPECT_EQ(driver_->SnapshotLocalPath(snap).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(driver_->DeleteSnapshot(snap).ok());  // cleanup stays idempotent
}

TEST_F(FileDriverNoSnapshotsTest, CloneIsAReflinkPointInTimeCopy) {
  VolumeRef src{NewUuid(), 256 * kMiB, "", ""};
  ASSERT_TRUE(driver_->CreateVolume(src).ok());
  std::string src_path = driver_->VolumeLocalPath(src).value();
  ASSERT_TRUE(testing::WriteAt(src_path, 0, std::string(64 * kMiB, 'A')).ok());
  // Allocated on disk before measuring, so the measurement sees the clone only.
  int fd = open(src_path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fsync(fd), 0);
  close(fd);
  int64_t free_before = FreeBytes();

  VolumeRef clone{NewUuid(), src.size_bytes, "", ""};
  auto loc = driver_->CreateClonedVolume(clone, src);
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  // Shared extents: 64 MiB of data cloned costs metadata only, not another 64 MiB.
  EXPECT_LT(free_before - FreeBytes(), 8 * kMiB) << "the clone copied the data (no reflink)";

  ASSERT_TRUE(testing::WriteAt(src_path, 0, std::string(4096, 'B')).ok());
  std::string clone_path = driver_->VolumeLocalPath(clone).value();
  EXPECT_EQ(testing::ReadAt(clone_path, 0, 4096).value(), std::string(4096, 'A'));
  EXPECT_EQ(testing::ReadAt(clone_path, 64 * kMiB - 4096, 4096).value(), std::string(4096, 'A'));
  EXPECT_EQ(testing::SizeOf(clone_path).value(), 256 * kMiB);
  EXPECT_TRUE(driver_->DeleteVolume(clone).ok());
  EXPECT_TRUE(driver_->DeleteVolume(src).ok());
  EXPECT_EQ(FilesInVolumesDir(), 0u);
}

}  // namespace
}  // namespace bb
