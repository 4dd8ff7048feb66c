// Tests for VolumeReader: data and offsets, zero detection, hole skipping on sparse files, short
// sources.
#include "backup_service/datapath/volume_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "backup_service/datapath/datapath_test_util.h"

namespace bb {
namespace {

using testing_util::RandomBytes;
using testing_util::TempDir;
using testing_util::WriteFile;

TEST(VolumeReaderTest, IsAllZero) {
  EXPECT_TRUE(IsAllZero(""));
  EXPECT_TRUE(IsAllZero(std::string(1 << 20, '\0')));
  std::string s(1 << 20, '\0');
  s.back() = 1;
  EXPECT_FALSE(IsAllZero(s));
  s.back() = 0;
  s.front() = 1;
  EXPECT_FALSE(IsAllZero(s));
  EXPECT_FALSE(IsAllZero(std::string(100, '\x01')));  // uniform but non-zero
}

TEST(VolumeReaderTest, ReadsRangesAndDetectsZeros) {
  TempDir dir;
  std::string data = RandomBytes(8192, 1) + std::string(4096, '\0') + "tail";
  WriteFile(dir.File("vol"), data);
  auto reader = VolumeReader::Open(dir.File("vol"), data.size());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto c0 = (*reader)->Read({0, 0, 4096});
  ASSERT_TRUE(c0.ok());
  EXPECT_FALSE(c0->zero);
  EXPECT_EQ(c0->data, data.substr(0, 4096));
  auto c1 = (*reader)->Read({1, 4096, 4096});
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->range.offset, 4096);
  EXPECT_EQ(c1->data, data.substr(4096, 4096));
  auto c2 = (*reader)->Read({2, 8192, 4096});
  ASSERT_TRUE(c2.ok());
  EXPECT_TRUE(c2->zero);
  EXPECT_TRUE(c2->data.empty());
  auto c3 = (*reader)->Read({3, 12288, 4});
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(c3->data, "tail");
  EXPECT_EQ((*reader)->bytes_read(), static_cast<int64_t>(data.size()));
  EXPECT_EQ((*reader)->Read({4, 12288, 5}).status().code(), StatusCode::kInvalidArgument);
}

TEST(VolumeReaderTest, SkipsHolesWithoutReading) {
  TempDir dir;
  const std::string path = dir.File("sparse");
  const int64_t size = 64 << 20;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, size), 0);
  std::string block = RandomBytes(4096, 2);
  ASSERT_EQ(::pwrite(fd, block.data(), block.size(), 32 << 20), 4096);
  ::close(fd);
  auto reader = VolumeReader::Open(path, size);
  ASSERT_TRUE(reader.ok());
  int zero = 0;
  for (int64_t i = 0; i < 16; ++i) {
    auto c = (*reader)->Read({i, i * (4 << 20), 4 << 20});
    ASSERT_TRUE(c.ok());
    zero += c->zero ? 1 : 0;
    if (i == 8) {
      EXPECT_EQ(c->data.substr(0, 4096), block);
    }
  }
  EXPECT_EQ(zero, 15);
  // Holes are not read, when the file system reports them (ext4, xfs, tmpfs do): at most the one
  // data chunk is read.
  int probe = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(probe, 0);
  bool reports_holes = ::lseek(probe, 0, SEEK_DATA) > 0;
  ::close(probe);
  if (reports_holes) {
    EXPECT_EQ((*reader)->bytes_read(), 4 << 20);
  } else {
    EXPECT_EQ((*reader)->bytes_read(), size);
  }
}

TEST(VolumeReaderTest, SourceErrors) {
  TempDir dir;
  EXPECT_EQ(VolumeReader::Open(dir.File("missing"), 10).status().code(), StatusCode::kNotFound);
  WriteFile(dir.File("small"), "12345");
  EXPECT_EQ(VolumeReader::Open(dir.File("small"), 10).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace bb
