// Unit tests of FileBlockDevice (the BlockDevice of every connector whose device is a path) on
// regular files; the same contract through libiscsi is checked in tgt_libiscsi_live_test.cc.
#include "volume_drivers/connectors/block_device.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <optional>

#include "volume_drivers/testing/temp_dir.h"

namespace bb {
namespace {

class FileBlockDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::Create("bb-block-device-test-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
    path_ = dir_->path() + "/volume";
    std::ofstream(path_) << std::string(4096, 'a') << std::string(4096, 'b');
  }
  std::optional<testing::TempDir> dir_;
  std::string path_;
};

TEST_F(FileBlockDeviceTest, ReadWriteFlushClose) {
  auto dev = FileBlockDevice::Open(path_, AccessMode::kReadWrite);
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  EXPECT_EQ((*dev)->Size(), 8192);
  EXPECT_EQ((*dev)->BlockSize(), 1);
  EXPECT_EQ((*dev)->Describe(), path_);
  std::string buf(10, '\0');
  ASSERT_TRUE((*dev)->ReadAt(4090, buf).ok());
  EXPECT_EQ(buf, "aaaaaabbbb");
  ASSERT_TRUE((*dev)->WriteAt(4094, std::string_view("XY")).ok());
  ASSERT_TRUE((*dev)->Flush().ok());
  ASSERT_TRUE((*dev)->ReadAt(4090, buf).ok());
  EXPECT_EQ(buf, "aaaaXYbbbb");
  ASSERT_TRUE((*dev)->Close().ok());
  EXPECT_TRUE((*dev)->Close().ok());  // idempotent
  EXPECT_EQ((*dev)->ReadAt(0, buf).code(), StatusCode::kFailedPrecondition);
}

TEST_F(FileBlockDeviceTest, RangesAndModes) {
  auto dev = FileBlockDevice::Open(path_, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok());
  std::string buf(16, '\0');
  EXPECT_EQ((*dev)->ReadAt(8190, buf).code(), StatusCode::kOutOfRange);
  EXPECT_EQ((*dev)->ReadAt(-1, buf).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*dev)->WriteAt(0, std::string_view("x")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(FileBlockDevice::Open(path_ + ".missing", AccessMode::kReadOnly).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(FileBlockDevice::Open(dir_->path(), AccessMode::kReadOnly).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(FileBlockDeviceTest, HolesAreKnownZero) {
  std::string sparse = dir_->path() + "/sparse";
  int fd = ::open(sparse.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 64 << 20), 0);
  ASSERT_EQ(::pwrite(fd, "x", 1, 32 << 20), 1);
  ::close(fd);
  auto dev = FileBlockDevice::Open(sparse, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok());
  // File systems without SEEK_DATA report data everywhere: then nothing is known to be zero.
  bool fs_reports_holes = (*dev)->KnownZero(0, 1 << 20);
  if (fs_reports_holes) {
    EXPECT_FALSE((*dev)->KnownZero(32 << 20, 4096));
    EXPECT_FALSE((*dev)->KnownZero(0, 64 << 20));
    EXPECT_TRUE((*dev)->KnownZero(48 << 20, 16 << 20));
  }
  EXPECT_FALSE((*dev)->KnownZero(32 << 20, 1));
}

}  // namespace
}  // namespace bb
