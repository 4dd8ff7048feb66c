// Storage format v2 through the real backupd (backup_service/datapath/README.md "Format v2"):
//   - a v1 backup taken before the config switched to v2 still restores and deletes afterwards
//     (every operation goes by the format recorded on the backup, not by the config);
//   - encrypted v2 (backup_master_key_file) round trip, and nothing of the plaintext in packs;
//   - a wrong master key is refused (FAILED_PRECONDITION, saying what to fix) before anything is
//     written; an unreadable key file stops backupd from starting;
//   - backups deleted out of order while another backup runs: the pack collector keeps what the
//     survivors use (each restores bit-exact) and stored bytes fall.
// Expected images are rebuilt from the same deterministic writes, so no volume is copied.
#include <filesystem>
#include <fstream>
#include <optional>

#include "tests/integration/backupctl_fixture.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {
namespace {

struct Write {
  int64_t offset;
  int64_t length;
  uint32_t seed;
};

class BackupctlV2FormatTest : public BackupctlTest {
 protected:
  void Restart(std::vector<std::string> extra_config) {
    if (!volumes_dir_) {
      auto v = bb::testing::TempDir::Create("bb-it-volumes-");
      auto s = bb::testing::TempDir::Create("bb-it-store-");
      auto k = bb::testing::TempDir::Create("bb-it-keys-");
      ASSERT_TRUE(v.ok() && s.ok() && k.ok());
      volumes_dir_.emplace(std::move(v).value());
      store_dir_.emplace(std::move(s).value());
      keys_dir_.emplace(std::move(k).value());
    }
    options_.volumes_dir = volumes_dir_->path();
    options_.store_dir = store_dir_->path();
    options_.extra_config = std::move(extra_config);
    StopDaemon();
    StartDaemon(options_);
  }

  std::string KeyFile(const std::string& name, char fill) {
    std::string path = keys_dir_->path() + "/" + name;
    std::ofstream(path, std::ios::binary) << std::string(32, fill);
    return path;
  }

  // Files under the project's container whose path has `/<kind>/`, and their bytes.
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

  std::string StorageFormat(const std::string& backup_id) {
    auto rows = QueryRows(database_->conninfo(),
                          "SELECT service FROM backups WHERE id = '" + backup_id + "'");
    return rows.size() == 1 ? rows[0] : "?";
  }

  // A 1 GiB sparse file holding `writes` applied in order: what a backup of them must restore.
  std::string ExpectedImage(const std::vector<Write>& writes) {
    std::string path = keys_dir_->path() + "/expected-" + NewUuid();
    std::filesystem::resize_file((std::ofstream(path), path), kGiB);
    for (const Write& w : writes) WritePatternToFile(path, w.offset, w.length, w.seed);
    return path;
  }

  void ExpectRestoresTo(const std::string& backup_id, const std::vector<Write>& writes) {
    v1::Volume restored = RestoreAndWait(backup_id, "");
    std::string expected = ExpectedImage(writes);
    ExpectSameFiles(VolumeFile(restored.id()), expected);
    std::filesystem::remove(expected);
  }

