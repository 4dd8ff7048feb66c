// CollectUnreferencedPacks against real backups (RunV2Backup) in a posix store: what survivors use
// stays (each restores bit-exact), dead and orphaned packs go, indexes never name a missing pack,
// an unreadable manifest stops the run before any delete, encrypted containers need the key.
#include "backup_service/datapath/pipeline_v2/pack_collector.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/index_object.h"
#include "backup_service/datapath/manifest_v2.h"
#include "backup_service/datapath/pipeline_v2/backup_pipeline.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"

namespace bb::v2 {
namespace {

using testing_util::RandomBytes;
using testing_util::ReadFile;
using testing_util::WriteFile;

constexpr char kContainer[] = "p1/backups";

class PackCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = CreateObjectStore("posix", {{"path", dir_.File("store")}});
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
  }

  void Backup(const std::string& id, const std::string& image) {
    WriteFile(dir_.File("vol-" + id), image);
    auto dev = FileBlockDevice::Open(dir_.File("vol-" + id), AccessMode::kReadOnly);
    ASSERT_TRUE(dev.ok());
    V2BackupSpec spec;
    spec.source = dev->get();
    spec.store = store_.get();
    spec.container = kContainer;
    spec.header.backup_id = id;
    spec.header.project_id = "p1";
    spec.header.volume_id = "vol";
    spec.encrypt = key_.has_value();
    spec.master_key = key_;
    spec.pack_target = 1 << 20;  // several packs per backup
    // One worker: blobs reach packs in volume order, so which packs a delete leaves dead or
    // partly live (repacked: pack_repack_test.cc) is the same on every run.
    spec.workers = 1;
    auto r = RunV2Backup(spec);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    images_[id] = image;
  }

  void ExpectRestores(const std::string& id) {
    const std::string target = dir_.File("restore-" + id);
    std::filesystem::remove(target);
    int fd = ::open(target.c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(images_[id].size())), 0);
    ::close(fd);
    auto dev = FileBlockDevice::Open(target, AccessMode::kReadWrite);
    ASSERT_TRUE(dev.ok());
    V2RestoreSpec spec;
    spec.store = store_.get();
    spec.container = kContainer;
    spec.backup_id = id;
    spec.target = dev->get();
    spec.target_is_zeroed = true;
    spec.master_key = key_;
    auto r = RunV2Restore(spec);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE((*dev)->Close().ok());
    EXPECT_TRUE(ReadFile(target) == images_[id]) << "backup " << id << " restored differently";
  }

  std::vector<std::string> Objects(const std::string& prefix) {
    auto l = store_->List(kContainer, prefix);
    EXPECT_TRUE(l.ok());
    return l.ok() ? *l : std::vector<std::string>{};
  }
  int64_t StoredBytes() {
    int64_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.File("store"))) {
      if (e.is_regular_file()) n += static_cast<int64_t>(e.file_size());
    }
    return n;
  }
  // Every pack an index names exists.
  void ExpectIndexesComplete() {
    for (const auto& name : Objects("index/")) {
      auto bytes = store_->Get(kContainer, name);
      ASSERT_TRUE(bytes.ok());
      if (key_) continue;  // sealed: the restores above prove it
      auto packs = DecodeIndexObject(*bytes, name);
      ASSERT_TRUE(packs.ok()) << packs.status().ToString();
      for (const auto& p : *packs) {
        EXPECT_TRUE(*store_->Exists(kContainer, PackObjectNameOf(p.pack_hash)))
            << name << " names a missing pack";
      }
    }
  }
  Result<PackCollectResult> Collect() {
    return CollectUnreferencedPacks(*store_, kContainer, key_);
  }

  testing_util::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
  std::optional<Key256> key_;
  std::map<std::string, std::string> images_;
};

