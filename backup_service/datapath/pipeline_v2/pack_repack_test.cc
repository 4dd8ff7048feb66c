// The collector's repacking, fence and crash safety (pack_collector.h) against real backups
// (RunV2Backup) in a posix store: live blobs of mostly dead and small packs move to new packs
// and every backup restores bit-exact; a backup started after the fence does not reuse condemned
// packs; a restore whose pack is repacked under it reloads the index; a collector stopped after
// any step leaves duplicates, never a missing blob, and the next run removes them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "backup_service/common/failpoint.h"
#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pipeline_v2/backup_pipeline.h"
#include "backup_service/datapath/pipeline_v2/pack_collector.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"

namespace bb::v2 {
namespace {

using testing_util::RandomBytes;
using testing_util::ReadFile;
using testing_util::WriteFile;

constexpr char kContainer[] = "p1/backups";
constexpr int64_t kMiB = 1 << 20;

// Forwards to a store; the first GetRange of a pack runs `hook` first (a collector "meanwhile").
class HookStore : public ObjectStore {
 public:
  explicit HookStore(ObjectStore& inner) : inner_(inner) {}
  std::function<void()> before_first_range;
  std::string Name() const override { return inner_.Name(); }
  Status EnsureContainer(const std::string& c) override { return inner_.EnsureContainer(c); }
  Status Put(const std::string& c, const std::string& n, std::string_view d) override {
    return inner_.Put(c, n, d);
  }
  Result<std::string> Get(const std::string& c, const std::string& n) override {
    return inner_.Get(c, n);
  }
  Result<bool> Exists(const std::string& c, const std::string& n) override {
    return inner_.Exists(c, n);
  }
  Status Delete(const std::string& c, const std::string& n) override { return inner_.Delete(c, n); }
  Result<std::vector<std::string>> List(const std::string& c, const std::string& p) override {
    return inner_.List(c, p);
  }
  Result<std::string> GetRange(const std::string& c, const std::string& n, int64_t o,
                               int64_t l) override {
    if (before_first_range && n.rfind("packs/", 0) == 0) {
      auto hook = std::move(before_first_range);
      before_first_range = nullptr;
      hook();
    }
    return inner_.GetRange(c, n, o, l);
  }

 private:
  ObjectStore& inner_;
};

class PackRepackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = CreateObjectStore("posix", {{"path", dir_.File("store")}});
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
  }
  void TearDown() override { failpoint::Reset(); }

  V2BackupResult Backup(const std::string& id, const std::string& image) {
    WriteFile(dir_.File("vol-" + id), image);
    auto dev = FileBlockDevice::Open(dir_.File("vol-" + id), AccessMode::kReadOnly);
    EXPECT_TRUE(dev.ok());
    V2BackupSpec spec;
    spec.source = dev->get();
    spec.store = store_.get();
    spec.container = kContainer;
    spec.header.backup_id = id;
    spec.header.project_id = "p1";
    spec.header.volume_id = "vol";
    spec.encrypt = key_.has_value();
    spec.master_key = key_;
    spec.compression_level = 0;       // sizes below are the data's own
    spec.pack_target = pack_target_;  // several packs per backup; "small" = under 256 KiB
    spec.workers = workers_;
    auto r = RunV2Backup(spec);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    images_[id] = image;
    return r.ok() ? *r : V2BackupResult{};
  }

