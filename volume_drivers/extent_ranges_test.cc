#include "volume_drivers/extent_ranges.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

TEST(ExtentRangesTest, NormalizeSortsMergesAndClips) {
  std::vector<ByteRange> in = {{100, 10}, {0, 5}, {5, 5}, {105, 20}, {200, 0}, {990, 50}};
  std::vector<ByteRange> want = {{0, 10}, {100, 25}, {990, 10}};
  EXPECT_EQ(NormalizeRanges(in, 1000), want);
}

TEST(ExtentRangesTest, AlignWidensToTheGridAndMergesNeighbours) {
  const int64_t k = 32 << 10;
  // A 4 KiB write inside chunk 3, one straddling chunks 5 and 6, one in chunk 7 (adjacent).
  std::vector<ByteRange> in = {{3 * k + 4096, 4096}, {6 * k - 512, 1024}, {7 * k + 1, 1}};
  std::vector<ByteRange> want = {{3 * k, k}, {5 * k, 3 * k}};
  EXPECT_EQ(AlignRanges(in, k, 100 * k), want);
  // The last chunk of a volume that is not a multiple of the grid is clipped to the size.
  std::vector<ByteRange> tail = {{10 * k + 5, 1}};
  std::vector<ByteRange> clipped = {{10 * k, 100}};
  EXPECT_EQ(AlignRanges(tail, k, 10 * k + 100), clipped);
}

TEST(ExtentRangesTest, CoarsenBoundsTheCountAndStillCoversEveryByte) {
  std::vector<ByteRange> in;
  for (int64_t i = 0; i < 1000; ++i) in.push_back({i * 100000 + 7, 3});
  const int64_t size = 1000 * 100000;
  auto out = CoarsenRanges(in, 4096, size, 50);
  EXPECT_LE(out.size(), 50u);
  for (const ByteRange& r : in) {
    bool covered = false;
    for (const ByteRange& o : out) {
      covered = covered || (o.offset <= r.offset && r.offset + r.length <= o.offset + o.length);
    }
    EXPECT_TRUE(covered) << r.offset;
  }
  EXPECT_LE(TotalBytes(out), size);
  EXPECT_EQ(TotalBytes(CoarsenRanges(in, 4096, size, 5000)), 1000 * 4096);
}

}  // namespace
}  // namespace bb
