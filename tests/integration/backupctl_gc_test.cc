// `backupctl gc --container C` through the real backupd, backupctl, PostgreSQL and the posix
// object store (backup_service/datapath/README.md "Garbage collection and repacking"):
//   - with collect_on_delete = false, deletes remove manifests only: the packs stay;
//   - gc (admin only) deletes the dead packs and repacks the partly used ones: the bytes of the
//     container's packs fall by what it reports, and equal its "after" figure;
//   - every surviving backup restores bit-exact afterwards, and a second gc finds nothing;
//   - a container the project never wrote to is NOT_FOUND.
#include <filesystem>
#include <fstream>

#include "tests/integration/backupctl_fixture.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {
namespace {

struct Write {
  int64_t offset;
  int64_t length;
  uint32_t seed;
};

class BackupctlGcTest : public BackupctlTest {
 protected:
  void SetUp() override {
    BackupctlTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto e = bb::testing::TempDir::Create("bb-it-gc-expected-");
    ASSERT_TRUE(e.ok());
    expected_dir_.emplace(std::move(e).value());
  }

  std::string ContainerDir() { return daemon_->store_dir() + "/" + project_ + "/backups"; }

  // Bytes of every pack object of the project's container (what the store holds for it).
  int64_t PackBytes() {
    int64_t total = 0;
    const std::string packs = ContainerDir() + "/packs";
    if (!std::filesystem::exists(packs)) return 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(packs)) {
      if (e.is_regular_file()) total += static_cast<int64_t>(e.file_size());
    }
    return total;
  }

  void Apply(const std::string& volume_id, std::vector<Write>& history, const Write& w) {
    WritePattern(volume_id, w.offset, w.length, w.seed);
    history.push_back(w);
  }

  void DeleteAndWait(const std::string& backup_id) {
    v1::DeleteBackupRequest request;
    request.set_backup_id(backup_id);
    v1::Backup backup;
    grpc::Status s = backups_->DeleteBackup(Ctx().get(), request, &backup);
    ASSERT_TRUE(s.ok()) << s.error_message();
    bool gone = false;
    v1::Backup done = WaitWhile(backup_id, "deleting", &gone);
    EXPECT_TRUE(gone || done.status() == "deleted") << done.status() << " " << done.fail_reason();
  }

  void ExpectRestoresTo(const std::string& backup_id, const std::vector<Write>& writes) {
    v1::Volume restored = RestoreAndWait(backup_id, "");
    std::string expected = expected_dir_->path() + "/expected-" + NewUuid();
    std::filesystem::resize_file((std::ofstream(expected), expected), kGiB);
    for (const Write& w : writes) WritePatternToFile(expected, w.offset, w.length, w.seed);
    ExpectSameFiles(VolumeFile(restored.id()), expected);
    std::filesystem::remove(expected);
  }

  std::optional<bb::testing::TempDir> expected_dir_;
};

TEST_F(BackupctlGcTest, DeferredDeletesThenGcFreesPacksAndSurvivorsRestoreBitExact) {
  StopDaemon();
  BackupdOptions options;
  options.extra_config = {"collect_on_delete = false"};
  StartDaemon(options);

  v1::Volume volume = CreateVolume(1, "gc");
  std::vector<Write> history;
  // b1: 16 MiB of random data; b2 rewrites its first half and adds 4 MiB; b3 rewrites its second
  // half; b4 adds 4 MiB elsewhere. Deleting b1 and b2 leaves b1's data used by nobody, and b2's
  // pack partly used (its first 8 MiB are still b3's and b4's).
  Apply(volume.id(), history, {0, 16 * kMiB, 1});
  v1::Backup b1 = BackupAndWait(volume.id());
  Apply(volume.id(), history, {0, 8 * kMiB, 2});
  Apply(volume.id(), history, {256 * kMiB, 4 * kMiB, 3});
  v1::Backup b2 = BackupAndWait(volume.id(), /*incremental=*/true);
  Apply(volume.id(), history, {8 * kMiB, 8 * kMiB, 4});
  v1::Backup b3 = BackupAndWait(volume.id(), /*incremental=*/true);
  const std::vector<Write> b3_writes = history;
  Apply(volume.id(), history, {512 * kMiB, 4 * kMiB, 5});
  v1::Backup b4 = BackupAndWait(volume.id(), /*incremental=*/true);
  const std::vector<Write> b4_writes = history;

  const int64_t stored = PackBytes();
  ASSERT_GT(stored, 30 * kMiB);
  DeleteAndWait(b1.id());
  DeleteAndWait(b2.id());
  EXPECT_EQ(PackBytes(), stored) << "collect_on_delete = false: a delete must not collect";

  // Only an admin collects.
  ExpectRefused(Cli({"gc", "--container", "backups"}), "PERMISSION_DENIED", "gc");
  CliRun gc = Cli({"--json", "gc", "--container", "backups"}, As::kOperator);
  ASSERT_EQ(gc.code, 0) << gc.Describe();
  nlohmann::json r = gc.Json();
  EXPECT_EQ(r["container"], project_ + "/backups");
  EXPECT_EQ(r["manifests"].get<int64_t>(), 2);  // b3 and b4
  EXPECT_EQ(r["bytes_before"].get<int64_t>(), stored);
  EXPECT_GE(r["packs_deleted"].get<int64_t>() + r["packs_repacked"].get<int64_t>(), 1) << gc.out;
  // b1's pack (16 MiB of data nobody uses now) goes whole; b2's is still mostly live (its first
  // 8 MiB and the 4 MiB at 256 MiB are in b3 and b4), so it stays.
  EXPECT_GE(r["bytes_freed"].get<int64_t>(), 16 * kMiB) << gc.out;
  EXPECT_EQ(r["bytes_after"].get<int64_t>(), stored - r["bytes_freed"].get<int64_t>()) << gc.out;
  const int64_t after = PackBytes();
  EXPECT_EQ(after, r["bytes_after"].get<int64_t>()) << gc.out;
  EXPECT_LT(after, stored - 16 * kMiB);
  EXPECT_EQ(r["v1_chunks_deleted"].get<int64_t>(), 0);

  // The human form names the same figures.
  CliRun again = Cli({"gc"}, As::kOperator);
  ASSERT_EQ(again.code, 0) << again.Describe();
  EXPECT_NE(again.out.find("bytes_freed"), std::string::npos) << again.out;
  EXPECT_EQ(PackBytes(), after) << "a second gc found more to collect";

  ExpectRestoresTo(b3.id(), b3_writes);
  ExpectRestoresTo(b4.id(), b4_writes);
  EXPECT_EQ(Cli({"backup", "verify", b3.id()}).code, 0);

  ExpectRefused(Cli({"gc", "--container", "nothing-here"}, As::kOperator), "NOT_FOUND",
                "nothing-here");
  CliRun extra = Cli({"gc", "extra"}, As::kOperator);
  EXPECT_NE(extra.code, 0) << extra.Describe();
  EXPECT_NE(extra.err.find("unknown command 'gc extra'"), std::string::npos) << extra.Describe();
}

}  // namespace
}  // namespace bb::it
