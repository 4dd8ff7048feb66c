// End-to-end tests of RunBackupJob + RunRestoreJob + DeleteBackupData on a 40 MiB volume of mixed
// random, zero and text data, against the memory store and the posix store.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <set>

#include "backup_service/datapath/backup_job.h"
#include "backup_service/datapath/chunk_store.h"
#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/hasher.h"
#include "backup_service/datapath/manifest.h"
#include "backup_service/datapath/restore_job.h"
#include "backup_service/object_stores/memory_store.h"
#include "backup_service/object_stores/posix_store.h"

namespace bb {
namespace {

using testing_util::ReadFile;
using testing_util::TempDir;
using testing_util::WriteFile;

constexpr int64_t kChunk = 1 << 20;
constexpr int64_t kSize = 40 * kChunk + 12345;  // short last chunk
const std::string kContainer = "project1/backups";

// Region i (1 MiB): 0 random, 1 zeros, 2 text (identical in every such region: dedup within one
// backup), 3 random with a zero half.
std::string MakeVolume() {
  std::string text;
  while (static_cast<int64_t>(text.size()) < kChunk) text += "the quick brown fox jumps 0123\n";
  text.resize(kChunk);
  std::string v;
  v.reserve(kSize);
  for (int i = 0; v.size() < static_cast<size_t>(kSize); ++i) {
    switch (i % 4) {
      case 0:
        v += testing_util::RandomBytes(kChunk, 100 + i);
        break;
      case 1:
        v += std::string(kChunk, '\0');
        break;
      case 2:
        v += text;
        break;
      case 3:
        v += testing_util::RandomBytes(kChunk / 2, 100 + i) + std::string(kChunk / 2, '\0');
    }
  }
  v.resize(kSize);
  return v;
}

class BackupRestoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "posix") {
      store_ = std::make_unique<PosixStore>(dir_.File("store"));
    } else {
      store_ = std::make_unique<MemoryStore>();
    }
    volume_ = MakeVolume();
    WriteFile(dir_.File("vol"), volume_);
  }

  BackupJobSpec Spec(const std::string& id) {
    BackupJobSpec s;
    s.source_path = dir_.File("vol");
    s.size_bytes = kSize;
    s.store = store_.get();
    s.container = kContainer;
    s.backup_id = id;
    s.volume_id = "vol-1";
    s.chunk_size = kChunk;
    s.workers = 3;
    return s;
  }

  // Restores into a target pre-filled with 0xAB garbage (or a sparse zeroed file) and returns
  // the restored bytes.
  Result<std::string> Restore(const std::string& manifest, bool zeroed = false) {
    const std::string target = dir_.File("target");
    if (zeroed) {
      ::unlink(target.c_str());
      int fd = ::open(target.c_str(), O_WRONLY | O_CREAT, 0644);
      if (fd < 0 || ::ftruncate(fd, kSize) != 0) return Status::Internal("target setup");
      ::close(fd);
    } else {
      WriteFile(target, std::string(kSize, '\xab'));
    }
    RestoreJobSpec r;
    r.store = store_.get();
    r.container = kContainer;
    r.manifest_object = manifest;
    r.target_path = target;
    r.target_size_bytes = kSize;
    r.target_is_zeroed = zeroed;
    r.workers = 3;
    auto result = RunRestoreJob(r);
    if (!result.ok()) return result.status();
    EXPECT_EQ(result->bytes_written, kSize);
    EXPECT_EQ(result->chunks, 41);
    return ReadFile(target);
  }

  size_t Count(const std::string& prefix) { return store_->List(kContainer, prefix)->size(); }

  TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
  std::string volume_;
};

