// The LVM parsers and error mapping against real output of LVM 2.03.16 and thin-provisioning-tools
// 0.9.0, captured in the test VM (tests/testdata/lvm/README.md).
#include "volume_drivers/lvm/lvm_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace bb::lvm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Sample(const std::string& file) {
  std::ifstream in(std::string(BB_TESTDATA_DIR) + "/lvm/" + file);
  EXPECT_TRUE(in) << file;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value of "key: value" in NAME.meta.
std::string Meta(const std::string& name, const std::string& key) {
  std::istringstream in(Sample(name + ".meta"));
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(key + ": ")) return line.substr(key.size() + 2);
  }
  ADD_FAILURE() << name << ".meta has no " << key;
  return "";
}

// A captured command as the runner would have returned it, with its argv (the meta's command is
// shell-quoted; the captured ones quote only commas).
struct Captured {
  std::vector<std::string> argv;
  CommandResult result;
};
Captured Load(const std::string& name) {
  Captured c;
  std::istringstream words(Meta(name, "command"));
  for (std::string w; words >> w;) {
    std::string unquoted;
    for (char ch : w) {
      if (ch != '\\') unquoted += ch;
    }
    c.argv.push_back(unquoted);
  }
  c.result.exit_code = std::stoi(Meta(name, "exit_code"));
  c.result.out = Sample(name + ".stdout");
  c.result.err = Sample(name + ".stderr");
  return c;
}

Status ErrorOf(const std::string& name, int64_t extent_size = 0) {
  Captured c = Load(name);
  EXPECT_NE(c.result.exit_code, 0) << name << " did not fail when captured";
  return MapLvmError(c.argv, c.result, extent_size);
}

TEST(LvmReportTest, ThickVolume) {
  auto lvs = ParseLvsReport(Load("lvs_one_thick").result.out);
  ASSERT_TRUE(lvs.ok()) << lvs.status().ToString();
  ASSERT_EQ(lvs->size(), 1u);
  const LvInfo& lv = lvs->front();
  EXPECT_EQ(lv.name, "vol1");
  EXPECT_EQ(lv.vg, "bbcap");
  EXPECT_EQ(lv.size_bytes, 64 << 20);
  EXPECT_TRUE(lv.active);
  EXPECT_FALSE(lv.open);
  EXPECT_EQ(lv.path, "/dev/bbcap/vol1");
  EXPECT_EQ(lv.segtype, "linear");
  EXPECT_FALSE(lv.is_thin());
  EXPECT_FALSE(lv.is_invalid_snapshot());
  EXPECT_FALSE(lv.skips_activation());
  EXPECT_EQ(lv.thin_id, -1);
}

TEST(LvmReportTest, AllLvsIncludeThePoolAndHiddenOnes) {
  auto lvs = ParseLvsReport(Load("lvs_all").result.out);
  ASSERT_TRUE(lvs.ok()) << lvs.status().ToString();
  const LvInfo* pool = nullptr;
  bool hidden = false;
  for (const auto& lv : *lvs) {
    if (lv.name == "pool") pool = &lv;
    if (lv.name == "[pool_tdata]") hidden = true;
  }
  ASSERT_NE(pool, nullptr);
  EXPECT_TRUE(pool->is_thin_pool());
  EXPECT_EQ(pool->chunk_size_bytes, 65536);
  EXPECT_EQ(pool->size_bytes, 512 << 20);
  EXPECT_TRUE(hidden);
}

TEST(LvmReportTest, InactiveThinSnapshotSkipsActivation) {
  auto lvs = ParseLvsReport(Load("lvs_thin_snapshot_inactive").result.out);
  ASSERT_TRUE(lvs.ok()) << lvs.status().ToString();
  ASSERT_EQ(lvs->size(), 1u);
  const LvInfo& lv = lvs->front();
  EXPECT_TRUE(lv.is_thin());
  EXPECT_FALSE(lv.active);
  EXPECT_TRUE(lv.skips_activation());
  EXPECT_EQ(lv.origin, "tvol1");
  EXPECT_EQ(lv.pool_lv, "pool");
  EXPECT_EQ(lv.thin_id, 2);
}

TEST(LvmReportTest, FilledCowSnapshotIsInvalid) {
  auto lvs = ParseLvsReport(Load("lvs_snapshot_invalid").result.out);
  ASSERT_TRUE(lvs.ok()) << lvs.status().ToString();
  ASSERT_EQ(lvs->size(), 1u);
  EXPECT_TRUE(lvs->front().is_invalid_snapshot());
  EXPECT_EQ(lvs->front().origin, "vol3");
  // The same snapshot before it filled up is valid.
  auto before = ParseLvsReport(Load("lvs_snapshot_before_fill").result.out);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  for (const auto& lv : *before) EXPECT_FALSE(lv.is_invalid_snapshot()) << lv.name;
}

TEST(LvmReportTest, OpenLvIsSeenOpen) {
  auto lvs = ParseLvsReport(Load("lvs_busy_open").result.out);
  ASSERT_TRUE(lvs.ok()) << lvs.status().ToString();
  ASSERT_EQ(lvs->size(), 1u);
  EXPECT_TRUE(lvs->front().open);
}

TEST(LvmReportTest, VolumeGroup) {
  auto vgs = ParseVgsReport(Load("vgs").result.out);
  ASSERT_TRUE(vgs.ok()) << vgs.status().ToString();
  ASSERT_EQ(vgs->size(), 1u);
  EXPECT_EQ(vgs->front().name, "bbcap");
  EXPECT_EQ(vgs->front().size_bytes, 2143289344);
  EXPECT_EQ(vgs->front().free_bytes, 1514143744);
  EXPECT_EQ(vgs->front().extent_size_bytes, 4 << 20);
  auto missing = ParseVgsReport(Load("error_vg_missing_vgs").result.out);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
}

