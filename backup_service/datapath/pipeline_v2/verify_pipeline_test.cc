// VerifyV2Backup, RebuildContainerIndex and RewrapContainerKeys against real backups (RunV2Backup)
// in a posix store in a temp dir: what a clean verify counts, every kind of damage named, damage
// that a restore would not even read, wrong keys, index objects lost or damaged and rebuilt from
// the packs, and master-key rotation (idempotent, old key refused after).
#include "backup_service/datapath/pipeline_v2/verify_pipeline.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/pipeline_v2/backup_pipeline.h"
#include "backup_service/datapath/pipeline_v2/index_rebuild.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"

namespace bb::v2 {
namespace {

using testing_util::RandomBytes;
using testing_util::ReadFile;
using testing_util::WriteFile;

constexpr char kContainer[] = "p1/backups";

Key256 Master(uint8_t b) {
  Key256 k{};
  k.fill(b);
  return k;
}

class V2VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = CreateObjectStore("posix", {{"path", dir_.File("store")}});
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
  }

  Result<V2BackupResult> Backup(const std::string& image, const std::string& id,
                                std::optional<Key256> key = std::nullopt) {
    WriteFile(dir_.File("vol-" + id), image);
    auto dev = FileBlockDevice::Open(dir_.File("vol-" + id), AccessMode::kReadOnly);
    if (!dev.ok()) return dev.status();
    V2BackupSpec spec;
    spec.source = dev->get();
    spec.store = store_.get();
    spec.container = kContainer;
    spec.header.backup_id = id;
    spec.header.project_id = "p1";
    spec.header.volume_id = "vol";
    spec.encrypt = key.has_value();
    spec.master_key = key;
    return RunV2Backup(spec);
  }

  Result<V2VerifyResult> Verify(const std::string& id, std::optional<Key256> key = std::nullopt) {
    V2VerifySpec spec;
    spec.store = store_.get();
    spec.container = kContainer;
    spec.backup_id = id;
    spec.master_key = key;
    return VerifyV2Backup(spec);
  }

  // DataLoss whose message names the backup and `object`.
  void ExpectLoss(const std::string& id, const std::string& object,
                  std::optional<Key256> key = std::nullopt) {
    auto r = Verify(id, key);
    ASSERT_FALSE(r.ok()) << object << " damaged, yet verified";
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
    EXPECT_NE(r.status().message().find("backup " + id), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(object), std::string::npos) << r.status().message();
  }

  std::string StorePath(const std::string& name) {
    return dir_.File(std::string("store/") + kContainer + "/" + name);
  }
  std::vector<std::string> Objects(const std::string& prefix) {
    auto l = store_->List(kContainer, prefix);
    EXPECT_TRUE(l.ok());
    return l.ok() ? *l : std::vector<std::string>{};
  }

