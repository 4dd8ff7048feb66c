// Verification and disaster recovery through the real backupd, backupctl, PostgreSQL and the
// posix object store (backup_service/datapath/README.md "Disaster recovery: the store alone is
// enough"):
//   - backup verify: a clean backup verifies (counts of what was read); a flipped byte in a pack
//     is DATA_LOSS naming the pack; a truncated manifest DATA_LOSS naming the manifest; a v1
//     backup verifies too, and a damaged v1 chunk is named; nothing is written by a verify;
//   - catalog rebuild: encrypted full + incremental backups, then a new empty database and no
//     index objects: the rebuild re-indexes the packs, recreates both rows (names, parent link,
//     sizes) and each restores bit-exact; a second rebuild changes nothing; a tenant is refused;
//   - master-key rotation (backupd rotate-master-key): only keys/*.key change; backupd with the
//     new key restores bit-exact and verifies; with the old key a restore is refused
//     (FAILED_PRECONDITION) before anything is written; running it again is a no-op.
#include <filesystem>
#include <fstream>
#include <map>
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

class BackupctlRecoveryTest : public BackupctlTest {
 protected:
  // The daemon goes before a database of the test's own is dropped.
  void TearDown() override {
    StopDaemon();
    fresh_db_.reset();
  }

  // A daemon on the shared store, volumes and keys directories, on `db` (default: the suite's).
  void Restart(std::vector<std::string> extra_config, TestDatabase* db = nullptr) {
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
    if (db == nullptr) {
      StartDaemon(options_);
      return;
    }
    auto daemon = BackupdProcess::Start(BB_BACKUPD_PATH, db->conninfo(), BB_SCHEMA_DIR, options_);
    ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
    daemon_ = std::move(daemon).value();
    auto channel = grpc::CreateChannel(daemon_->endpoint(), grpc::InsecureChannelCredentials());
    volumes_ = v1::VolumeService::NewStub(channel);
    backups_ = v1::BackupService::NewStub(channel);
  }

  std::string KeyFile(const std::string& name, char fill) {
    std::string path = keys_dir_->path() + "/" + name;
    std::ofstream(path, std::ios::binary) << std::string(32, fill);
    return path;
  }

  std::string ContainerDir() { return options_.store_dir + "/" + project_ + "/backups"; }

  // Every object of the project's container and its bytes.
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> out;
    if (!std::filesystem::exists(ContainerDir())) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(ContainerDir())) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      out[e.path().string()] =
          std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    return out;
  }

  // The files of the container under `kind/` (packs, manifests, chunks, keys).
  std::vector<std::string> Files(const std::string& kind) {
    std::vector<std::string> out;
    for (const auto& [path, bytes] : Snapshot()) {
      if (path.find("/backups/" + kind + "/") != std::string::npos) out.push_back(path);
    }
    return out;
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  static void Overwrite(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }

  v1::Backup NamedBackup(const std::string& volume_id, const std::string& name, bool incremental) {
    v1::CreateBackupRequest request;
    request.set_volume_id(volume_id);
    request.set_name(name);
    request.set_description("description of " + name);
    request.set_incremental(incremental);
    v1::Backup backup;
    grpc::Status s = backups_->CreateBackup(Ctx().get(), request, &backup);
    EXPECT_TRUE(s.ok()) << s.error_message();
    v1::Backup done = WaitWhile(backup.id(), "creating");
    EXPECT_EQ(done.status(), "available") << done.fail_reason();
    return done;
  }

  void ExpectRestoresTo(const std::string& backup_id, const std::vector<Write>& writes) {
    v1::Volume restored = RestoreAndWait(backup_id, "");
    std::string expected = keys_dir_->path() + "/expected-" + NewUuid();
    std::filesystem::resize_file((std::ofstream(expected), expected), kGiB);
    for (const Write& w : writes) WritePatternToFile(expected, w.offset, w.length, w.seed);
    ExpectSameFiles(VolumeFile(restored.id()), expected);
    std::filesystem::remove(expected);
  }

  // backupctl backup verify, as JSON.
  CliRun Verify(const std::string& backup_id) {
    return Cli({"--json", "backup", "verify", backup_id});
  }

  BackupdOptions options_;
  std::unique_ptr<TestDatabase> fresh_db_;
  std::optional<bb::testing::TempDir> volumes_dir_;
  std::optional<bb::testing::TempDir> store_dir_;
  std::optional<bb::testing::TempDir> keys_dir_;
};

