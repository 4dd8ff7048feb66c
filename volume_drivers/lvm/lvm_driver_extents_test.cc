// LvmDriver::ChangedExtents and AllocatedExtents (thin) against a scripted CommandRunner that
// answers with the outputs captured in the test VM (tests/testdata/lvm/: an lvs report with thin
// ids, dmsetup's metadata snapshot messages, thin_delta, thin_dump): the command sequence, that the
// metadata snapshot is released whatever happens, and the ranges. The same method against real LVM
// is the conformance case ChangedExtentsCoverEveryWriteSinceTheBase (LvmDriver/*/Thin, in the test
// VM).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "volume_drivers/lvm/lvm_driver.h"

namespace bb {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kChunk = 64 * 1024;  // the captured pool's chunk size (thin_delta.writes)
const std::string kVolume = "11111111-1111-4111-8111-111111111111";
const std::string kBase = "22222222-2222-4222-8222-222222222222";
const std::string kNext = "33333333-3333-4333-8333-333333333333";

std::string Sample(const std::string& file) {
  std::ifstream in(std::string(BB_TESTDATA_DIR) + "/lvm/" + file);
  EXPECT_TRUE(in) << file;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The captured command of NAME.meta as an argv (it quotes only commas, with backslashes).
std::vector<std::string> CapturedArgv(const std::string& name) {
  std::istringstream meta(Sample(name + ".meta"));
  for (std::string line; std::getline(meta, line);) {
    if (!line.starts_with("command: ")) continue;
    std::vector<std::string> argv;
    std::istringstream words(line.substr(9));
    for (std::string w; words >> w;) {
      std::erase(w, '\\');
      argv.push_back(w);
    }
    return argv;
  }
  ADD_FAILURE() << name << ".meta has no command";
  return {};
}

CommandResult Captured(const std::string& name) {
  std::string exit_code = Sample(name + ".meta");
  exit_code = exit_code.substr(exit_code.find("exit_code: ") + 11);
  return {std::stoi(exit_code), Sample(name + ".stdout"), Sample(name + ".stderr")};
}

// VG bbcap as captured (lvs_thin_ids: thin volume tvol1, thin snapshots tsnap1 = thin id 2 taken
// before the writes of thin_delta.writes, tsnap2 = id 3 after), the LVs renamed as the driver
// names them. `edit` changes the report before it is answered.
class ScriptedLvmHost : public CommandRunner {
 public:
  ScriptedLvmHost() {
    nlohmann::json report = nlohmann::json::parse(Sample("lvs_thin_ids.stdout"));
    for (auto& lv : report["report"][0]["lv"]) {
      auto rename = [](nlohmann::json& field) {
        if (field == "tvol1") field = "volume-" + kVolume;
        if (field == "tsnap1") field = "_snapshot-" + kBase;
        if (field == "tsnap2") field = "_snapshot-" + kNext;
      };
      rename(lv["lv_name"]);
      rename(lv["origin"]);
    }
    lvs = report;
  }

  Result<CommandResult> Run(const std::vector<std::string>& argv,
                            const CommandOptions& /*options*/) override {
    calls.push_back(argv);
    if (argv.at(0) == "lvm" && argv.at(1) == "vgs") return Captured("vgs");
    if (argv.at(0) == "lvm" && argv.at(1) == "lvs") return CommandResult{0, lvs.dump(), ""};
    if (argv.at(0) == "lvm") return CommandResult{0, "", ""};
    if (argv == std::vector<std::string>{"thin_delta", "-V"})
      return CommandResult{0, "0.9.0\n", ""};
    if (argv == std::vector<std::string>{"thin_dump", "-V"}) return CommandResult{0, "0.9.0\n", ""};
    if (argv.at(0) == "dmsetup" && argv.back() == "reserve_metadata_snap") {
      if (!reserve_results.empty()) {
        CommandResult r = reserve_results.front();
        reserve_results.erase(reserve_results.begin());
        return r;
      }
      return Captured("dmsetup_reserve_metadata_snap");
    }
    if (argv.at(0) == "dmsetup" && argv.back() == "release_metadata_snap") {
      return release_result;
    }
    if (argv.at(0) == "thin_delta") return thin_delta_result;
    if (argv.at(0) == "thin_dump") return thin_dump_result;
    return CommandResult{127, "", argv.at(0) + ": not scripted"};
  }

  // Sets a field of the LV named `name` in the lvs report.
  void SetLvField(const std::string& name, const std::string& field, const std::string& value) {
    for (auto& lv : lvs["report"][0]["lv"]) {
      if (lv["lv_name"] == name) lv[field] = value;
    }
  }
  std::vector<std::vector<std::string>> CallsOf(const std::string& program) const {
    std::vector<std::vector<std::string>> out;
    for (const auto& c : calls) {
      if (c.at(0) == program) out.push_back(c);
    }
    return out;
  }

  nlohmann::json lvs;
  std::vector<CommandResult> reserve_results;  // answered first, then the captured success
  CommandResult release_result = Captured("dmsetup_release_metadata_snap");
  CommandResult thin_delta_result = Captured("thin_delta");
  CommandResult thin_dump_result = Captured("thin_dump_dev");
  std::vector<std::vector<std::string>> calls;
};

class LvmChangedExtentsTest : public ::testing::Test {
 protected:
  LvmChangedExtentsTest()
      : driver_(LvmDriver::ParseConfig({{"volume_group", "bbcap"}, {"lvm_type", "thin"}}).value(),
                host_) {}
  void SetUp() override {
    ASSERT_TRUE(driver_.CheckForSetupError().ok());
    host_.calls.clear();
  }
  Result<ExtentReport> Changed() {
    const int64_t size = 128 << 20;
    return driver_.ChangedExtents({kBase, kVolume, size, "", ""}, {kNext, kVolume, size, "", ""});
  }

  ScriptedLvmHost host_;
  LvmDriver driver_;
};

TEST_F(LvmChangedExtentsTest, ThinDeltaOfTheTwoThinIdsThroughAMetadataSnapshot) {
  EXPECT_TRUE(driver_.Capabilities().reports_changed_extents);
  auto changes = Changed();
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  EXPECT_TRUE(changes->known);
  // thin_delta.writes: chunks [64, 80) rewritten, [512, 544) and [1600, 1601) newly written.
  EXPECT_THAT(changes->ranges,
              ElementsAre(ByteRange{64 * kChunk, 16 * kChunk}, ByteRange{512 * kChunk, 32 * kChunk},
                          ByteRange{1600 * kChunk, kChunk}));
  // The commands as they were run when captured; the lvs report first, nothing else.
  ASSERT_EQ(host_.calls.size(), 4u);
  EXPECT_EQ(host_.calls[0].at(1), "lvs");
  EXPECT_EQ(host_.calls[1], CapturedArgv("dmsetup_reserve_metadata_snap"));
  EXPECT_EQ(host_.calls[2], CapturedArgv("thin_delta"));
  EXPECT_EQ(host_.calls[3], CapturedArgv("dmsetup_release_metadata_snap"));
}

TEST_F(LvmChangedExtentsTest, ReleasedWhenThinDeltaFails) {
  host_.thin_delta_result = Captured("thin_delta_without_metadata_snap");
  auto changes = Changed();
  ASSERT_FALSE(changes.ok());
  EXPECT_THAT(changes.status().message(), HasSubstr("no current metadata snap"));
  ASSERT_EQ(host_.CallsOf("dmsetup").size(), 2u);
  EXPECT_EQ(host_.calls.back(), CapturedArgv("dmsetup_release_metadata_snap"));
}

TEST_F(LvmChangedExtentsTest, ReleasedWhenThinDeltaPrintsSomethingElse) {
  host_.thin_delta_result = {0, "<superblock/>", ""};
  EXPECT_EQ(Changed().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(host_.calls.back(), CapturedArgv("dmsetup_release_metadata_snap"));
}

TEST_F(LvmChangedExtentsTest, AFailedReleaseAfterASuccessKeepsTheAnswer) {
  host_.release_result = {1, "", "release failed\n"};
  auto changes = Changed();
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  EXPECT_TRUE(changes->known);
  EXPECT_EQ(changes->ranges.size(), 3u);
}

TEST_F(LvmChangedExtentsTest, AHeldMetadataSnapshotIsReleasedAndTheReserveRetriedOnce) {
  // The kernel refuses a second metadata snapshot; a killed process can leave one held.
  CommandResult busy = Captured("dmsetup_reserve_metadata_snap_held");
  ASSERT_EQ(busy.exit_code, 1);
  host_.reserve_results = {busy};
  auto changes = Changed();
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  auto dm = host_.CallsOf("dmsetup");
  ASSERT_EQ(dm.size(), 4u);
  EXPECT_EQ(dm[0].back(), "reserve_metadata_snap");
  EXPECT_EQ(dm[1].back(), "release_metadata_snap");
  EXPECT_EQ(dm[2].back(), "reserve_metadata_snap");
  EXPECT_EQ(dm[3].back(), "release_metadata_snap");

  // Refused twice: an error naming the pool, no thin_delta run, nothing left held.
  host_.calls.clear();
  host_.reserve_results = {busy, busy};
  auto refused = Changed();
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("thin pool bbcap/pool"));
  EXPECT_THAT(refused.status().message(), HasSubstr("resource busy"));
  EXPECT_TRUE(host_.CallsOf("thin_delta").empty());
}

TEST_F(LvmChangedExtentsTest, GrownVolumeTailCountsAsChanged) {
  host_.SetLvField("_snapshot-" + kNext, "lv_size", std::to_string(256 << 20));
  auto changes = Changed();
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  EXPECT_THAT(changes->ranges,
              ElementsAre(ByteRange{64 * kChunk, 16 * kChunk}, ByteRange{512 * kChunk, 32 * kChunk},
                          ByteRange{1600 * kChunk, kChunk}, ByteRange{128 << 20, 128 << 20}));
}

TEST_F(LvmChangedExtentsTest, InactivePoolIsActivatedFirst) {
  host_.SetLvField("pool", "lv_active", "");
  ASSERT_TRUE(Changed().ok());
  auto lvm = host_.CallsOf("lvm");
  ASSERT_EQ(lvm.size(), 2u);
  EXPECT_EQ(lvm[1], (std::vector<std::string>{"lvm", "lvchange", "-ay", "bbcap/pool"}));
}

TEST_F(LvmChangedExtentsTest, RefusalsRunNoDmsetup) {
  const int64_t size = 128 << 20;
  const std::string other = "44444444-4444-4444-8444-444444444444";
  EXPECT_EQ(driver_.ChangedExtents({kBase, kVolume, size, "", ""}, {kNext, other, size, "", ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(driver_.ChangedExtents({kBase, kVolume, size, "", ""}, {other, kVolume, size, "", ""})
                .status()
                .code(),
            StatusCode::kNotFound);
  // The LVs say they belong to another volume than the caller claims.
  EXPECT_EQ(driver_.ChangedExtents({kBase, other, size, "", ""}, {kNext, other, size, "", ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(driver_.ChangedExtents({"x", kVolume, size, "", ""}, {kNext, kVolume, size, "", ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(host_.CallsOf("dmsetup").empty());
  // Not a thin device (no thin id): the driver cannot tell, the caller reads everything.
  host_.SetLvField("_snapshot-" + kBase, "thin_id", "");
  auto unknown = Changed();
  ASSERT_TRUE(unknown.ok()) << unknown.status().ToString();
  EXPECT_FALSE(unknown->known);
  EXPECT_TRUE(host_.CallsOf("dmsetup").empty());
}

// AllocatedExtents: thin_dump of the snapshot's thin device (tsnap2, id 3) through a metadata
// snapshot. thin_dump.writes: 16 MiB at 0, 2 MiB at 32 MiB, 64 KiB at 100 MiB.
TEST_F(LvmChangedExtentsTest, AllocatedExtentsAreTheSnapshotsThinDumpMappings) {
  EXPECT_TRUE(driver_.Capabilities().reports_allocated_extents);
  auto allocated = driver_.AllocatedExtents({kNext, kVolume, 128 << 20, "", ""});
  ASSERT_TRUE(allocated.ok()) << allocated.status().ToString();
  EXPECT_TRUE(allocated->known);
  EXPECT_THAT(allocated->ranges,
              ElementsAre(ByteRange{0, 256 * kChunk}, ByteRange{512 * kChunk, 32 * kChunk},
                          ByteRange{1600 * kChunk, kChunk}));
  ASSERT_EQ(host_.calls.size(), 4u);
  EXPECT_EQ(host_.calls[0].at(1), "lvs");
  EXPECT_EQ(host_.calls[1], CapturedArgv("dmsetup_reserve_metadata_snap"));
  EXPECT_EQ(host_.calls[2], CapturedArgv("thin_dump_dev"));
  EXPECT_EQ(host_.calls[3], CapturedArgv("dmsetup_release_metadata_snap"));
}

// thin_dump prints an empty superblock (exit 0) for a device the pool lacks: an error, never
// "nothing allocated" (which would back up zeros); and a failed thin_dump still releases.
TEST_F(LvmChangedExtentsTest, AllocatedExtentsOfAThinIdThePoolLacksIsAnError) {
  host_.thin_dump_result = Captured("thin_dump_missing_dev");
  ASSERT_EQ(host_.thin_dump_result.exit_code, 0);
  auto missing = driver_.AllocatedExtents({kNext, kVolume, 128 << 20, "", ""});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_EQ(host_.calls.back(), CapturedArgv("dmsetup_release_metadata_snap"));
  host_.thin_dump_result = Captured("thin_dump_without_metadata_snap");
  auto failed = driver_.AllocatedExtents({kNext, kVolume, 128 << 20, "", ""});
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("no current metadata snap"));
  EXPECT_EQ(host_.calls.back(), CapturedArgv("dmsetup_release_metadata_snap"));
  // A snapshot that is not there, and one that is not a thin device of the pool.
  const std::string other = "44444444-4444-4444-8444-444444444444";
  EXPECT_EQ(driver_.AllocatedExtents({other, kVolume, 1, "", ""}).status().code(),
            StatusCode::kNotFound);
  host_.SetLvField("_snapshot-" + kNext, "thin_id", "");
  auto unknown = driver_.AllocatedExtents({kNext, kVolume, 128 << 20, "", ""});
  ASSERT_TRUE(unknown.ok()) << unknown.status().ToString();
  EXPECT_FALSE(unknown->known);
}

TEST(LvmThinDeltaTest, DeviceMapperNamesDoubleHyphens) {
  EXPECT_EQ(lvm::DmName("bbcap", "pool", "tpool"), "bbcap-pool-tpool");  // dmsetup_ls
  EXPECT_EQ(lvm::DmName("my-vg", "a-pool", "tpool"), "my--vg-a--pool-tpool");
  EXPECT_EQ(lvm::DmName("my-vg", "a-pool_tmeta"), "my--vg-a--pool_tmeta");
}

TEST(LvmThinDeltaTest, ThickAndToolLessDriversDeclareNoChangedExtents) {
  ScriptedLvmHost host;
  LvmDriver thick(
      LvmDriver::ParseConfig({{"volume_group", "bbcap"}, {"lvm_type", "thick"}}).value(), host);
  ASSERT_TRUE(thick.CheckForSetupError().ok());
  EXPECT_FALSE(thick.Capabilities().reports_changed_extents);
  EXPECT_EQ(thick.ChangedExtents({kBase, kVolume, 1, "", ""}, {kNext, kVolume, 1, "", ""})
                .status()
                .code(),
            StatusCode::kUnimplemented);
  EXPECT_TRUE(host.CallsOf("thin_delta").empty()) << "thick never asks for thin_delta";

  // Thin without thin-provisioning-tools: backups read everything; the driver still starts.
  struct NoTools : ScriptedLvmHost {
    Result<CommandResult> Run(const std::vector<std::string>& argv,
                              const CommandOptions& options) override {
      if (argv.at(0) == "thin_delta") return CommandResult{127, "", "thin_delta: not found"};
      return ScriptedLvmHost::Run(argv, options);
    }
  } no_tools;
  LvmDriver thin(LvmDriver::ParseConfig({{"volume_group", "bbcap"}, {"lvm_type", "thin"}}).value(),
                 no_tools);
  ASSERT_TRUE(thin.CheckForSetupError().ok());
  EXPECT_FALSE(thin.Capabilities().reports_changed_extents);
  EXPECT_TRUE(thin.Capabilities().can_snapshot);
  EXPECT_FALSE(thick.Capabilities().reports_allocated_extents);
  EXPECT_EQ(thick.AllocatedExtents({kNext, kVolume, 1, "", ""}).status().code(),
            StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace bb