  void Delete(const std::string& backup_id) {
    v1::DeleteBackupRequest request;
    request.set_backup_id(backup_id);
    v1::Backup b;
    grpc::Status s = backups_->DeleteBackup(Ctx().get(), request, &b);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void WaitDeleted(const std::string& backup_id) {
    bool gone = false;
    v1::Backup b = WaitWhile(backup_id, "deleting", &gone);
    EXPECT_TRUE(gone || b.status() == "deleted") << b.status() << " " << b.fail_reason();
  }

  static constexpr int64_t kGiB = int64_t{1} << 30;
  BackupdOptions options_;
  std::optional<bb::testing::TempDir> volumes_dir_;
  std::optional<bb::testing::TempDir> store_dir_;
  std::optional<bb::testing::TempDir> keys_dir_;
};

TEST_F(BackupctlV2FormatTest, V1BackupStillRestoresAndDeletesAfterTheSwitchToV2) {
  Restart({"backup_format = v1"});
  v1::Volume volume = CreateVolume(1, "v1-then-v2");
  std::vector<Write> writes = {{0, 6 * kMiB, 11}, {300 * kMiB, 3 * kMiB, 12}};
  for (const Write& w : writes) WritePattern(volume.id(), w.offset, w.length, w.seed);
  v1::Backup old = BackupAndWait(volume.id());
  EXPECT_EQ(StorageFormat(old.id()), "chunked-v1");
  const auto v1_chunks = Objects("chunks");
  EXPECT_GT(v1_chunks.first, 0);
  EXPECT_EQ(Objects("packs").first, 0);

  Restart({});  // the default: v2
  std::vector<Write> later = writes;
  later.push_back({2 * kMiB, 1 * kMiB, 13});
  WritePattern(volume.id(), 2 * kMiB, 1 * kMiB, 13);
  v1::Backup fresh = BackupAndWait(volume.id(), /*incremental=*/true);
  EXPECT_EQ(StorageFormat(fresh.id()), "packed-v2");
  EXPECT_EQ(fresh.parent_id(), old.id());
  EXPECT_GT(Objects("packs").first, 0);
  EXPECT_EQ(Objects("chunks"), v1_chunks) << "a v2 backup wrote or removed v1 chunks";
  EXPECT_GT(fresh.object_count(), 0);
  EXPECT_GT(fresh.stored_bytes(), 0);

  ExpectRestoresTo(old.id(), writes);
  ExpectRestoresTo(fresh.id(), later);
  CliRun record = Cli({"--json", "backup", "export", old.id()});
  ASSERT_EQ(record.code, 0) << record.Describe();

  // The v1 backup goes with the v1 collection: its chunks only; the v2 backup is untouched.
  Delete(old.id());
  WaitDeleted(old.id());
  EXPECT_EQ(Objects("chunks").first, 0);
  ExpectRestoresTo(fresh.id(), later);
  Delete(fresh.id());
  WaitDeleted(fresh.id());
  EXPECT_EQ(Objects("packs").first, 0);
  EXPECT_EQ(Objects("manifests").first, 0);
  EXPECT_EQ(Objects("index").first, 0);
}

TEST_F(BackupctlV2FormatTest, EncryptedRoundTripAndWrongKeyRefusedBeforeWriting) {
  std::string key = KeyFile("master.key", 'k');
  Restart({"backup_master_key_file = " + key});
  v1::Volume volume = CreateVolume(1, "encrypted");
  std::vector<Write> writes = {{0, 5 * kMiB, 21}, {700 * kMiB, 2 * kMiB, 22}};
  for (const Write& w : writes) WritePattern(volume.id(), w.offset, w.length, w.seed);
  v1::Backup b = BackupAndWait(volume.id());
  EXPECT_EQ(StorageFormat(b.id()), "packed-v2");
  EXPECT_EQ(Objects("keys").first, 1);
  // Random data does not compress: unencrypted, it would be in the pack as is.
  std::string sample = ExpectedImage({{0, 4096, 21}});
  std::string plain(4096, '\0');
  std::ifstream(sample, std::ios::binary).read(plain.data(), 4096);
  for (const auto& e : std::filesystem::recursive_directory_iterator(options_.store_dir)) {
    if (!e.is_regular_file() || e.path().string().find("/packs/") == std::string::npos) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(plain.substr(0, 64)), std::string::npos) << "plaintext in " << e.path();
  }
  ExpectRestoresTo(b.id(), writes);

  // Another key: the request is refused and nothing is written.
  Restart({"backup_master_key_file = " + KeyFile("other.key", 'o')});
  const auto before = Objects();
  CliRun refused = Cli({"backup", "create", volume.id()});
  ExpectRefused(refused, "FAILED_PRECONDITION", "backup_master_key_file");
  CliRun restore = Cli({"backup", "restore", b.id()});
  ExpectRefused(restore, "FAILED_PRECONDITION", "backup_master_key_file");
  EXPECT_EQ(Objects(), before) << "objects were written or removed under a wrong key";
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");
  EXPECT_EQ(GetBackupStatus(b.id()), "available");