TEST_F(BackupctlRecoveryTest, VerifyFindsDamagedPackAndTruncatedManifest) {
  Restart({});
  v1::Volume volume = CreateVolume(1, "verify");
  WritePattern(volume.id(), 0, 6 * kMiB, 41);
  WritePattern(volume.id(), 512 * kMiB, 2 * kMiB, 42);
  v1::Backup b = BackupAndWait(volume.id());

  const auto before = Snapshot();
  CliRun ok = Verify(b.id());
  ASSERT_EQ(ok.code, 0) << ok.Describe();
  nlohmann::json r = ok.Json();
  EXPECT_EQ(r["backup_id"], b.id());
  EXPECT_EQ(r["storage_format"], "packed-v2");
  EXPECT_EQ(r["size_bytes"].get<int64_t>(), kGiB);
  EXPECT_EQ(r["chunks"].get<int64_t>(), kGiB / 32768);
  // 8 MiB of random data in 32 KiB chunks, plus the chunk lists of the two segments touched.
  EXPECT_EQ(r["blobs_checked"].get<int64_t>(), 8 * kMiB / 32768 + 2);
  EXPECT_GE(r["packs_checked"].get<int64_t>(), 1);
  EXPECT_GE(r["bytes_read"].get<int64_t>(), 8 * kMiB);
  EXPECT_EQ(Snapshot(), before) << "verify wrote or removed objects";
  CliRun human = Cli({"backup", "verify", b.id()});
  EXPECT_EQ(human.code, 0) << human.Describe();
  EXPECT_NE(human.out.find("blobs_checked"), std::string::npos) << human.out;

  // One flipped byte in a pack: DATA_LOSS naming the backup and the pack; the backup stays.
  const std::vector<std::string> packs = Files("packs");
  ASSERT_FALSE(packs.empty());
  const std::string pack = packs.front();
  const std::string pack_bytes = Read(pack);
  std::string bad = pack_bytes;
  bad[bad.size() / 2] ^= 0x10;
  Overwrite(pack, bad);
  CliRun damaged = Verify(b.id());
  ExpectRefused(damaged, "DATA_LOSS", "backup " + b.id());
  const std::string pack_name = pack.substr(ContainerDir().size() + 1);
  EXPECT_NE(damaged.err.find(pack_name), std::string::npos) << damaged.Describe();
  EXPECT_EQ(GetBackupStatus(b.id()), "available");
  Overwrite(pack, pack_bytes);
  EXPECT_EQ(Verify(b.id()).code, 0);

  // A truncated manifest: DATA_LOSS naming it.
  const std::string manifest = ContainerDir() + "/manifests/" + b.id() + ".bbm";
  const std::string manifest_bytes = Read(manifest);
  Overwrite(manifest, manifest_bytes.substr(0, manifest_bytes.size() / 2));
  CliRun truncated = Verify(b.id());
  ExpectRefused(truncated, "DATA_LOSS", "manifests/" + b.id() + ".bbm");
  Overwrite(manifest, manifest_bytes);
  EXPECT_EQ(Verify(b.id()).code, 0);

  // Another project's member cannot verify it (as for every other backup operation).
  CliRun other = Cli({"backup", "verify", b.id()}, As::kTenant, "it_other");
  ExpectRefused(other, "NOT_FOUND", b.id());
}