  Result<V2RestoreResult> Restore(const std::string& id, ObjectStore* store = nullptr) {
    const std::string target = dir_.File("restore-" + id);
    std::filesystem::remove(target);
    int fd = ::open(target.c_str(), O_CREAT | O_WRONLY, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(images_[id].size())), 0);
    ::close(fd);
    auto dev = FileBlockDevice::Open(target, AccessMode::kReadWrite);
    EXPECT_TRUE(dev.ok());
    V2RestoreSpec spec;
    spec.store = store ? store : store_.get();
    spec.container = kContainer;
    spec.backup_id = id;
    spec.target = dev->get();
    spec.target_is_zeroed = true;
    spec.master_key = key_;
    spec.workers = 1;
    auto r = RunV2Restore(spec);
    EXPECT_TRUE((*dev)->Close().ok());
    if (r.ok()) {
      EXPECT_TRUE(ReadFile(target) == images_[id]) << id << " restored differently";
    }
    return r;
  }
  void ExpectAllRestore() {
    for (const auto& [id, image] : images_) {
      if (!*store_->Exists(kContainer, ManifestV2ObjectName(id))) continue;
      auto r = Restore(id);
      EXPECT_TRUE(r.ok()) << id << ": " << r.status().ToString();
    }
  }

  std::vector<std::string> Objects(const std::string& prefix) {
    auto l = store_->List(kContainer, prefix);
    return l.ok() ? *l : std::vector<std::string>{};
  }
  int64_t StoredBytes(const std::string& kind = "packs") {
    int64_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.File("store"))) {
      if (e.is_regular_file() && e.path().string().find("/" + kind + "/") != std::string::npos) {
        n += static_cast<int64_t>(e.file_size());
      }
    }
    return n;
  }
  // Clean: no condemned list, every pack named by exactly one index object, every named pack
  // present (unencrypted containers only: sealed indexes are read by the restores).
  void ExpectClean() {
    EXPECT_TRUE(Objects("gc/").empty());
    std::map<std::string, int> named;
    for (const auto& name : Objects("index/")) {
      auto bytes = store_->Get(kContainer, name);
      ASSERT_TRUE(bytes.ok());
      auto packs = DecodeIndexObject(*bytes, name);
      ASSERT_TRUE(packs.ok()) << packs.status().ToString();
      for (const auto& p : *packs) ++named[PackObjectNameOf(p.pack_hash)];
    }
    for (const auto& pack : Objects("packs/")) {
      EXPECT_EQ(named[pack], 1) << pack << " is named by " << named[pack] << " index objects";
    }
    for (const auto& [pack, n] : named) EXPECT_TRUE(*store_->Exists(kContainer, pack)) << pack;
  }
  Result<PackCollectResult> Collect(PackCollectOptions o = {}) {
    return CollectPacks(*store_, kContainer, key_, o);
  }

  // a: 4 MiB random; b keeps a's first 1.25 MiB, so a's second pack is a quarter live once a
  // goes; c: unrelated, two small incremental-like tails.
  void ThreeBackupsThenDeleteA() {
    const std::string a = RandomBytes(4 * kMiB, 1);
    Backup("a", a);
    Backup("b", a.substr(0, 5 * kMiB / 4) + RandomBytes(11 * kMiB / 4, 2));
    Backup("c", RandomBytes(kMiB + 64 * 1024, 3));
    ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName("a")).ok());
  }

  testing_util::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
  std::optional<Key256> key_;
  std::map<std::string, std::string> images_;
  int64_t pack_target_ = kMiB;
  int workers_ = 1;  // blobs reach packs in volume order: the same packs every run
};

TEST_F(PackRepackTest, MostlyDeadAndSmallPacksAreRepackedAndBytesFall) {
  ThreeBackupsThenDeleteA();
  const int64_t before = StoredBytes();
  const size_t packs_before = Objects("packs/").size();
  auto r = Collect();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GE(r->packs_deleted, 2);   // a's last two packs: nobody else uses them
  EXPECT_GE(r->packs_repacked, 2);  // a's quarter-live second pack, the small tails
  EXPECT_GT(r->blobs_copied, 0);
  EXPECT_GT(r->dead_bytes_freed, 2 * kMiB);
  EXPECT_GT(r->repack_bytes_freed, kMiB / 2);  // a's dead three quarters of a pack
  EXPECT_EQ(r->bytes_freed, r->dead_bytes_freed + r->repack_bytes_freed);
  EXPECT_EQ(r->index_objects_rewritten, 1);
  EXPECT_EQ(static_cast<size_t>(r->packs_before), packs_before);
  EXPECT_EQ(static_cast<size_t>(r->packs_after), Objects("packs/").size());
  EXPECT_EQ(r->bytes_before - r->bytes_after, r->bytes_freed);
  EXPECT_EQ(StoredBytes(), before - r->bytes_freed) << "the reported bytes are the stored ones";
  ExpectClean();
  ExpectAllRestore();
  // Stable: a second run finds nothing worth moving.
  auto again = Collect();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->packs_repacked, 0);
  EXPECT_EQ(again->packs_deleted, 0);
  ExpectClean();
}

