// The v2 collector with repacking through the real backupd and PostgreSQL
// (backup_service/datapath/README.md "Garbage collection and repacking"):
//   - the issue's test: backups and deletes (each delete runs the collector: mark, fence,
//     repack, sweep) and restores all at once on two volumes; then every surviving backup
//     restores bit-exact and the stored bytes and objects fell (the figures are printed);
//   - crash safety: the daemon SIGKILLs itself at each gc.* failpoint in a delete's collection;
//     after a restart (which resumes the delete) every survivor restores bit-exact, no condemned
//     list is left, and deleting everything leaves no pack or index object behind.
// Expected images are rebuilt from the same deterministic writes, so no volume is copied.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <thread>

#include "tests/integration/backupd_grpc_fixture.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {
namespace {

struct Write {
  int64_t offset;
  int64_t length;
  uint32_t seed;
};

// A backup and the writes its volume had when it was taken.
struct Taken {
  std::string id;
  std::vector<Write> state;
};

constexpr int64_t kGiB = int64_t{1} << 30;

class PackGcTest : public BackupdGrpcTest {
 protected:
  void SetUp() override {
    BackupdGrpcTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    auto v = bb::testing::TempDir::Create("bb-it-volumes-");
    auto s = bb::testing::TempDir::Create("bb-it-store-");
    auto w = bb::testing::TempDir::Create("bb-it-work-");
    ASSERT_TRUE(v.ok() && s.ok() && w.ok());
    volumes_dir_.emplace(std::move(v).value());
    store_dir_.emplace(std::move(s).value());
    work_dir_.emplace(std::move(w).value());
    options_.volumes_dir = volumes_dir_->path();
    options_.store_dir = store_dir_->path();
    options_.extra_config = {"quota_backups = -1"};
    hits_file_ = work_dir_->path() + "/failpoint-hits";
    Restart("");
  }

  void TearDown() override {
    BackupdGrpcTest::TearDown();
    const char* global = std::getenv("BB_FAILPOINT_HITS");
    if (!hits_file_.empty() && global != nullptr && *global != '\0') {
      std::ifstream in(hits_file_);
      std::ofstream out(global, std::ios::app);
      out << in.rdbuf();
    }
  }

  void Restart(const std::string& failpoints) {
    StopDaemon();
    BackupdOptions o = options_;
    o.env = {"BB_FAILPOINTS=" + failpoints, "BB_FAILPOINT_HITS=" + hits_file_};
    StartDaemon(o);
  }

  // Objects of the project's container whose path has `/<kind>/`, and their bytes.
  std::pair<int, int64_t> Objects(const std::string& kind = "") {
    int n = 0;
    int64_t bytes = 0;
    std::string root = options_.store_dir + "/" + project_;
    if (!std::filesystem::exists(root)) return {0, 0};
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (!e.is_regular_file()) continue;
      if (!kind.empty() && e.path().string().find("/" + kind + "/") == std::string::npos) continue;
      ++n;
      bytes += static_cast<int64_t>(e.file_size());
    }
    return {n, bytes};
  }

  // Writes `w` to the volume and records it in `state`; then a backup of it.
  Taken Step(const std::string& volume_id, std::vector<Write>& state, Write w) {
    WritePattern(volume_id, w.offset, w.length, w.seed);
    state.push_back(w);
    return Taken{BackupAndWait(volume_id, /*incremental=*/state.size() > 1).id(), state};
  }

  void ExpectRestoresTo(const Taken& t) {
    v1::Volume restored = RestoreAndWait(t.id, "");
    ASSERT_FALSE(restored.id().empty()) << "restore of " << t.id;
    std::string expected = work_dir_->path() + "/expected-" + NewUuid();
    std::filesystem::resize_file((std::ofstream(expected), expected), kGiB);
    for (const Write& w : t.state) WritePatternToFile(expected, w.offset, w.length, w.seed);
    ExpectSameFiles(VolumeFile(restored.id()), expected);
    std::filesystem::remove(expected);
    v1::DeleteVolumeRequest request;
    request.set_volume_id(restored.id());
    v1::DeleteVolumeResponse response;
    EXPECT_TRUE(volumes_->DeleteVolume(Ctx().get(), request, &response).ok());
  }