// Three backups; b shares a's first half, c is unrelated. Deleting a then c keeps b whole.
TEST_F(PackCollectorTest, DeletesInAnyOrderKeepWhatSurvivorsUseAndFreeBytes) {
  const std::string shared = RandomBytes(3 << 20, 1);
  Backup("a", shared + RandomBytes(3 << 20, 2));
  Backup("b", shared + RandomBytes(2 << 20, 3) + std::string(1 << 20, '\0'));
  Backup("c", RandomBytes(4 << 20, 4));
  auto nothing = Collect();
  ASSERT_TRUE(nothing.ok()) << nothing.status().ToString();
  EXPECT_EQ(nothing->packs_deleted, 0);
  EXPECT_EQ(nothing->manifests, 3);

  const int64_t before = StoredBytes();
  ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName("a")).ok());
  auto r = Collect();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->packs_deleted, 0);  // a's own 3 MiB
  EXPECT_GT(r->bytes_freed, 2 << 20);
  EXPECT_LT(StoredBytes(), before - (2 << 20));
  ExpectIndexesComplete();
  ExpectRestores("b");
  ExpectRestores("c");

  ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName("c")).ok());
  ASSERT_TRUE(Collect().ok());
  ExpectIndexesComplete();
  ExpectRestores("b");
  // A later backup dedups only against what is still there, and restores.
  Backup("d", shared + RandomBytes(3 << 20, 2));
  ExpectRestores("d");
  ExpectRestores("b");

  ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName("b")).ok());
  ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName("d")).ok());
  auto last = Collect();
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(Objects("packs/").empty());
  EXPECT_TRUE(Objects("index/").empty());
}

TEST_F(PackCollectorTest, OrphanedPacksOfAKilledJobAreSwept) {
  Backup("a", RandomBytes(2 << 20, 5));
  // What a job killed before its index leaves: packs that no index names.
  const auto packs = Objects("packs/");
  ASSERT_FALSE(packs.empty());
  auto bytes = store_->Get(kContainer, packs[0]);
  ASSERT_TRUE(bytes.ok());
  BlobId fake = Sha256Id("orphan");
  ASSERT_TRUE(store_->Put(kContainer, PackObjectNameOf(fake), *bytes).ok());
  auto r = Collect();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->packs_deleted, 1);
  EXPECT_FALSE(*store_->Exists(kContainer, PackObjectNameOf(fake)));
  ExpectRestores("a");
}

TEST_F(PackCollectorTest, UnreadableManifestStopsBeforeAnyDelete) {
  Backup("a", RandomBytes(2 << 20, 6));
  Backup("b", RandomBytes(2 << 20, 7));
  ASSERT_TRUE(store_->Put(kContainer, ManifestV2ObjectName("b"), "BBM2 damaged").ok());
  ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName("a")).ok());
  const auto packs = Objects("packs/");
  auto r = Collect();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nothing deleted"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(Objects("packs/"), packs);
}

TEST_F(PackCollectorTest, EncryptedContainerNeedsItsKey) {
  Key256 k{};
  k.fill(9);
  key_ = k;
  Backup("a", RandomBytes(2 << 20, 8));
  Backup("b", RandomBytes(2 << 20, 9));
  ASSERT_TRUE(store_->Delete(kContainer, ManifestV2ObjectName("a")).ok());
  auto no_key = CollectUnreferencedPacks(*store_, kContainer, std::nullopt);
  EXPECT_EQ(no_key.status().code(), StatusCode::kFailedPrecondition);
  Key256 wrong{};
  wrong.fill(1);
  EXPECT_EQ(CollectUnreferencedPacks(*store_, kContainer, wrong).status().code(),
            StatusCode::kFailedPrecondition);
  auto r = Collect();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->packs_deleted, 0);
  ExpectRestores("b");
}

TEST_F(PackCollectorTest, ContainerWithoutV2DataHasNothingToCollect) {
  auto r = Collect();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->packs_deleted, 0);
}

}  // namespace
}  // namespace bb::v2