TEST_P(BackupRestoreTest, FullBackupRestoresBitExact) {
  // Expected counts from the data itself.
  std::set<std::string> distinct;
  int64_t zero = 0;
  for (int64_t off = 0; off < kSize; off += kChunk) {
    std::string piece = volume_.substr(off, kChunk);
    if (piece.find_first_not_of('\0') == std::string::npos) {
      ++zero;
    } else {
      distinct.insert(Sha256Hex(piece));
    }
  }
  ASSERT_EQ(zero, 10);  // the 1 MiB zero regions
  int64_t last_done = -1, calls = 0;
  BackupJobSpec spec = Spec("b1");
  spec.progress = [&](int64_t done, int64_t total) {
    EXPECT_GT(done, last_done);
    EXPECT_EQ(total, kSize);
    last_done = done;
    ++calls;
  };
  auto r = RunBackupJob(spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->manifest_object, "manifests/b1.json");
  EXPECT_EQ(r->chunks_total, 41);
  EXPECT_EQ(r->chunks_zero, zero);
  EXPECT_EQ(r->chunks_new, static_cast<int64_t>(distinct.size()));
  EXPECT_EQ(r->chunks_reused, 41 - zero - static_cast<int64_t>(distinct.size()));
  EXPECT_GT(r->chunks_reused, 0);  // the repeated text regions
  EXPECT_EQ(r->object_count, r->chunks_new + 1);
  EXPECT_GT(r->stored_bytes, 0);
  EXPECT_LT(r->stored_bytes, kSize - zero * kChunk);  // text compressed, zeros not stored
  EXPECT_GT(r->bytes_read, 0);
  EXPECT_LE(r->bytes_read, kSize);
  EXPECT_GE(r->seconds, 0);
  EXPECT_EQ(last_done, kSize);
  EXPECT_EQ(calls, 41);
  // Zero chunks are not stored: exactly the distinct non-zero chunks exist.
  EXPECT_EQ(Count("chunks/"), distinct.size());
  for (const auto& id : distinct) EXPECT_TRUE(*store_->Exists(kContainer, ChunkObjectName(id)));

  auto restored = Restore(r->manifest_object);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  ASSERT_EQ(restored->size(), volume_.size());
  EXPECT_TRUE(*restored == volume_);
  auto sparse = Restore(r->manifest_object, /*zeroed=*/true);
  ASSERT_TRUE(sparse.ok()) << sparse.status().ToString();
  EXPECT_TRUE(*sparse == volume_);
}

