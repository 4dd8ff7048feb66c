// PlanChangedReads (which spans a changed-extent incremental reads) and ReadAhead (what it
// announces to the device ahead of the reader).
#include "backup_service/datapath/pipeline_v2/changed_reads.h"

#include <gtest/gtest.h>

#include <utility>

namespace bb::v2 {
namespace {

using Spans = std::vector<std::pair<int64_t, int64_t>>;

Spans Pairs(const std::vector<ChunkSpan>& spans) {
  Spans out;
  for (const ChunkSpan& s : spans) out.emplace_back(s.first, s.end);
  return out;
}

Spans Plan(const std::vector<ChunkSpan>& changed, int64_t count, int64_t per_segment = 1024,
           int64_t max_read = 32, int64_t max_gap = 2) {
  return Pairs(PlanChangedReads(changed, count, {per_segment, max_read, max_gap}));
}

TEST(PlanChangedReadsTest, JoinsSpansAcrossSmallGapsOnly) {
  // Gaps of 0 (cannot happen after merging, but harmless), 2 and 3 chunks.
  EXPECT_EQ(Plan({{0, 1}, {3, 4}, {7, 8}}, 100), (Spans{{0, 4}, {7, 8}}));
  EXPECT_EQ(Plan({{10, 12}, {14, 15}, {17, 18}}, 100), (Spans{{10, 18}}));
  // No gap allowed: every changed span is its own read.
  EXPECT_EQ(Plan({{0, 1}, {2, 3}}, 100, 1024, 32, 0), (Spans{{0, 1}, {2, 3}}));
  EXPECT_TRUE(Plan({}, 100).empty());
}

TEST(PlanChangedReadsTest, ReadsStayWithinTheMaximumLength) {
  // One long changed span is cut into reads of 32 chunks.
  EXPECT_EQ(Plan({{0, 70}}, 100), (Spans{{0, 32}, {32, 64}, {64, 70}}));
  // A join stops at the maximum; the rest of the span starts the next read.
  EXPECT_EQ(Plan({{0, 30}, {31, 40}}, 100), (Spans{{0, 32}, {32, 40}}));
  // A read already full is not joined, even across a gap of one.
  EXPECT_EQ(Plan({{0, 32}, {33, 34}}, 100), (Spans{{0, 32}, {33, 34}}));
}

TEST(PlanChangedReadsTest, ReadsNeverCrossASegment) {
  // Segments of 16 chunks: the span 14..18 is cut at 16, and 17 is not joined to 15 across it.
  EXPECT_EQ(Plan({{14, 18}}, 100, 16), (Spans{{14, 16}, {16, 18}}));
  EXPECT_EQ(Plan({{15, 16}, {17, 18}}, 100, 16), (Spans{{15, 16}, {17, 18}}));
}

TEST(PlanChangedReadsTest, ClampsToTheVolume) {
  EXPECT_EQ(Plan({{-3, 2}, {98, 130}}, 100), (Spans{{0, 2}, {98, 100}}));
  EXPECT_TRUE(Plan({{100, 120}}, 100).empty());
}

TEST(PlanChangedReadsTest, CoversEveryChangedChunkAndNothingFarFromOne) {
  // Pseudo-random sparse spans: every changed chunk is in exactly one read, and every read
  // chunk is changed or within max_gap of a changed chunk of the same read.
  std::vector<ChunkSpan> changed;
  uint64_t x = 12345;
  int64_t at = 0;
  while (at < 5000) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    at += 1 + static_cast<int64_t>((x >> 33) % 9);
    const int64_t len = 1 + static_cast<int64_t>((x >> 20) % 5);
    changed.push_back({at, at + len});
    at += len;
  }
  const int64_t count = 5003;
  auto reads = PlanChangedReads(changed, count, {64, 8, 2});
  std::vector<int> covered(static_cast<size_t>(count), 0);
  std::vector<bool> is_changed(static_cast<size_t>(count), false);
  for (const ChunkSpan& s : changed) {
    for (int64_t c = s.first; c < std::min(s.end, count); ++c) is_changed[c] = true;
  }
  for (size_t i = 0; i < reads.size(); ++i) {
    const ChunkSpan& r = reads[i];
    ASSERT_LT(r.first, r.end);
    ASSERT_LE(r.end - r.first, 8);
    ASSERT_EQ(r.first / 64, (r.end - 1) / 64) << "read crosses a segment";
    if (i > 0) {
      ASSERT_LE(reads[i - 1].end, r.first);
    }
    EXPECT_TRUE(is_changed[r.first]);
    EXPECT_TRUE(is_changed[r.end - 1]);
    int64_t gap = 0;
    for (int64_t c = r.first; c < r.end; ++c) {
      ++covered[c];
      gap = is_changed[c] ? 0 : gap + 1;
      EXPECT_LE(gap, 2);
    }
  }
  for (int64_t c = 0; c < count; ++c) {
    if (is_changed[c]) {
      EXPECT_EQ(covered[c], 1) << "chunk " << c;
    }
  }
}

// Records what the reader announced.
class RecordingDevice : public BlockDevice {
 public:
  int64_t Size() const override { return 100 << 15; }
  int64_t BlockSize() const override { return 1; }
  Status ReadAt(int64_t, std::span<char>) override { return Status::Ok(); }
  Status WriteAt(int64_t, std::span<const char>) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  std::string Describe() const override { return "recording"; }
  void Prefetch(int64_t offset, int64_t length) override { calls.emplace_back(offset, length); }
  Spans calls;
};

TEST(ReadAheadTest, AnnouncesAWindowAheadOfTheReaderOnce) {
  constexpr int64_t kChunk = 32 << 10;
  RecordingDevice dev;
  // Four reads of 1, 2, 1 and 3 chunks; the last one ends at the device's end (98..100 + 1).
  std::vector<ChunkSpan> reads = {{0, 1}, {10, 12}, {20, 21}, {98, 101}};
  ReadAhead ahead(dev, reads, kChunk, dev.Size(), 3 * kChunk);
  ahead.Before(0);  // 1 + 2 chunks fill the window of 3
  EXPECT_EQ(dev.calls, (Spans{{0, kChunk}, {10 * kChunk, 2 * kChunk}}));
  ahead.Before(1);  // read 0 is done: 2 ahead, read 2 fits
  EXPECT_EQ(dev.calls.size(), 3u);
  EXPECT_EQ(dev.calls[2], std::make_pair(20 * kChunk, kChunk));
  ahead.Before(2);  // 1 ahead: read 3 is announced, clamped to the device's size
  ASSERT_EQ(dev.calls.size(), 4u);
  EXPECT_EQ(dev.calls[3], std::make_pair(98 * kChunk, 2 * kChunk));
  ahead.Before(3);  // nothing left to announce, nothing announced twice
  EXPECT_EQ(dev.calls.size(), 4u);
  EXPECT_EQ(ahead.announced(), 4u);
}

TEST(ReadAheadTest, AReadLargerThanTheWindowIsStillAnnounced) {
  constexpr int64_t kChunk = 32 << 10;
  RecordingDevice dev;
  std::vector<ChunkSpan> reads = {{0, 8}, {20, 28}};
  ReadAhead ahead(dev, reads, kChunk, dev.Size(), kChunk);
  ahead.Before(0);
  EXPECT_EQ(dev.calls, (Spans{{0, 8 * kChunk}}));
  ahead.Before(1);
  EXPECT_EQ(dev.calls.size(), 2u);
}

}  // namespace
}  // namespace bb::v2