  void DeleteAndWait(const std::string& backup_id) {
    v1::DeleteBackupRequest request;
    request.set_backup_id(backup_id);
    v1::Backup b;
    grpc::Status s = backups_->DeleteBackup(Ctx().get(), request, &b);
    ASSERT_TRUE(s.ok()) << s.error_message();
    bool gone = false;
    v1::Backup after = WaitWhile(backup_id, "deleting", &gone);
    EXPECT_TRUE(gone || after.status() == "deleted")
        << after.status() << " " << after.fail_reason();
  }

  // The collector's log lines: "packs A -> B, bytes C -> D; deleted ... repacked N packs ...".
  struct Collections {
    int runs = 0;
    int64_t packs_repacked = 0, repack_freed = 0, dead_freed = 0, blobs_copied = 0;
  };
  Collections CollectorLog() {
    Collections c;
    static const std::regex line(
        R"(deleted (\d+) dead packs \((\d+) bytes\), repacked (\d+) packs \((\d+) bytes\) into (\d+) \((\d+) bytes, (\d+) blobs\): (\d+) bytes freed by repacking)");
    const std::string log = daemon_->Log();
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
         ++it) {
      ++c.runs;
      c.dead_freed += std::stoll((*it)[2]);
      c.packs_repacked += std::stoll((*it)[3]);
      c.blobs_copied += std::stoll((*it)[7]);
      c.repack_freed += std::stoll((*it)[8]);
    }
    return c;
  }

  BackupdOptions options_;
  std::optional<bb::testing::TempDir> volumes_dir_, store_dir_, work_dir_;
  std::string hits_file_;
};

TEST_F(PackGcTest, GcConcurrentWithBackupsDeletesAndRestoresKeepsSurvivorsAndFreesBytes) {
  // Per volume: a 48 MiB full, then incrementals: 16 MiB elsewhere, later overwritten whole
  // (its pack is dead once its backups go: deleted), 20 MiB over the full's first pack (that
  // pack is mostly dead once they go: repacked), and two 4 MiB ones (small packs: merged).
  struct Vol {
    std::string id;
    std::vector<Write> state;
    std::vector<Taken> taken;
  };
  std::vector<Vol> vols(2);
  for (size_t v = 0; v < vols.size(); ++v) {
    vols[v].id = CreateVolume(1, "gc-" + std::to_string(v)).id();
    const uint32_t s = 100 * static_cast<uint32_t>(v + 1);
    for (Write w : {Write{0, 48 * kMiB, s}, Write{64 * kMiB, 16 * kMiB, s + 4},
                    Write{4 * kMiB, 20 * kMiB, s + 1}, Write{64 * kMiB, 16 * kMiB, s + 5},
                    Write{30 * kMiB, 4 * kMiB, s + 2}, Write{40 * kMiB, 4 * kMiB, s + 3}}) {
      vols[v].taken.push_back(Step(vols[v].id, vols[v].state, w));
    }
  }
  const auto before = Objects();
  const auto packs_before = Objects("packs");

  // At once: new backups of both volumes (writer thread), a restore of a survivor (its packs
  // may be repacked under it), and the deletes of each volume's four oldest backups.
  std::vector<Taken> added;
  std::thread backups([&] {
    for (int round = 0; round < 2; ++round) {
      for (size_t v = 0; v < vols.size(); ++v) {
        const uint32_t s = 100 * static_cast<uint32_t>(v + 1) + 10 + round;
        Write w = round == 0 ? Write{100 * kMiB, 4 * kMiB, s} : Write{0, 2 * kMiB, s};
        added.push_back(Step(vols[v].id, vols[v].state, w));
      }
    }
  });
  std::thread restore([&] { ExpectRestoresTo(vols[0].taken[5]); });
  for (int i = 0; i < 4; ++i) {
    for (Vol& v : vols) DeleteAndWait(v.taken[static_cast<size_t>(i)].id);
  }
  backups.join();
  restore.join();

  const auto after = Objects();
  const auto packs_after = Objects("packs");
  int64_t added_bytes = 0;
  for (const Taken& t : added) {
    v1::GetBackupRequest request;
    request.set_backup_id(t.id);
    v1::Backup b;
    ASSERT_TRUE(backups_->GetBackup(Ctx().get(), request, &b).ok());
    added_bytes += b.stored_bytes();
  }
  const Collections gc = CollectorLog();
  std::cout << "[ figures  ] stored before: " << before.first << " objects, " << before.second
            << " bytes (" << packs_before.first << " packs, " << packs_before.second
            << " bytes); after: " << after.first << " objects, " << after.second << " bytes ("
            << packs_after.first << " packs, " << packs_after.second
            << " bytes); the 4 concurrent backups added " << added_bytes << " bytes; " << gc.runs
            << " collections freed " << gc.dead_freed << " bytes of dead packs and "
            << gc.repack_freed << " by repacking " << gc.packs_repacked << " packs ("
            << gc.blobs_copied << " blobs copied)\n";
  EXPECT_EQ(gc.runs, 8) << "one collection per delete";
  EXPECT_GT(gc.packs_repacked, 0) << daemon_->Log();
  EXPECT_GT(gc.repack_freed, 0);
  EXPECT_GT(gc.dead_freed, 0);
  EXPECT_LT(after.second, before.second) << "stored bytes did not fall";
  EXPECT_LT(after.second + gc.repack_freed / 2, before.second + added_bytes);
  EXPECT_LT(packs_after.first, packs_before.first) << "packs did not fall";
  EXPECT_EQ(Objects("gc").first, 0) << "a condemned list was left behind";

  // Every survivor, bit-exact: each volume's two newest phase-one backups and the new ones.
  for (const Vol& v : vols) {
    ExpectRestoresTo(v.taken[4]);
    ExpectRestoresTo(v.taken[5]);
  }
  for (const Taken& t : added) ExpectRestoresTo(t);
}

