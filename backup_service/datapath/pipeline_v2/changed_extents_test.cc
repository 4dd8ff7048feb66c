// The changed-extent incremental of RunV2Backup (README.md "Changed-extent incrementals"): only
// the chunks the changed ranges touch are read, every other chunk id comes from the parent's
// manifest, and the result restores bit-exact; a parent that does not fit falls back to reading
// everything.
#include <gtest/gtest.h>

#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/pipeline_v2/backup_pipeline.h"
#include "backup_service/datapath/pipeline_v2/parent_chunks.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"

namespace bb::v2 {
namespace {

using testing_util::RandomBytes;
using testing_util::ReadFile;
using testing_util::WriteFile;

constexpr int64_t kChunk = 32 << 10;

class ChangedExtentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = CreateObjectStore("posix", {{"path", dir_.File("store")}});
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
  }

  Result<V2BackupResult> Backup(const std::string& path, const std::string& id,
                                const std::string& parent = "",
                                std::optional<std::vector<ByteRange>> changed = std::nullopt) {
    auto dev = FileBlockDevice::Open(path, AccessMode::kReadOnly);
    if (!dev.ok()) return dev.status();
    V2BackupSpec spec;
    spec.source = dev->get();
    spec.store = store_.get();
    spec.container = "p1/backups";
    spec.header.backup_id = id;
    spec.header.project_id = "p1";
    spec.header.volume_id = "vol";
    spec.header.parent_id = parent;
    spec.pack_target = 1 << 20;
    spec.parent_id = parent;
    spec.changed = std::move(changed);
    spec.changed_gap_chunks = gap_chunks_;
    return RunV2Backup(spec);
  }

  std::string Restore(const std::string& id, int64_t size) {
    const std::string target = dir_.File("r-" + id);
    WriteFile(target, std::string(static_cast<size_t>(size), '\0'));
    auto dev = FileBlockDevice::Open(target, AccessMode::kReadWrite);
    EXPECT_TRUE(dev.ok());
    V2RestoreSpec spec;
    spec.store = store_.get();
    spec.container = "p1/backups";
    spec.backup_id = id;
    spec.target = dev->get();
    auto r = RunV2Restore(spec);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE((*dev)->Close().ok());
    return ReadFile(target);
  }

  testing_util::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
  int64_t gap_chunks_ = 2;
};

TEST(ChangedChunkSpansTest, MapsBytesToTheGridAndMerges) {
  std::vector<ByteRange> changed = {{5 * kChunk + 10, 1}, {kChunk - 1, 2}, {6 * kChunk, 1}};
  auto spans = ChangedChunkSpans(changed, kChunk, 100 * kChunk);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].first, 0);
  EXPECT_EQ(spans[0].end, 2);
  EXPECT_EQ(spans[1].first, 5);
  EXPECT_EQ(spans[1].end, 7);
}

TEST_F(ChangedExtentsTest, ReadsOnlyChangedChunksAndRestoresBitExact) {
  // Two segments and a bit (a segment is 1,024 chunks = 32 MiB), with zeros in the middle.
  const int64_t size = 72 << 20;
  std::string image = RandomBytes(static_cast<size_t>(size), 7);
  std::fill(image.begin() + (40 << 20), image.begin() + (48 << 20), '\0');
  WriteFile(dir_.File("vol"), image);
  auto full = Backup(dir_.File("vol"), "b1");
  ASSERT_TRUE(full.ok()) << full.status().ToString();

  // Scattered writes in segments 0 and 2 only; segment 1 stays untouched (copied whole),
  // one write fills zeros, one straddles two chunks.
  std::vector<ByteRange> writes = {
      {4096, 4096}, {10 * kChunk - 100, 200}, {(41 << 20) + 8192, 4096}, {(70 << 20) + 3, 5}};
  for (size_t i = 0; i < writes.size(); ++i) {
    image.replace(static_cast<size_t>(writes[i].offset), static_cast<size_t>(writes[i].length),
                  RandomBytes(static_cast<size_t>(writes[i].length), 100 + i));
  }
  WriteFile(dir_.File("vol"), image);
  auto incr = Backup(dir_.File("vol"), "b2", "b1", writes);
  ASSERT_TRUE(incr.ok()) << incr.status().ToString();
  EXPECT_TRUE(incr->carried_over) << incr->carry_fallback;
  // 1 + 2 + 1 + 1 chunks touched: only they were read.
  EXPECT_EQ(incr->bytes_read, 5 * kChunk);
  EXPECT_EQ(incr->chunks_carried, incr->chunks_total - 5);
  EXPECT_EQ(incr->chunks_new, 5);
  EXPECT_EQ(Restore("b2", size), image);
  EXPECT_NE(Restore("b1", size), image);  // the parent is unchanged

  // A superset (a whole segment) is as correct, and reads more.
  auto wide = Backup(dir_.File("vol"), "b3", "b2", std::vector<ByteRange>{{0, 32 << 20}});
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->bytes_read, 32 << 20);
  EXPECT_EQ(wide->chunks_new, 0);
  EXPECT_EQ(Restore("b3", size), image);
}