TEST_F(PackRepackTest, EncryptedRepackCopiesSealedBlobsVerbatim) {
  Key256 k{};
  k.fill(7);
  key_ = k;
  ThreeBackupsThenDeleteA();
  auto r = Collect();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->blobs_copied, 0);
  EXPECT_GT(r->repack_bytes_freed, 0);
  EXPECT_TRUE(Objects("gc/").empty());
  ExpectAllRestore();
  // A wrong key cannot repack (nor read anything).
  Key256 wrong{};
  wrong.fill(1);
  EXPECT_EQ(CollectPacks(*store_, kContainer, wrong, {}).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PackRepackTest, DamagedBlobStopsTheRepackBeforeAnyDelete) {
  ThreeBackupsThenDeleteA();
  // Flip a byte in every pack's first blob payload: the repack's verification must catch it.
  for (const auto& name : Objects("packs/")) {
    std::string path = dir_.File("store") + "/" + kContainer + "/" + name;
    std::string bytes = ReadFile(path);
    bytes[16 + 44 + 100] ^= 0x10;
    WriteFile(path, bytes);
  }
  const auto packs = Objects("packs/");
  auto r = Collect();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  for (const auto& p : packs) EXPECT_TRUE(*store_->Exists(kContainer, p)) << p << " deleted";
}

// Every step stopped in turn (the failpoint returns an error, as a crash would stop the run
// there): each time every backup still restores, and the next run leaves a clean container.
TEST_F(PackRepackTest, StoppedAfterAnyStepLeavesDuplicatesNeverAMissingBlob) {
  const std::vector<std::string> steps = {"gc.after_fence", "gc.after_repacked_pack",
                                          "gc.after_new_index", "gc.before_condemned_removed"};
  int round = 0;
  for (const std::string& step : steps) {
    SCOPED_TRACE(step);
    // Fresh garbage each round: a backup that goes, and one sharing its first 1.25 MiB, so that
    // the gone one's second pack is a quarter live (repacked) and the rest dead.
    const std::string id = "r" + std::to_string(round++);
    const std::string gone = RandomBytes(4 * kMiB, 100 + round);
    Backup(id + "-gone", gone);
    Backup(id, gone.substr(0, 5 * kMiB / 4) + RandomBytes(3 * kMiB, 200 + round));
    ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName(id + "-gone")).ok());
    ASSERT_TRUE(failpoint::Configure(step + "=error", steps).ok());
    auto stopped = Collect();
    ASSERT_FALSE(stopped.ok()) << "the run did not reach " << step;
    EXPECT_NE(stopped.status().message().find(step), std::string::npos)
        << stopped.status().ToString();
    failpoint::Reset();
    ExpectAllRestore();
    auto next = Collect();
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    ExpectClean();
    ExpectAllRestore();
  }
}