// Kills the daemon at each step of a delete's collection; the restart resumes the delete.
TEST_F(PackGcTest, CrashAtEachCollectorStepThenRestartFinishesAndLeavesNothing) {
  for (const char* failpoint : {"gc.after_fence", "gc.after_repacked_pack", "gc.after_new_index",
                                "gc.before_condemned_removed"}) {
    SCOPED_TRACE(failpoint);
    Restart(std::string(failpoint) + "=kill");
    std::vector<Write> state;
    const std::string volume = CreateVolume(1, std::string("crash-") + failpoint).id();
    const uint32_t s = static_cast<uint32_t>(std::hash<std::string>()(failpoint) % 1000);
    Taken full = Step(volume, state, {0, 40 * kMiB, s});
    Taken over = Step(volume, state, {4 * kMiB, 20 * kMiB, s + 1});
    Taken small = Step(volume, state, {30 * kMiB, 2 * kMiB, s + 2});
    v1::DeleteBackupRequest request;
    request.set_backup_id(full.id);
    v1::Backup b;
    ASSERT_TRUE(backups_->DeleteBackup(Ctx().get(), request, &b).ok());
    volumes_.reset();
    backups_.reset();
    auto exited = daemon_->WaitForExit(std::chrono::seconds(120));
    ASSERT_TRUE(exited.ok()) << "backupd did not kill itself at " << failpoint << "\n"
                             << daemon_->Log();
    EXPECT_TRUE(WIFSIGNALED(*exited) && WTERMSIG(*exited) == SIGKILL);
    daemon_.reset();

    Restart("");  // recovery resumes the delete: the collector runs again
    bool gone = false;
    v1::Backup after = WaitWhile(full.id, "deleting", &gone);
    EXPECT_TRUE(gone || after.status() == "deleted") << after.status() << after.fail_reason();
    EXPECT_EQ(Objects("gc").first, 0) << "the condemned list of the crashed run is still there";
    ExpectRestoresTo(over);
    ExpectRestoresTo(small);
    DeleteAndWait(over.id);
    DeleteAndWait(small.id);
    EXPECT_EQ(Objects("packs").first, 0) << "packs left after deleting every backup";
    EXPECT_EQ(Objects("index").first, 0) << "index objects left after deleting every backup";
    EXPECT_EQ(Objects("gc").first, 0);
  }
  std::ifstream in(hits_file_);
  std::set<std::string> hits;
  for (std::string line; std::getline(in, line);) hits.insert(line);
  for (const char* fp : {"gc.after_fence", "gc.after_repacked_pack", "gc.after_new_index",
                         "gc.before_condemned_removed"}) {
    EXPECT_EQ(hits.count(fp), 1u) << fp << " was never reached";
  }
}

}  // namespace
}  // namespace bb::it
