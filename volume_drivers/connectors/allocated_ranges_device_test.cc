// Unit tests of AllocatedRangesDevice: KnownZero outside the driver's allocated ranges, the
// wrapped device's answer inside them, and reads passed through unchanged.
#include "volume_drivers/connectors/allocated_ranges_device.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include "volume_drivers/testing/temp_dir.h"

namespace bb {
namespace {

class AllocatedRangesDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::Create("bb-allocated-ranges-test-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
    path_ = dir_->path() + "/volume";
    // Dense (no holes): the file's own KnownZero is false everywhere.
    std::ofstream(path_) << std::string(1 << 20, 'd');
  }

  std::unique_ptr<AllocatedRangesDevice> Open(std::vector<ByteRange> allocated) {
    auto dev = FileBlockDevice::Open(path_, AccessMode::kReadOnly);
    EXPECT_TRUE(dev.ok()) << dev.status().ToString();
    return std::make_unique<AllocatedRangesDevice>(std::move(dev).value(), std::move(allocated));
  }

  std::optional<testing::TempDir> dir_;
  std::string path_;
};

TEST_F(AllocatedRangesDeviceTest, KnownZeroOnlyOutsideTheAllocatedRanges) {
  auto dev = Open({{65536, 4096}, {131072, 65536}});
  EXPECT_TRUE(dev->KnownZero(0, 65536));               // before the first range
  EXPECT_FALSE(dev->KnownZero(0, 65537));              // touches its first byte
  EXPECT_FALSE(dev->KnownZero(69631, 1));              // its last byte
  EXPECT_TRUE(dev->KnownZero(69632, 131072 - 69632));  // the gap, exactly
  EXPECT_FALSE(dev->KnownZero(69632, 131072 - 69632 + 1));
  EXPECT_FALSE(dev->KnownZero(0, 1 << 20));                 // spans both
  EXPECT_TRUE(dev->KnownZero(196608, (1 << 20) - 196608));  // after the last
  EXPECT_TRUE(dev->KnownZero(4096, 0));
}

TEST_F(AllocatedRangesDeviceTest, NothingAllocatedIsAllZero) {
  auto dev = Open({});
  EXPECT_TRUE(dev->KnownZero(0, 1 << 20));
}

TEST_F(AllocatedRangesDeviceTest, ReadsAndDescribesTheWrappedDevice) {
  auto dev = Open({{0, 4096}});
  EXPECT_EQ(dev->Size(), 1 << 20);
  EXPECT_EQ(dev->BlockSize(), 1);
  EXPECT_EQ(dev->Describe(), path_);
  // A read outside the ranges still reads the device: the ranges only advise the reader.
  std::string buf(8, '\0');
  ASSERT_TRUE(dev->ReadAt(500000, buf).ok());
  EXPECT_EQ(buf, "dddddddd");
  EXPECT_TRUE(dev->Close().ok());
}

}  // namespace
}  // namespace bb