// Step 2: a backup that starts after the fence reads the condemned list and stores the blobs of
// condemned packs again instead of pointing at packs about to go.
TEST_F(PackRepackTest, BackupAfterTheFenceDoesNotReuseCondemnedPacks) {
  ThreeBackupsThenDeleteA();
  V2BackupResult late;
  PackCollectOptions o;
  o.fence = [&](const std::function<Status()>& body) {
    RETURN_IF_ERROR(body());
    EXPECT_FALSE(Objects("gc/").empty()) << "no condemned list written in the fence";
    // The fence is released: a backup of b's data (some of it in condemned packs) starts.
    late = Backup("late", images_["b"]);
    return Status::Ok();
  };
  auto r = Collect(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(late.stats.condemned_packs, 0u);
  EXPECT_GT(late.chunks_new, 0) << "the late backup reused blobs of condemned packs";
  ExpectAllRestore();
  // Its duplicates are ordinary garbage for the next run.
  ASSERT_TRUE(Collect().ok());
  ExpectAllRestore();
  ExpectClean();
}

// A backup after the fence of exactly the data of a deleted backup would write packs with the
// same bytes, hence names, as the condemned ones the collector then deletes: its packs get
// another blob order instead.
TEST_F(PackRepackTest, IdenticalPacksOfABackupAfterTheFenceAreNotDeletedUnderIt) {
  const std::string image = RandomBytes(3 * kMiB / 2, 21);
  Backup("x", image);
  const auto packs_of_x = Objects("packs/");
  ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName("x")).ok());
  V2BackupResult again;
  PackCollectOptions o;
  o.fence = [&](const std::function<Status()>& body) {
    RETURN_IF_ERROR(body());
    again = Backup("again", image);
    return Status::Ok();
  };
  auto r = Collect(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(static_cast<size_t>(r->packs_deleted), packs_of_x.size());
  EXPECT_EQ(again.packs, static_cast<int64_t>(packs_of_x.size()));
  for (const auto& p : Objects("packs/")) {
    EXPECT_EQ(std::count(packs_of_x.begin(), packs_of_x.end(), p), 0) << p << " reused a name";
  }
  ExpectAllRestore();
  ExpectClean();
}

// Step 3: a restore that loaded the index before a collection repacked its packs reloads it.
TEST_F(PackRepackTest, RestoreReloadsTheIndexWhenItsPackWasRepacked) {
  ThreeBackupsThenDeleteA();
  HookStore hooked(*store_);
  int64_t repacked = 0;
  hooked.before_first_range = [&] {
    auto r = Collect();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repacked = r->packs_repacked;
  };
  auto r = Restore("b", &hooked);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(repacked, 0);
  EXPECT_GE(r->index_reloads, 1);
}

TEST_F(PackRepackTest, RepackCanBeTurnedOff) {
  ThreeBackupsThenDeleteA();
  PackCollectOptions o;
  o.repack = false;
  auto r = Collect(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->packs_repacked, 0);
  EXPECT_GT(r->packs_deleted, 0);
  ExpectAllRestore();
  ExpectClean();
}

// The integration scenario in small: a full, an incremental over most of its first pack, a
// small one; the full goes and its collection stops after the new index; the next run.
TEST_F(PackRepackTest, StoppedAfterNewIndexWithOverlappingIncrementals) {
  pack_target_ = 4 * kMiB;
  workers_ = 2;
  std::string full = RandomBytes(8 * kMiB, 31);
  Backup("full", full);
  std::string over = full;
  over.replace(kMiB, 4 * kMiB, RandomBytes(4 * kMiB, 32));
  Backup("over", over);
  std::string small = over;
  small.replace(7 * kMiB + kMiB / 2, kMiB / 2, RandomBytes(kMiB / 2, 33));
  Backup("small", small);
  ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName("full")).ok());
  const std::vector<std::string> steps = {"gc.after_new_index"};
  ASSERT_TRUE(failpoint::Configure("gc.after_new_index=error", steps).ok());
  ASSERT_FALSE(Collect().ok());
  failpoint::Reset();
  ExpectAllRestore();
  auto next = Collect();
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ExpectAllRestore();
  ExpectClean();
}

}  // namespace
}  // namespace bb::v2
