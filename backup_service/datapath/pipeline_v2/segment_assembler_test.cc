// SegmentAssembler: out-of-order chunks, complete segments, manifest runs.
#include "backup_service/datapath/pipeline_v2/segment_assembler.h"

#include <gtest/gtest.h>

namespace bb::v2 {
namespace {

ChunkRef Data(uint8_t b) {
  ChunkRef r;
  r.id.fill(b);
  return r;
}

TEST(SegmentAssemblerTest, EmitsASegmentWhenItsLastChunkArrives) {
  SegmentAssembler a(10, 4);  // segments of 4, 4, 2 chunks
  EXPECT_EQ(a.segment_count(), 3);
  for (int64_t i : {1, 0, 3}) {
    auto r = a.Add(i, Data(static_cast<uint8_t>(i)));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
  }
  ASSERT_TRUE(a.Add(4, Data(4)).ok());  // segment 1 opens while segment 0 is still open
  auto r = a.Add(2, ChunkRef{true, {}});
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->index, 0);
  EXPECT_EQ((*r)->chunks, (std::vector<ChunkRef>{Data(0), Data(1), ChunkRef{true, {}}, Data(3)}));
  EXPECT_FALSE((*r)->all_zero());
  auto last = a.Add(9, ChunkRef{true, {}});
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->has_value());
  last = a.Add(8, ChunkRef{true, {}});
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->chunks.size(), 2u);  // the short last segment
  EXPECT_TRUE((*last)->all_zero());
  EXPECT_EQ(a.peak_open_segments(), 2u);
}

TEST(SegmentAssemblerTest, RefusesDuplicatesAndOutOfRange) {
  SegmentAssembler a(4, 4);
  ASSERT_TRUE(a.Add(0, Data(1)).ok());
  EXPECT_EQ(a.Add(0, Data(1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.Add(4, Data(1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.Add(-1, Data(1)).status().code(), StatusCode::kInvalidArgument);
}

TEST(SegmentAssemblerTest, ManifestMergesZeroRunsAndNeedsEverySegment) {
  SegmentAssembler a(16, 4);
  a.SetSegment(0, ManifestSegment{true, 1, {}});
  a.SetSegment(1, ManifestSegment{true, 1, {}});
  a.SetSegment(3, ManifestSegment{true, 1, {}});
  EXPECT_EQ(a.ManifestSegments().status().code(), StatusCode::kFailedPrecondition);
  ManifestSegment list{false, 0, Data(9).id};
  a.SetSegment(2, list);
  auto m = a.ManifestSegments();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (std::vector<ManifestSegment>{ManifestSegment{true, 2, {}}, list,
                                              ManifestSegment{true, 1, {}}}));
}

}  // namespace
}  // namespace bb::v2