TEST_F(ChangedExtentsTest, NearbyChangedChunksAreReadTogetherAndTheGapsStayTheParents) {
  const int64_t size = 8 << 20;
  std::string image = RandomBytes(static_cast<size_t>(size), 21);
  WriteFile(dir_.File("vol"), image);
  ASSERT_TRUE(Backup(dir_.File("vol"), "b1").ok());
  // Changed chunks 3 and 5 (one chunk apart: one read of 3..6), 9 (three apart: its own read)
  // and 40..41 (one write straddling both).
  std::vector<ByteRange> writes = {
      {3 * kChunk, 4096}, {5 * kChunk + 100, 10}, {9 * kChunk, kChunk}, {41 * kChunk - 8, 16}};
  for (size_t i = 0; i < writes.size(); ++i) {
    image.replace(static_cast<size_t>(writes[i].offset), static_cast<size_t>(writes[i].length),
                  RandomBytes(static_cast<size_t>(writes[i].length), 200 + i));
  }
  WriteFile(dir_.File("vol"), image);
  auto incr = Backup(dir_.File("vol"), "b2", "b1", writes);
  ASSERT_TRUE(incr.ok()) << incr.status().ToString();
  ASSERT_TRUE(incr->carried_over) << incr->carry_fallback;
  EXPECT_EQ(incr->reads, 3);
  EXPECT_EQ(incr->bytes_read, 6 * kChunk);  // chunk 4, between 3 and 5, is read too
  // ...but not hashed again or counted twice: it is the parent's chunk, carried.
  EXPECT_EQ(incr->chunks_new, 5);
  EXPECT_EQ(incr->chunks_reused, 0);
  EXPECT_EQ(incr->chunks_carried, incr->chunks_total - 5);
  EXPECT_EQ(Restore("b2", size), image);

  // Without joining, every changed span is its own read and nothing else is read.
  gap_chunks_ = 0;
  auto apart = Backup(dir_.File("vol"), "b3", "b1", writes);
  ASSERT_TRUE(apart.ok()) << apart.status().ToString();
  EXPECT_EQ(apart->reads, 4);
  EXPECT_EQ(apart->bytes_read, 5 * kChunk);
  EXPECT_EQ(Restore("b3", size), image);
}

TEST_F(ChangedExtentsTest, AParentOfAnotherSizeFallsBackToReadingEverything) {
  std::string image = RandomBytes(4 << 20, 3);
  WriteFile(dir_.File("vol"), image);
  ASSERT_TRUE(Backup(dir_.File("vol"), "b1").ok());
  image += RandomBytes(1 << 20, 4);  // the volume grew
  WriteFile(dir_.File("vol"), image);
  auto incr = Backup(dir_.File("vol"), "b2", "b1", std::vector<ByteRange>{{0, 4096}});
  ASSERT_TRUE(incr.ok()) << incr.status().ToString();
  EXPECT_FALSE(incr->carried_over);
  EXPECT_NE(incr->carry_fallback.find("covers"), std::string::npos) << incr->carry_fallback;
  EXPECT_EQ(incr->bytes_read, 5 << 20);
  EXPECT_EQ(Restore("b2", 5 << 20), image);
}

}  // namespace
}  // namespace bb::v2