TEST_F(BackupctlRecoveryTest, VerifyV1Backup) {
  Restart({"backup_format = v1"});
  v1::Volume volume = CreateVolume(1, "verify-v1");
  WritePattern(volume.id(), 0, 3 * kMiB, 51);
  v1::Backup b = BackupAndWait(volume.id());
  CliRun ok = Verify(b.id());
  ASSERT_EQ(ok.code, 0) << ok.Describe();
  EXPECT_EQ(ok.Json()["storage_format"], "chunked-v1");
  // chunk_size_mib = 1 in the harness: three chunks of data.
  EXPECT_EQ(ok.Json()["blobs_checked"].get<int64_t>(), 3);

  const std::vector<std::string> chunks = Files("chunks");
  ASSERT_EQ(chunks.size(), 3u);
  std::string bad = Read(chunks[1]);
  bad[bad.size() / 2] ^= 0x01;
  Overwrite(chunks[1], bad);
  CliRun damaged = Verify(b.id());
  ExpectRefused(damaged, "DATA_LOSS", "backup " + b.id());
  const std::string chunk_hash = chunks[1].substr(chunks[1].rfind('/') + 1);
  EXPECT_NE(damaged.err.find(chunk_hash), std::string::npos) << damaged.Describe();
}

TEST_F(BackupctlRecoveryTest, CatalogRebuildIntoAnEmptyDatabaseThenRestoreBitExact) {
  const std::string key = KeyFile("master.key", 'm');
  Restart({"backup_master_key_file = " + key});
  v1::Volume volume = CreateVolume(1, "dr");
  std::vector<Write> first = {{0, 4 * kMiB, 61}, {300 * kMiB, 2 * kMiB, 62}};
  for (const Write& w : first) WritePattern(volume.id(), w.offset, w.length, w.seed);
  v1::Backup full = NamedBackup(volume.id(), "nightly-1", false);
  std::vector<Write> second = first;
  second.push_back({1 * kMiB, 1 * kMiB, 63});
  WritePattern(volume.id(), 1 * kMiB, 1 * kMiB, 63);
  v1::Backup incr = NamedBackup(volume.id(), "nightly-2", true);
  ASSERT_EQ(incr.parent_id(), full.id());

  // The database is lost: a new, empty one (same store, same master key file); so are the index
  // objects (a cache of the pack trailers).
  const size_t packs = Files("packs").size();
  ASSERT_GE(packs, 2u);
  ASSERT_EQ(Files("index").size(), 2u);
  for (const std::string& index : Files("index")) std::filesystem::remove(index);
  auto fresh = TestDatabase::Create(std::getenv("BB_TEST_PG_CONNINFO"));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  fresh_db_ = std::move(fresh).value();
  Restart({"backup_master_key_file = " + key}, fresh_db_.get());
  CliRun none = Cli({"--json", "backup", "list"});
  ASSERT_EQ(none.code, 0) << none.Describe();
  EXPECT_TRUE(none.Json()["backups"].empty()) << none.out;

  // Only an admin may rebuild.
  ExpectRefused(Cli({"catalog", "rebuild", "--container", "backups"}), "PERMISSION_DENIED",
                "catalog rebuild");
  CliRun rebuilt = Cli({"--json", "catalog", "rebuild", "--container", "backups"}, As::kOperator);
  ASSERT_EQ(rebuilt.code, 0) << rebuilt.Describe();
  nlohmann::json report = rebuilt.Json();
  EXPECT_EQ(report["container"], project_ + "/backups");
  EXPECT_EQ(report["manifests"], 2);
  // Oldest first, so the parent was in the database when the child went in.
  EXPECT_EQ(report["inserted"], nlohmann::json::array({full.id(), incr.id()}));
  EXPECT_EQ(report["packs_indexed"], static_cast<int>(packs));
  EXPECT_EQ(Files("index").size(), 1u);

  for (const v1::Backup& original : {full, incr}) {
    v1::GetBackupRequest request;
    request.set_backup_id(original.id());
    v1::Backup b;
    ASSERT_TRUE(backups_->GetBackup(Ctx().get(), request, &b).ok());
    EXPECT_EQ(b.status(), "available");
    EXPECT_EQ(b.name(), original.name());
    EXPECT_EQ(b.description(), original.description());
    EXPECT_EQ(b.volume_id(), volume.id());  // kept as recorded: this database has no such volume
    EXPECT_EQ(b.parent_id(), original.parent_id());
    EXPECT_EQ(b.size_gib(), 1);
    EXPECT_EQ(b.stored_bytes(), original.stored_bytes());
    EXPECT_EQ(b.object_count(), original.object_count());
  }
  ExpectRestoresTo(full.id(), first);
  ExpectRestoresTo(incr.id(), second);
  EXPECT_EQ(Verify(incr.id()).code, 0);

  // Again: nothing new.
  CliRun again = Cli({"--json", "catalog", "rebuild"}, As::kOperator);
  ASSERT_EQ(again.code, 0) << again.Describe();
  EXPECT_TRUE(again.Json()["inserted"].empty()) << again.out;
  EXPECT_EQ(again.Json()["already_present"].size(), 2u) << again.out;
  EXPECT_EQ(again.Json()["packs_indexed"], 0) << again.out;
  // A container this project never wrote to.
  ExpectRefused(Cli({"catalog", "rebuild", "--container", "nothing-here"}, As::kOperator),
                "NOT_FOUND", "nothing-here");
}