  testing_util::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

// 2 MiB random, 1 MiB zero, 1 MiB text: 128 chunks, 32 of them zero.
std::string Image(uint32_t seed) {
  std::string text;
  while (text.size() < (1 << 20)) text += "line " + std::to_string(text.size()) + " of a log\n";
  return RandomBytes(2 << 20, seed) + std::string(1 << 20, '\0') + text.substr(0, 1 << 20);
}

TEST_F(V2VerifyTest, CleanBackupVerifiesAndCountsEveryChunk) {
  auto b = Backup(Image(1), "b1");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto r = Verify("b1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size_bytes, 4 << 20);
  EXPECT_EQ(r->chunks, 128);
  EXPECT_EQ(r->chunks_zero, 32);
  EXPECT_EQ(r->blobs_checked, b->chunks_new + 1);  // distinct data blobs + the chunk list
  EXPECT_GE(r->plain_bytes, int64_t{96} * 32768);
  EXPECT_EQ(r->packs_checked, b->packs);
  EXPECT_GE(r->bytes_read, b->stored_bytes / 2);
  // Nothing was written: the same objects, byte for byte.
  const auto before = Objects("");
  ASSERT_TRUE(Verify("b1").ok());
  EXPECT_EQ(Objects(""), before);
}

TEST_F(V2VerifyTest, DamageIsDataLossNamingTheObject) {
  const std::string image = Image(2);
  auto b = Backup(image, "d1");
  ASSERT_TRUE(b.ok());
  const std::string pack = Objects("packs/").front();
  const std::string pack_bytes = ReadFile(StorePath(pack));
  std::string bad = pack_bytes;
  bad[bad.size() / 3] ^= 0x20;  // inside a random (raw) data blob
  WriteFile(StorePath(pack), bad);
  ExpectLoss("d1", pack);
  WriteFile(StorePath(pack), pack_bytes.substr(0, pack_bytes.size() - 100));  // truncated
  ExpectLoss("d1", pack);
  std::filesystem::remove(StorePath(pack));
  ExpectLoss("d1", pack);
  WriteFile(StorePath(pack), pack_bytes);
  ASSERT_TRUE(Verify("d1").ok());

  const std::string manifest = b->manifest_object;
  const std::string manifest_bytes = ReadFile(StorePath(manifest));
  WriteFile(StorePath(manifest), manifest_bytes.substr(0, manifest_bytes.size() / 2));
  ExpectLoss("d1", manifest);
  WriteFile(StorePath(manifest), manifest_bytes);

  const std::string index = b->index_object;
  const std::string index_bytes = ReadFile(StorePath(index));
  bad = index_bytes;
  bad[bad.size() / 2] ^= 0x01;
  WriteFile(StorePath(index), bad);
  ExpectLoss("d1", index);
  WriteFile(StorePath(index), index_bytes);
  ASSERT_TRUE(Verify("d1").ok());
}

// Damage in a blob the backup does not use: a restore never reads it, verify still finds it
// (the pack no longer hashes to its name).
TEST_F(V2VerifyTest, DamageOutsideTheBackupsBlobsIsFoundByThePackHash) {
  const std::string full = Image(3);
  ASSERT_TRUE(Backup(full, "big").ok());
  const std::string pack = Objects("packs/").front();
  // The first MiB of the same data, the rest zero: every data blob dedups into `pack`.
  std::string half = full.substr(0, 1 << 20) + std::string(full.size() - (1 << 20), '\0');
  auto small = Backup(half, "small");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->chunks_new, 0);
  ASSERT_TRUE(Verify("small").ok());
  std::string bad = ReadFile(StorePath(pack));
  // A byte of the second MiB of random data ("big" uses it, "small" not). It is stored raw and
  // unencrypted here, so it is found by its bytes wherever the uploader laid its blob out.
  const size_t at = bad.find(full.substr((3 << 20) / 2, 64));
  ASSERT_NE(at, std::string::npos);
  bad[at] ^= 0x01;
  WriteFile(StorePath(pack), bad);

  WriteFile(dir_.File("target"), std::string(full.size(), '\0'));
  auto dev = FileBlockDevice::Open(dir_.File("target"), AccessMode::kReadWrite);
  ASSERT_TRUE(dev.ok());
  V2RestoreSpec restore;
  restore.store = store_.get();
  restore.container = kContainer;
  restore.backup_id = "small";
  restore.target = dev->get();
  ASSERT_TRUE(RunV2Restore(restore).ok()) << "the restore reads only the blobs it needs";
  ExpectLoss("small", pack);
  EXPECT_NE(Verify("small").status().message().find("hashes to"), std::string::npos);
  ExpectLoss("big", pack);
}

TEST_F(V2VerifyTest, EncryptedDamageAndWrongKey) {
  auto b = Backup(Image(4), "e1", Master(7));
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(Verify("e1", Master(7)).ok());
  auto wrong = Verify("e1", Master(8));
  EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition) << wrong.status().ToString();
  EXPECT_EQ(Verify("e1").status().code(), StatusCode::kFailedPrecondition);
  const std::string pack = Objects("packs/").front();
  std::string bad = ReadFile(StorePath(pack));
  bad[bad.size() / 4] ^= 0x80;
  WriteFile(StorePath(pack), bad);
  ExpectLoss("e1", pack, Master(7));
}

