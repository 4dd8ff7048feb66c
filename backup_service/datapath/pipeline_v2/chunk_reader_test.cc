// ChunkReader on real files: spans, zero chunks, holes skipped without reading.
#include "backup_service/datapath/pipeline_v2/chunk_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "backup_service/datapath/datapath_test_util.h"

namespace bb::v2 {
namespace {

using testing_util::RandomBytes;
using testing_util::TempDir;

TEST(ChunkerTest, FixedAlignedGrid) {
  EXPECT_EQ(ChunkCount(0, 32768), 0);
  EXPECT_EQ(ChunkCount(32768, 32768), 1);
  EXPECT_EQ(ChunkCount(32769, 32768), 2);
  EXPECT_EQ(ChunkLength(32769, 32768, 0), 32768);
  EXPECT_EQ(ChunkLength(32769, 32768, 1), 1);
}

TEST(ZeroDetectionTest, FindsAnyNonZeroByte) {
  std::string z(32768, '\0');
  EXPECT_TRUE(IsAllZero(z));
  EXPECT_TRUE(IsAllZero(""));
  for (size_t pos : {size_t{0}, size_t{1}, size_t{16383}, size_t{32767}}) {
    std::string s = z;
    s[pos] = 1;
    EXPECT_FALSE(IsAllZero(s)) << pos;
  }
}

// Reads everything back through the reader and checks it against the file's bytes.
std::string Reassemble(ChunkReader& r, int64_t chunk, std::vector<ChunkBatch>* batches) {
  std::string out;
  for (;;) {
    auto next = r.Next();
    EXPECT_TRUE(next.ok()) << next.status().message();
    if (!next.ok() || !next->has_value()) break;
    ChunkBatch& b = **next;
    EXPECT_EQ(b.offset, static_cast<int64_t>(out.size()));
    for (size_t i = 0; i < b.chunk_count(); ++i) {
      const int64_t len = std::min<int64_t>(chunk, b.length - static_cast<int64_t>(i) * chunk);
      if (b.zero[i]) {
        if (!b.hole) {
          EXPECT_TRUE(IsAllZero(b.Chunk(chunk, i)));
        }
        out.append(static_cast<size_t>(len), '\0');
      } else {
        EXPECT_FALSE(b.hole);
        out.append(b.Chunk(chunk, i));
      }
    }
    batches->push_back(std::move(b));
  }
  return out;
}

TEST(ChunkReaderTest, SpansChunksAndZeroFlags) {
  TempDir dir;
  // 3.5 chunks of 4 KiB: random, zero, random, half a chunk of random.
  std::string data =
      RandomBytes(4096, 1) + std::string(4096, '\0') + RandomBytes(4096, 2) + RandomBytes(2048, 3);
  testing_util::WriteFile(dir.File("v"), data);
  auto dev = FileBlockDevice::Open(dir.File("v"), AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok());
  auto r = ChunkReader::Create(**dev, 4096, 8192, 4);
  ASSERT_TRUE(r.ok());
  std::vector<ChunkBatch> batches;
  EXPECT_EQ(Reassemble(**r, 4096, &batches), data);
  ASSERT_EQ(batches.size(), 2u);  // 8 KiB spans
  EXPECT_EQ(batches[0].zero, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(batches[1].zero, (std::vector<uint8_t>{0, 0}));
  EXPECT_EQ(batches[1].length, 6144);
  EXPECT_EQ((*r)->bytes_read(), static_cast<int64_t>(data.size()));
}

TEST(ChunkReaderTest, SkipsHolesWithoutReading) {
  TempDir dir;
  const std::string path = dir.File("sparse");
  const int64_t size = 64 << 20, data_at = 40 << 20;
  const std::string data = RandomBytes(1 << 20, 4);
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, size), 0);
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), data_at), static_cast<ssize_t>(data.size()));
  ::close(fd);
  auto dev = FileBlockDevice::Open(path, AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok());
  auto r = ChunkReader::Create(**dev, 32768, 1 << 20, 1024);
  ASSERT_TRUE(r.ok());
  std::vector<ChunkBatch> batches;
  std::string back = Reassemble(**r, 32768, &batches);
  ASSERT_EQ(back.size(), static_cast<size_t>(size));
  EXPECT_EQ(back.substr(data_at, data.size()), data);
  EXPECT_TRUE(IsAllZero(std::string_view(back).substr(0, data_at)));
  // Only the span holding data was read; the first 32 MiB segment was skipped in one batch.
  EXPECT_EQ((*r)->bytes_read(), 1 << 20);
  EXPECT_TRUE(batches[0].hole);
  EXPECT_EQ(batches[0].length, 32 << 20);
  EXPECT_EQ(batches[0].memory_bytes(), 0);
}

TEST(ChunkReaderTest, RefusesMisalignedSizes) {
  TempDir dir;
  testing_util::WriteFile(dir.File("v"), "x");
  auto dev = FileBlockDevice::Open(dir.File("v"), AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(ChunkReader::Create(**dev, 4096, 6000, 4).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ChunkReader::Create(**dev, 0, 4096, 4).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace bb::v2