TEST_P(BackupRestoreTest, SecondBackupOfUnchangedDataUploadsNothing) {
  ASSERT_TRUE(RunBackupJob(Spec("b1")).ok());
  size_t chunks = Count("chunks/");
  auto r = RunBackupJob(Spec("b2"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->chunks_new, 0);
  EXPECT_EQ(r->object_count, 1);  // the manifest only
  EXPECT_EQ(r->chunks_reused, r->chunks_total - r->chunks_zero);
  EXPECT_EQ(Count("chunks/"), chunks);
  EXPECT_EQ(Count("manifests/"), 2u);
}

TEST_P(BackupRestoreTest, IncrementalAfterOneBlockChangeUploadsOneChunk) {
  auto full = RunBackupJob(Spec("b1"));
  ASSERT_TRUE(full.ok());
  std::string changed = volume_;
  std::string block = testing_util::RandomBytes(4096, 777);
  changed.replace(8 * kChunk + 8192, 4096, block);
  WriteFile(dir_.File("vol"), changed);
  BackupJobSpec spec = Spec("b2");
  spec.parent_id = "b1";
  spec.parent_manifest_object = full->manifest_object;
  auto inc = RunBackupJob(spec);
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  EXPECT_EQ(inc->chunks_new, 1);
  EXPECT_EQ(inc->object_count, 2);
  auto manifest = LoadManifest(*store_, kContainer, inc->manifest_object);
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(manifest->parent_id, "b1");
  // Each backup restores on its own.
  auto r2 = Restore(inc->manifest_object);
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(*r2 == changed);
  auto r1 = Restore(full->manifest_object);
  ASSERT_TRUE(r1.ok());
  EXPECT_TRUE(*r1 == volume_);
}

TEST_P(BackupRestoreTest, MissingParentOnlyCostsExistenceChecks) {
  auto full = RunBackupJob(Spec("b1"));
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  BackupJobSpec spec = Spec("b2");
  spec.parent_id = "gone";
  spec.parent_manifest_object = "manifests/gone.json";  // deleted before this job started
  auto inc = RunBackupJob(spec);
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  EXPECT_EQ(inc->chunks_new, 0);  // found in the store instead of in the parent's manifest
  EXPECT_EQ(inc->chunks_reused, full->chunks_new + full->chunks_reused);
  auto restored = Restore(inc->manifest_object);
  ASSERT_TRUE(restored.ok());
  EXPECT_TRUE(*restored == volume_);
}

TEST_P(BackupRestoreTest, CancelledBackupWritesNoManifest) {
  BackupJobSpec spec = Spec("b1");
  int polls = 0;
  spec.cancelled = [&] { return ++polls > 5; };
  auto r = RunBackupJob(spec);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(Count("manifests/"), 0u);
  EXPECT_FALSE(*store_->Exists(kContainer, "manifests/b1.json"));
  EXPECT_LT(Count("chunks/"), 20u);  // stopped early
}

TEST_P(BackupRestoreTest, FailedBackupWritesNoManifest) {
  BackupJobSpec spec = Spec("b1");
  WriteFile(dir_.File("vol"), volume_.substr(0, kSize / 2));  // source shorter than the volume
  EXPECT_EQ(RunBackupJob(spec).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("manifests/"), 0u);
}

TEST_P(BackupRestoreTest, CorruptChunkFailsRestoreWithDataLoss) {
  auto r = RunBackupJob(Spec("b1"));
  ASSERT_TRUE(r.ok());
  auto chunks = store_->List(kContainer, "chunks/");
  ASSERT_TRUE(chunks.ok());
  ASSERT_FALSE(chunks->empty());
  const std::string victim = (*chunks)[chunks->size() / 2];
  auto obj = store_->Get(kContainer, victim);
  ASSERT_TRUE(obj.ok());
  std::string bad = *obj;
  bad[bad.size() - 7] ^= 0x10;
  ASSERT_TRUE(store_->Put(kContainer, victim, bad).ok());
  auto restored = Restore(r->manifest_object);
  EXPECT_EQ(restored.status().code(), StatusCode::kDataLoss) << restored.status().ToString();
}

TEST_P(BackupRestoreTest, RestoreChecksTarget) {
  auto r = RunBackupJob(Spec("b1"));
  ASSERT_TRUE(r.ok());
  RestoreJobSpec spec;
  spec.store = store_.get();
  spec.container = kContainer;
  spec.manifest_object = r->manifest_object;
  spec.target_path = dir_.File("small");
  WriteFile(spec.target_path, "x");
  spec.target_size_bytes = kSize - 1;
  auto small = RunRestoreJob(spec);
  EXPECT_EQ(small.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(small.status().message().find(std::to_string(kSize - 1)), std::string::npos);
  EXPECT_NE(small.status().message().find(std::to_string(kSize)), std::string::npos);
  spec.target_path = dir_.File("missing");
  spec.target_size_bytes = kSize;
  EXPECT_EQ(RunRestoreJob(spec).status().code(), StatusCode::kNotFound);  // never O_CREAT
  spec.manifest_object = "manifests/none.json";
  EXPECT_EQ(RunRestoreJob(spec).status().code(), StatusCode::kNotFound);
}

TEST_P(BackupRestoreTest, RestoreCancellation) {
  auto r = RunBackupJob(Spec("b1"));
  ASSERT_TRUE(r.ok());
  WriteFile(dir_.File("target"), std::string(kSize, '\0'));
  RestoreJobSpec spec;
  spec.store = store_.get();
  spec.container = kContainer;
  spec.manifest_object = r->manifest_object;
  spec.target_path = dir_.File("target");
  spec.target_size_bytes = kSize;
  int polls = 0;
  spec.cancelled = [&] { return ++polls > 3; };
  EXPECT_EQ(RunRestoreJob(spec).status().code(), StatusCode::kCancelled);
}

TEST_P(BackupRestoreTest, DeleteKeepsSharedChunks) {
  auto b1 = RunBackupJob(Spec("b1"));
  ASSERT_TRUE(b1.ok());
  std::string changed = volume_;
  changed.replace(4 * kChunk + 100, 4096, testing_util::RandomBytes(4096, 55));
  WriteFile(dir_.File("vol"), changed);
  BackupJobSpec spec = Spec("b2");
  spec.parent_manifest_object = b1->manifest_object;
  auto b2 = RunBackupJob(spec);
  ASSERT_TRUE(b2.ok());
  ASSERT_EQ(b2->chunks_new, 1);
  // An orphan from a failed job is collected too.
  ASSERT_TRUE(store_->Put(kContainer, ChunkObjectName(Sha256Hex("orphan")), "x").ok());
  size_t before = Count("chunks/");

  auto gc = DeleteBackupData(*store_, kContainer, b1->manifest_object);
  ASSERT_TRUE(gc.ok()) << gc.status().ToString();
  EXPECT_EQ(gc->chunks_deleted, 2);  // b1's version of region 4 + the orphan
  EXPECT_EQ(Count("chunks/"), before - 2);
  EXPECT_EQ(Count("manifests/"), 1u);
  auto restored = Restore(b2->manifest_object);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_TRUE(*restored == changed);

  // Idempotent retry, then deleting the last backup empties the container.
  auto again = DeleteBackupData(*store_, kContainer, b1->manifest_object);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->chunks_deleted, 0);
  ASSERT_TRUE(DeleteBackupData(*store_, kContainer, b2->manifest_object).ok());
  EXPECT_EQ(Count("chunks/"), 0u);
  EXPECT_EQ(Count("manifests/"), 0u);
}

TEST_P(BackupRestoreTest, GcStopsOnUnreadableManifest) {
  ASSERT_TRUE(RunBackupJob(Spec("b1")).ok());
  ASSERT_TRUE(store_->Put(kContainer, "manifests/broken.json", "{").ok());
  size_t before = Count("chunks/");
  EXPECT_FALSE(DeleteBackupData(*store_, kContainer, "manifests/b1.json").ok());
  EXPECT_EQ(Count("chunks/"), before);
}

INSTANTIATE_TEST_SUITE_P(Stores, BackupRestoreTest, ::testing::Values("memory", "posix"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace bb