TEST(LvmReportTest, NotAReport) {
  EXPECT_EQ(ParseLvsReport("Logical volume \"x\" created.").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ParseVgsReport(R"({"report":[{"vg":[{"vg_name":"a","vg_size":"12x"}]}]})").status().code(),
      StatusCode::kInvalidArgument);
}

TEST(LvmErrorTest, MissingVolumeGroup) {
  for (const char* name : {"error_vg_missing_vgs", "error_vg_missing_lvcreate"}) {
    Status s = ErrorOf(name);
    EXPECT_EQ(s.code(), StatusCode::kNotFound) << name;
    EXPECT_EQ(s.message(), "volume group bbnosuchvg not found") << name;
  }
}

TEST(LvmErrorTest, FullVolumeGroupInBytesWhenTheExtentSizeIsKnown) {
  Status bytes = ErrorOf("error_vg_full", 4 << 20);
  EXPECT_EQ(bytes.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(bytes.message(), "volume group bbcap has 1514143744 bytes free, needs 107374182400");
  Status extents = ErrorOf("error_vg_full");
  EXPECT_EQ(extents.message(), "volume group bbcap has 361 extents free, needs 25600");
}

TEST(LvmErrorTest, NameCollision) {
  for (const char* name : {"error_lv_name_collision", "error_lv_name_collision_thin"}) {
    Status s = ErrorOf(name);
    EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << name;
    EXPECT_THAT(s.message(), HasSubstr("already exists in volume group bbcap")) << name;
  }
}

TEST(LvmErrorTest, BusyLvIsRetryable) {
  for (const char* name : {"error_lvremove_busy", "error_lvremove_busy_force"}) {
    Status s = ErrorOf(name);
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << name;
    EXPECT_EQ(s.message(), "logical volume bbcap/busy is in use (open); retry once it is closed");
  }
}

TEST(LvmErrorTest, MissingLv) {
  Status s = ErrorOf("error_lv_missing_lvs");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "logical volume bbcap/nosuchlv not found");
}

TEST(LvmErrorTest, AnythingElseIsInternalWithTheCommandAndItsMessage) {
  Status s = ErrorOf("thin_delta_without_metadata_snap");
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("thin_delta -m --snap1 2"));
  EXPECT_THAT(s.message(), HasSubstr("no current metadata snap"));
}

// thin_delta.writes: pool chunks of 64 KiB; [64, 80) differ, [512, 544) and [1600, 1601) exist
// only in the second snapshot.
TEST(ThinDeltaTest, ChangedRangesInBytes) {
  constexpr int64_t kChunk = 64 * 1024;
  ASSERT_THAT(Sample("thin_delta.writes"), HasSubstr("chunk_size_bytes: 65536"));
  for (const char* name : {"thin_delta.stdout", "thin_delta_verbose.stdout"}) {
    auto ranges = ParseThinDelta(Sample(name));
    ASSERT_TRUE(ranges.ok()) << name << ": " << ranges.status().ToString();
    EXPECT_THAT(*ranges, ElementsAre(ByteRange{64 * kChunk, 16 * kChunk},
                                     ByteRange{512 * kChunk, 32 * kChunk},
                                     ByteRange{1600 * kChunk, 1 * kChunk}))
        << name;
  }
}

TEST(ThinDeltaTest, AdjacentRangesMergeAndOtherTextIsRefused) {
  auto merged = ParseThinDelta(
      R"(<superblock data_block_size="128"><diff left="1" right="2">)"
      R"(<left_only begin="0" length="2"/><different begin="2" length="1"/></diff></superblock>)");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_THAT(*merged, ElementsAre(ByteRange{0, 3 * 65536}));
  EXPECT_EQ(ParseThinDelta(Sample("thin_delta_without_metadata_snap.stderr")).status().code(),
            StatusCode::kInvalidArgument);
}

// thin_dump.writes: tsnap2 (dev 3) maps 16 MiB at 0 (its chunks 64-79 rewritten: another
// range_mapping, still contiguous), 2 MiB at 32 MiB and one 64 KiB chunk at 100 MiB.
TEST(ThinDumpTest, MappedRangesInBytes) {
  constexpr int64_t kChunk = 64 * 1024;
  ASSERT_THAT(Sample("thin_dump.writes"), HasSubstr("chunk_size_bytes: 65536"));
  auto ranges = ParseThinDump(Sample("thin_dump_dev.stdout"), 3);
  ASSERT_TRUE(ranges.ok()) << ranges.status().ToString();
  EXPECT_THAT(*ranges, ElementsAre(ByteRange{0, 256 * kChunk}, ByteRange{512 * kChunk, 32 * kChunk},
                                   ByteRange{1600 * kChunk, kChunk}));
  // Another device's mappings are not this one's.
  EXPECT_EQ(ParseThinDump(Sample("thin_dump_dev.stdout"), 2).status().code(),
            StatusCode::kNotFound);
}

TEST(ThinDumpTest, AMissingDeviceIsNotFoundAndOtherTextIsRefused) {
  auto missing = ParseThinDump(Sample("thin_dump_missing_dev.stdout"), 4242);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_EQ(ParseThinDump(Sample("thin_dump_without_metadata_snap.stderr"), 3).status().code(),
            StatusCode::kInvalidArgument);
  // A device with no mapping at all: known, nothing allocated.
  auto empty = ParseThinDump(
      R"(<superblock data_block_size="128"><device dev_id="7" mapped_blocks="0"></device></superblock>)",
      7);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(ParseThinDump(R"(<superblock data_block_size="128"><device dev_id="7">)"
                          R"(<range_mapping data_begin="0" length="2"/></device></superblock>)",
                          7)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace bb::lvm
