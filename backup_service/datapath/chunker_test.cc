// Tests for FixedSizeChunker.
#include "backup_service/datapath/chunker.h"

#include <gtest/gtest.h>

#include <vector>

namespace bb {
namespace {

std::vector<ChunkRange> All(int64_t size, int64_t chunk) {
  FixedSizeChunker c(size, chunk);
  std::vector<ChunkRange> out;
  while (auto r = c.Next()) out.push_back(*r);
  return out;
}

TEST(ChunkerTest, ExactMultiple) {
  auto r = All(12, 4);
  ASSERT_EQ(r.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r[i].index, i);
    EXPECT_EQ(r[i].offset, 4 * i);
    EXPECT_EQ(r[i].length, 4);
  }
}

TEST(ChunkerTest, ShortLastChunk) {
  auto r = All(10, 4);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[2].offset, 8);
  EXPECT_EQ(r[2].length, 2);
}

TEST(ChunkerTest, EmptyAndSmallVolumes) {
  EXPECT_TRUE(All(0, 4).empty());
  auto r = All(3, 4 << 20);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].length, 3);
}

TEST(ChunkerTest, TilesLargeVolume) {
  const int64_t size = (int64_t{5} << 30) + 12345;  // > 4 GiB: no 32-bit overflow
  FixedSizeChunker c(size, 4 << 20);
  int64_t expected = 0, count = 0;
  while (auto r = c.Next()) {
    ASSERT_EQ(r->offset, expected);
    ASSERT_EQ(r->index, count);
    expected += r->length;
    ++count;
  }
  EXPECT_EQ(expected, size);
  EXPECT_EQ(count, 1281);
}

}  // namespace
}  // namespace bb
