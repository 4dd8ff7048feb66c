// DiffExtents on synthetic maps (the real file system is exercised by the conformance suite's
// changed-extent case on a loop-mounted XFS).
#include "volume_drivers/file/fiemap_diff.h"

#include <gtest/gtest.h>
#include <linux/fiemap.h>

namespace bb::fiemap {
namespace {

constexpr int64_t K = 4096;

TEST(FiemapDiffTest, SharedBlocksAreUnchangedAndRemappedOnesChanged) {
  // base: [0, 64K) at P=1M. next: the same, except [16K, 20K) copied-on-write to 9M.
  std::vector<Extent> base = {{0, 256 * K, 16 * K, FIEMAP_EXTENT_SHARED}};
  std::vector<Extent> next = {{0, 256 * K, 4 * K, FIEMAP_EXTENT_SHARED},
                              {4 * K, 2304 * K, K, 0},
                              {5 * K, 261 * K, 11 * K, FIEMAP_EXTENT_SHARED | FIEMAP_EXTENT_LAST}};
  std::vector<ByteRange> want = {{4 * K, K}};
  EXPECT_EQ(DiffExtents(base, 16 * K, next, 16 * K), want);
}

TEST(FiemapDiffTest, DifferentSplitsOfTheSameBlocksAreUnchanged) {
  std::vector<Extent> base = {{0, 100 * K, 8 * K, 0}};
  std::vector<Extent> next = {{0, 100 * K, 3 * K, 0}, {3 * K, 103 * K, 5 * K, 0}};
  EXPECT_TRUE(DiffExtents(base, 8 * K, next, 8 * K).empty());
}

TEST(FiemapDiffTest, HolesDataAndUnreliableExtents) {
  // base: hole [0,4K), data [4K,8K), hole [8K,16K). next: data [0,4K) (new), hole [4K,8K)
  // (punched), delalloc [12K,16K).
  std::vector<Extent> base = {{4 * K, 50 * K, 4 * K, 0}};
  std::vector<Extent> next = {{0, 70 * K, 4 * K, 0}, {12 * K, 0, 4 * K, FIEMAP_EXTENT_DELALLOC}};
  std::vector<ByteRange> want = {{0, 8 * K}, {12 * K, 4 * K}};
  EXPECT_EQ(DiffExtents(base, 16 * K, next, 16 * K), want);
}

TEST(FiemapDiffTest, UnwrittenFlagDifferenceAndGrowthCountAsChanged) {
  std::vector<Extent> base = {{0, 10 * K, 4 * K, FIEMAP_EXTENT_UNWRITTEN}};
  std::vector<Extent> next = {{0, 10 * K, 4 * K, 0}};
  // Same blocks, but unwritten (zeros) before and written now; and the file grew by 4K.
  std::vector<ByteRange> want = {{0, 8 * K}};
  EXPECT_EQ(DiffExtents(base, 4 * K, next, 8 * K), want);
}

}  // namespace
}  // namespace bb::fiemap