TEST_F(BackupctlRecoveryTest, MasterKeyRotationRewrapsKeysOnly) {
  const std::string old_key = KeyFile("old.key", 'o');
  const std::string new_key = KeyFile("new.key", 'n');
  Restart({"backup_master_key_file = " + old_key});
  v1::Volume volume = CreateVolume(1, "rotate");
  std::vector<Write> writes = {{0, 3 * kMiB, 71}, {700 * kMiB, 1 * kMiB, 72}};
  for (const Write& w : writes) WritePattern(volume.id(), w.offset, w.length, w.seed);
  v1::Backup b = BackupAndWait(volume.id());
  StopDaemon();

  auto rotate = [&](const std::string& from, const std::string& to) {
    SystemCommandRunner runner;
    CommandOptions o;
    o.timeout = std::chrono::seconds(60);
    auto r =
        runner.Run({BB_BACKUPD_PATH, "--database", database_->conninfo(), "--schema_dir",
                    BB_SCHEMA_DIR, "--object_store", "posix", "--store_path", options_.store_dir,
                    "--volumes_dir", options_.volumes_dir, "--backup_master_key_file", from,
                    "rotate-master-key", "--new-master-key-file", to},
                   o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  };
  const auto before = Snapshot();
  auto done = rotate(old_key, new_key);
  ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_NE(done.out.find("1 container keys re-wrapped"), std::string::npos) << done.out;
  const auto after = Snapshot();
  ASSERT_EQ(after.size(), before.size());
  int changed = 0;
  for (const auto& [path, bytes] : before) {
    if (after.at(path) == bytes) continue;
    ++changed;
    EXPECT_NE(path.find("/keys/"), std::string::npos) << path << " was rewritten";
  }
  EXPECT_EQ(changed, 1);
  // Running it again finishes an interrupted run: here, nothing left to do.
  auto again = rotate(old_key, new_key);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 container keys re-wrapped, 1 already"), std::string::npos)
      << again.out;
  // A rotation from a key that wrapped nothing here is refused, naming the container, and
  // changes nothing.
  auto stranger = rotate(KeyFile("stranger.key", 's'), KeyFile("third.key", 't'));
  EXPECT_EQ(stranger.exit_code, 1);
  EXPECT_NE(stranger.err.find("FAILED_PRECONDITION"), std::string::npos) << stranger.err;
  EXPECT_NE(stranger.err.find(project_ + "/backups"), std::string::npos) << stranger.err;
  EXPECT_EQ(Snapshot(), after);

  // The old key: refused before anything is written (no volume, no object, backup untouched).
  Restart({"backup_master_key_file = " + old_key});
  CliRun volumes_before = Cli({"--json", "volume", "list"});
  CliRun refused = Cli({"backup", "restore", b.id()});
  ExpectRefused(refused, "FAILED_PRECONDITION", "backup_master_key_file");
  EXPECT_EQ(Cli({"--json", "volume", "list"}).out, volumes_before.out);
  EXPECT_EQ(GetBackupStatus(b.id()), "available");
  ExpectRefused(Verify(b.id()), "FAILED_PRECONDITION", "backup_master_key_file");
  EXPECT_EQ(Snapshot(), after);

  // The new key: restores bit-exact and verifies.
  Restart({"backup_master_key_file = " + new_key});
  ExpectRestoresTo(b.id(), writes);
  EXPECT_EQ(Verify(b.id()).code, 0);
}

}  // namespace
}  // namespace bb::it