  // No key at all for an encrypted container: refused the same way.
  Restart({});
  ExpectRefused(Cli({"backup", "create", volume.id()}), "FAILED_PRECONDITION",
                "no master key is configured");
  EXPECT_EQ(Objects(), before);

  // An unreadable key file: backupd does not start, and says which setting.
  StopDaemon();
  BackupdOptions bad = options_;
  bad.extra_config = {"backup_master_key_file = " + keys_dir_->path() + "/missing.key"};
  auto daemon = BackupdProcess::Start(BB_BACKUPD_PATH, database_->conninfo(), BB_SCHEMA_DIR, bad);
  ASSERT_FALSE(daemon.ok()) << "backupd started without its master key";
  EXPECT_NE(daemon.status().message().find("backup_master_key_file"), std::string::npos)
      << daemon.status().ToString();

  // The right key again: the backup restores.
  Restart({"backup_master_key_file = " + key});
  ExpectRestoresTo(b.id(), writes);
}

TEST_F(BackupctlV2FormatTest, DeletesInAnyOrderWhileBackingUpKeepSurvivorsAndFreeBytes) {
  Restart({});
  v1::Volume volume = CreateVolume(1, "gc");
  std::vector<std::vector<Write>> states;
  std::vector<Write> writes;
  std::vector<std::string> ids;
  auto step = [&](Write w) {
    writes.push_back(w);
    WritePattern(volume.id(), w.offset, w.length, w.seed);
    states.push_back(writes);
    ids.push_back(BackupAndWait(volume.id(), /*incremental=*/!ids.empty()).id());
  };
  // Each backup adds data of its own (new packs) and overwrites some of the previous one's.
  step({0, 40 * kMiB, 31});
  step({20 * kMiB, 40 * kMiB, 32});
  step({50 * kMiB, 40 * kMiB, 33});
  step({10 * kMiB, 4 * kMiB, 34});
  const auto full = Objects();

  // The middle and the oldest go, while a fifth backup runs (the collector waits for it).
  WritePattern(volume.id(), 100 * kMiB, 8 * kMiB, 35);
  writes.push_back({100 * kMiB, 8 * kMiB, 35});
  v1::CreateBackupRequest request;
  request.set_volume_id(volume.id());
  v1::Backup running;
  ASSERT_TRUE(backups_->CreateBackup(Ctx().get(), request, &running).ok());
  Delete(ids[1]);
  Delete(ids[0]);
  v1::Backup fifth = WaitWhile(running.id(), "creating");
  EXPECT_EQ(fifth.status(), "available") << fifth.fail_reason();
  WaitDeleted(ids[1]);
  WaitDeleted(ids[0]);
  // The first two backups' data that the later ones overwrote (about 16 MiB of random data,
  // in packs of their own) is gone; the fifth backup added its 8 MiB.
  const auto after = Objects();
  EXPECT_GT(fifth.stored_bytes(), 8 * kMiB);
  EXPECT_LT(after.second + 4 * kMiB, full.second + fifth.stored_bytes())
      << "stored bytes did not fall: " << full.second << " + " << fifth.stored_bytes() << " -> "
      << after.second;
  ExpectRestoresTo(ids[2], states[2]);
  ExpectRestoresTo(ids[3], states[3]);
  ExpectRestoresTo(running.id(), writes);

  // The newest of the chain, then the oldest survivor: each time the rest restores.
  Delete(ids[3]);
  WaitDeleted(ids[3]);
  ExpectRestoresTo(ids[2], states[2]);
  ExpectRestoresTo(running.id(), writes);
  Delete(ids[2]);
  WaitDeleted(ids[2]);
  ExpectRestoresTo(running.id(), writes);
  EXPECT_EQ(Objects("manifests").first, 1);
  Delete(running.id());
  WaitDeleted(running.id());
  EXPECT_EQ(Objects("packs").first, 0);
  EXPECT_EQ(Objects("index").first, 0);
}

}  // namespace
}  // namespace bb::it