TEST_F(V2VerifyTest, LostAndDamagedIndexObjectsAreRebuiltFromThePacks) {
  auto b1 = Backup(Image(7), "i1", Master(5));
  ASSERT_TRUE(b1.ok());
  auto b2 = Backup(Image(8), "i2", Master(5));
  ASSERT_TRUE(b2.ok());
  const size_t packs = Objects("packs/").size();
  ASSERT_GE(packs, 2u);
  // Every index object lost: nothing can find its blobs.
  for (const std::string& o : Objects("index/")) std::filesystem::remove(StorePath(o));
  EXPECT_EQ(Verify("i1", Master(5)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(RebuildContainerIndex(*store_, kContainer, Master(6)).status().code(),
            StatusCode::kFailedPrecondition);
  auto r = RebuildContainerIndex(*store_, kContainer, Master(5));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->index_objects, 0);
  EXPECT_EQ(r->packs, static_cast<int>(packs));
  EXPECT_EQ(r->packs_indexed, static_cast<int>(packs));
  EXPECT_TRUE(r->removed.empty());
  EXPECT_TRUE(r->unreadable.empty());
  EXPECT_EQ(Objects("index/"), std::vector<std::string>{r->index_object});
  ASSERT_TRUE(Verify("i1", Master(5)).ok());
  ASSERT_TRUE(Verify("i2", Master(5)).ok());

  // Nothing to do the second time.
  auto again = RebuildContainerIndex(*store_, kContainer, Master(5));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->packs_indexed, 0);
  EXPECT_TRUE(again->index_object.empty());

  // A damaged index object: its packs are indexed again, then it is removed.
  const std::string damaged = r->index_object;
  std::string bad = ReadFile(StorePath(damaged));
  bad[bad.size() / 2] ^= 0x04;
  WriteFile(StorePath(damaged), bad);
  EXPECT_EQ(Verify("i2", Master(5)).status().code(), StatusCode::kDataLoss);
  auto repaired = RebuildContainerIndex(*store_, kContainer, Master(5));
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_EQ(repaired->removed, std::vector<std::string>{damaged});
  EXPECT_EQ(repaired->packs_indexed, static_cast<int>(packs));
  EXPECT_EQ(Objects("index/"), std::vector<std::string>{repaired->index_object});
  EXPECT_TRUE(Verify("i1", Master(5)).ok());
  EXPECT_TRUE(Verify("i2", Master(5)).ok());
}

TEST_F(V2VerifyTest, RotationRewrapsKeysOnlyAndIsIdempotent) {
  const std::string image = Image(5);
  ASSERT_TRUE(Backup(image, "r1", Master(1)).ok());
  std::map<std::string, std::string> before;
  for (const std::string& o : Objects("")) before[o] = ReadFile(StorePath(o));

  auto r = RewrapContainerKeys(*store_, kContainer, Master(1), Master(2));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rewrapped, 1);
  EXPECT_EQ(r->already_new, 0);
  // Only keys/1.key changed; packs, index and manifest are the same bytes.
  for (const auto& [name, bytes] : before) {
    if (name == "keys/1.key") {
      EXPECT_NE(ReadFile(StorePath(name)), bytes);
    } else {
      EXPECT_EQ(ReadFile(StorePath(name)), bytes) << name << " was rewritten";
    }
  }
  EXPECT_TRUE(Verify("r1", Master(2)).ok());
  auto old = Verify("r1", Master(1));
  EXPECT_EQ(old.status().code(), StatusCode::kFailedPrecondition) << old.status().ToString();

  // Again (an interrupted run finished): nothing to do.
  auto again = RewrapContainerKeys(*store_, kContainer, Master(1), Master(2));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rewrapped, 0);
  EXPECT_EQ(again->already_new, 1);
  // A third key that wrapped nothing here: refused, naming the container and the key ids.
  auto stranger = RewrapContainerKeys(*store_, kContainer, Master(3), Master(4));
  ASSERT_EQ(stranger.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stranger.status().message().find(kContainer), std::string::npos);
  EXPECT_NE(stranger.status().message().find(MasterKeyId(Master(3))), std::string::npos);
  EXPECT_TRUE(Verify("r1", Master(2)).ok());
}

TEST_F(V2VerifyTest, UnencryptedContainerHasNoKeysToRotate) {
  ASSERT_TRUE(Backup(Image(6), "u1").ok());
  auto r = RewrapContainerKeys(*store_, kContainer, Master(1), Master(2));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rewrapped + r->already_new, 0);
  EXPECT_TRUE(Verify("u1").ok());
}

}  // namespace
}  // namespace bb::v2
