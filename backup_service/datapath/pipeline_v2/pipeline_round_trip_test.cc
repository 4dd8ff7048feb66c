// RunV2Backup + RunV2Restore end to end: real files, a real posix store in a temp dir. Full,
// dedup'd second backup, scattered incremental, sparse volume, encryption on/off, damage of every
// kind of object, wrong keys, cancellation, and the memory bounds (queue sizes, not timing).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/pipeline_v2/backup_pipeline.h"
#include "backup_service/datapath/pipeline_v2/restore_pipeline.h"

namespace bb::v2 {
namespace {

using testing_util::RandomBytes;
using testing_util::ReadFile;
using testing_util::WriteFile;

// A mixed image like bench/gen_volume.c, in 256 KiB extents: random, zero, text-like; plus a
// tail that is not a whole chunk.
std::string MixedImage(size_t extents, uint32_t seed) {
  std::string out;
  for (size_t i = 0; i < extents; ++i) {
    switch ((i * 7 + seed) % 3) {
      case 0:
        out += RandomBytes(256 << 10, seed * 1000 + static_cast<uint32_t>(i));
        break;
      case 1:
        out += std::string(256 << 10, '\0');
        break;
      default: {
        std::string t;
        while (t.size() < (256 << 10)) {
          t += "2026-11-22T00:00:" + std::to_string(t.size() % 60) + " INFO volume " +
               std::to_string(i) + " line " + std::to_string(t.size()) + "\n";
        }
        out += t.substr(0, 256 << 10);
      }
    }
  }
  return out + RandomBytes(12288, seed + 7);
}

int64_t ZeroChunks(const std::string& image) {
  int64_t n = 0;
  for (size_t off = 0; off < image.size(); off += 32768) {
    std::string_view c = std::string_view(image).substr(off, 32768);
    if (c.find_first_not_of('\0') == std::string_view::npos) ++n;
  }
  return n;
}

void NewTarget(const std::string& path, int64_t size) {
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, size), 0);
  ::close(fd);
}

Key256 Master(uint8_t b) {
  Key256 k{};
  k.fill(b);
  return k;
}

class V2PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = CreateObjectStore("posix", {{"path", dir_.File("store")}});
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
  }

  Result<V2BackupResult> Backup(const std::string& image_path, const std::string& id,
                                bool encrypt = false, std::optional<Key256> key = std::nullopt) {
    auto dev = FileBlockDevice::Open(image_path, AccessMode::kReadOnly);
    if (!dev.ok()) return dev.status();
    V2BackupSpec spec;
    spec.source = dev->get();
    spec.store = store_.get();
    spec.container = "p1/backups";
    spec.header.backup_id = id;
    spec.header.project_id = "p1";
    spec.header.volume_id = "vol";
    spec.encrypt = encrypt;
    spec.master_key = key;
    spec.pack_target = 1 << 20;  // several packs from a few MiB
    spec.progress = progress_;
    spec.cancelled = cancelled_;
    return RunV2Backup(spec);
  }

  // Restores into a new sparse file of `size` bytes (known zero) or over `existing`.
  Result<V2RestoreResult> Restore(const std::string& id, const std::string& target, int64_t size,
                                  std::optional<Key256> key = std::nullopt, bool zeroed = true) {
    if (!std::filesystem::exists(target)) {
      int fd = ::open(target.c_str(), O_CREAT | O_WRONLY, 0600);
      if (fd < 0 || ::ftruncate(fd, size) != 0) return Status::Internal("create target");
      ::close(fd);
    }
    auto dev = FileBlockDevice::Open(target, AccessMode::kReadWrite);
    if (!dev.ok()) return dev.status();
    V2RestoreSpec spec;
    spec.store = store_.get();
    spec.container = "p1/backups";
    spec.backup_id = id;
    spec.target = dev->get();
    spec.target_is_zeroed = zeroed;
    spec.master_key = key;
    spec.write_window = 16;
    spec.ranged_reads = ranged_;
    auto r = RunV2Restore(spec);
    Status closed = (*dev)->Close();
    if (r.ok() && !closed.ok()) return closed;
    return r;
  }

  std::string StorePath(const std::string& name) { return dir_.File("store/p1/backups/" + name); }
  std::vector<std::string> Objects(const std::string& prefix) {
    auto l = store_->List("p1/backups", prefix);
    EXPECT_TRUE(l.ok());
    return l.ok() ? *l : std::vector<std::string>{};
  }

  testing_util::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
  ProgressObserver progress_;
  CancelFn cancelled_;
  void CheckDamage(const std::string& id, uint32_t seed);
  bool ranged_ = true;  // restores read single blobs (posix GetRange) unless a test says not
};

TEST_F(V2PipelineTest, FullThenDedupedThenIncrementalEachRestoresAlone) {
  const std::string image = MixedImage(24, 1);  // 6 MiB + 12 KiB
  WriteFile(dir_.File("vol"), image);
  std::vector<PipelineProgress> seen;
  progress_ = [&](const PipelineProgress& p) { seen.push_back(p); };
  auto full = Backup(dir_.File("vol"), "b1");
  ASSERT_TRUE(full.ok()) << full.status().message();
  EXPECT_EQ(full->chunks_total, static_cast<int64_t>((image.size() + 32767) / 32768));
  EXPECT_EQ(full->chunks_zero, ZeroChunks(image));
  EXPECT_GT(full->chunks_new, 0);
  EXPECT_GE(full->packs, 2);
  EXPECT_EQ(full->object_count, full->packs + 2);                     // packs, index, manifest
  EXPECT_LT(full->stored_bytes, static_cast<int64_t>(image.size()));  // text compressed
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().bytes_done, static_cast<int64_t>(image.size()));
  EXPECT_EQ(seen.back().bytes_total, static_cast<int64_t>(image.size()));
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].bytes_done, seen[i - 1].bytes_done);
  progress_ = nullptr;

  // The same volume again: nothing new but the manifest.
  auto again = Backup(dir_.File("vol"), "b2");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->chunks_new, 0);
  EXPECT_EQ(again->packs, 0);
  EXPECT_TRUE(again->index_object.empty());
  EXPECT_EQ(again->object_count, 1);
  EXPECT_GT(again->stats.known_ids, 0u);

  // 1% scattered 4 KiB writes: only the touched chunks (and their chunk lists) are stored.
  std::string changed = image;
  for (size_t off = 4096 * 3; off + 4096 <= changed.size(); off += 4096 * 97) {
    std::string w = RandomBytes(4096, static_cast<uint32_t>(off));
    changed.replace(off, 4096, w);
  }
  WriteFile(dir_.File("vol2"), changed);
  auto incr = Backup(dir_.File("vol2"), "b3");
  ASSERT_TRUE(incr.ok()) << incr.status().message();
  EXPECT_LE(incr->chunks_new, 17);  // 16 writes, one of which may fall on the short tail
  EXPECT_GE(incr->chunks_new, 15);
  EXPECT_LT(incr->stored_bytes, 17 * 33000 + 100000);

  for (auto [id, want] : {std::pair{"b1", &image}, {"b2", &image}, {"b3", &changed}}) {
    const std::string target = dir_.File(std::string("r-") + id);
    auto r = Restore(id, target, static_cast<int64_t>(want->size()));
    ASSERT_TRUE(r.ok()) << id << ": " << r.status().message();
    EXPECT_EQ(ReadFile(target), *want) << id;
    EXPECT_EQ(r->chunks_zero, ZeroChunks(*want));
    EXPECT_EQ(r->bytes_written, static_cast<int64_t>(want->size()) - ZeroChunks(*want) * 32768);
    EXPECT_LE(r->peak_window, 16u);
    EXPECT_EQ(r->packs_fetched, 0);  // posix reads single blobs
    EXPECT_GT(r->ranged_reads, 0);
  }
}

TEST_F(V2PipelineTest, RestoreOverOldDataWritesZeroChunks) {
  const std::string image = MixedImage(6, 2);
  WriteFile(dir_.File("vol"), image);
  ASSERT_TRUE(Backup(dir_.File("vol"), "b1").ok());
  WriteFile(dir_.File("old"), std::string(image.size(), '\x5a'));
  auto r = Restore("b1", dir_.File("old"), 0, std::nullopt, /*zeroed=*/false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(ReadFile(dir_.File("old")), image);
  EXPECT_EQ(r->bytes_written, static_cast<int64_t>(image.size()));
}

TEST_F(V2PipelineTest, SparseVolumeReadsOnlyItsDataAndRestoresHoles) {
  const std::string path = dir_.File("sparse");
  const int64_t size = 100 << 20;
  const std::string data = MixedImage(4, 3);
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, size), 0);
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), 70 << 20), static_cast<ssize_t>(data.size()));
  ::close(fd);
  auto b = Backup(path, "s1");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_LE(b->bytes_read, 2 << 20);  // 1 MiB spans around the data, nothing else
  auto r = Restore("s1", dir_.File("sparse-r"), size);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(ReadFile(dir_.File("sparse-r")), ReadFile(path));
  struct stat st {};
  ASSERT_EQ(::stat(dir_.File("sparse-r").c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, 4 << 20);  // the zero chunks stayed holes
}

TEST_F(V2PipelineTest, EncryptedBackupRestoresWithTheKeyOnly) {
  const std::string image = MixedImage(12, 4);
  WriteFile(dir_.File("vol"), image);
  auto b = Backup(dir_.File("vol"), "e1", true, Master(1));
  ASSERT_TRUE(b.ok()) << b.status().message();
  // No plaintext in any stored object.
  for (const std::string& name : Objects("")) {
    EXPECT_EQ(ReadFile(StorePath(name)).find("INFO volume"), std::string::npos) << name;
  }
  auto r = Restore("e1", dir_.File("r"), static_cast<int64_t>(image.size()), Master(1));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(ReadFile(dir_.File("r")), image);

  // A wrong master key is refused before anything is written: the target keeps its bytes.
  const std::string old(image.size(), '\x33');
  WriteFile(dir_.File("keep"), old);
  auto wrong = Restore("e1", dir_.File("keep"), 0, Master(2), false);
  EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFile(dir_.File("keep")), old);
  EXPECT_EQ(Restore("e1", dir_.File("keep"), 0, std::nullopt, false).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFile(dir_.File("keep")), old);
  // And a backup with the wrong key writes nothing.
  const size_t objects = Objects("").size();
  EXPECT_EQ(Backup(dir_.File("vol"), "e2", true, Master(2)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Objects("").size(), objects);
  // A second encrypted backup dedups against the first.
  auto b2 = Backup(dir_.File("vol"), "e3", true, Master(1));
  ASSERT_TRUE(b2.ok());
  EXPECT_EQ(b2->chunks_new, 0);
}

TEST_F(V2PipelineTest, DamagedPackIndexOrManifestIsDataLossNamingIt) {
  for (bool ranged : {true, false}) {
    SCOPED_TRACE(ranged ? "ranged reads" : "whole packs");
    ranged_ = ranged;
    CheckDamage(ranged ? "d1" : "d2", ranged ? 5 : 6);
  }
}

void V2PipelineTest::CheckDamage(const std::string& id, uint32_t seed) {
  const std::string image = MixedImage(12, seed);
  ASSERT_TRUE(store_->EnsureContainer("p1/backups").ok());
  const std::vector<std::string> packs_before = Objects("packs/");
  WriteFile(dir_.File("vol-" + id), image);
  auto b = Backup(dir_.File("vol-" + id), id);
  ASSERT_TRUE(b.ok()) << b.status().message();
  std::string pack;  // one of this backup's packs
  for (const std::string& p : Objects("packs/")) {
    if (std::find(packs_before.begin(), packs_before.end(), p) == packs_before.end()) pack = p;
  }
  ASSERT_FALSE(pack.empty());
  const std::string pack_bytes = ReadFile(StorePath(pack));
  auto expect_loss = [&](const std::string& object) {
    auto r =
        Restore(id, dir_.File("t-" + std::to_string(rand())), static_cast<int64_t>(image.size()));
    ASSERT_FALSE(r.ok()) << object;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().message();
    EXPECT_NE(r.status().message().find("backup " + id), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(object), std::string::npos) << r.status().message();
  };
  // A flipped byte in a blob's payload (the middle of the pack).
  std::string bad = pack_bytes;
  bad[bad.size() / 2] ^= 0x40;
  WriteFile(StorePath(pack), bad);
  expect_loss(pack);
  // A truncated pack (half of it gone).
  WriteFile(StorePath(pack), pack_bytes.substr(0, pack_bytes.size() / 2));
  expect_loss(pack);
  // A missing pack.
  std::filesystem::remove(StorePath(pack));
  expect_loss(pack);
  WriteFile(StorePath(pack), pack_bytes);
  ASSERT_TRUE(Restore(id, dir_.File("ok-" + id), static_cast<int64_t>(image.size())).ok());
  // A damaged index.
  const std::string index = b->index_object;
  const std::string index_bytes = ReadFile(StorePath(index));
  bad = index_bytes;
  bad[bad.size() / 3] ^= 0x01;
  WriteFile(StorePath(index), bad);
  expect_loss(index);
  WriteFile(StorePath(index), index_bytes);
  // A damaged and a truncated manifest.
  const std::string manifest = b->manifest_object;
  const std::string manifest_bytes = ReadFile(StorePath(manifest));
  bad = manifest_bytes;
  bad[bad.size() - 40] ^= 0x01;
  WriteFile(StorePath(manifest), bad);
  expect_loss(manifest);
  WriteFile(StorePath(manifest), manifest_bytes.substr(0, manifest_bytes.size() / 2));
  expect_loss(manifest);
}

TEST_F(V2PipelineTest, DamagedEncryptedObjectsAreDataLoss) {
  const std::string image = MixedImage(6, 6);
  WriteFile(dir_.File("vol"), image);
  auto b = Backup(dir_.File("vol"), "x1", true, Master(9));
  ASSERT_TRUE(b.ok());
  for (const std::string& object :
       {Objects("packs/").front(), b->index_object, b->manifest_object}) {
    const std::string good = ReadFile(StorePath(object));
    std::string bad = good;
    bad[bad.size() / 2] ^= 0x08;
    WriteFile(StorePath(object), bad);
    auto r = Restore("x1", dir_.File("t-" + std::to_string(rand())),
                     static_cast<int64_t>(image.size()), Master(9));
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << object << ": " << r.status().message();
    EXPECT_NE(r.status().message().find(object), std::string::npos) << r.status().message();
    WriteFile(StorePath(object), good);
  }
}

TEST_F(V2PipelineTest, CancelledBackupWritesNoManifest) {
  WriteFile(dir_.File("vol"), MixedImage(24, 7));
  std::atomic<int> calls{0};
  progress_ = [&](const PipelineProgress&) { ++calls; };
  cancelled_ = [&] { return calls.load() >= 20; };
  auto b = Backup(dir_.File("vol"), "c1");
  EXPECT_EQ(b.status().code(), StatusCode::kCancelled);
  EXPECT_TRUE(Objects("manifests/").empty());
  EXPECT_TRUE(Objects("index/").empty());
}

TEST_F(V2PipelineTest, AFailedPackPutFailsTheJobWithoutAManifest) {
  WriteFile(dir_.File("vol"), MixedImage(24, 9));
  ASSERT_TRUE(store_->EnsureContainer("p1/backups").ok());
  // A regular file where packs/ must be a directory: every pack Put fails.
  WriteFile(StorePath("packs"), "not a directory");
  auto b = Backup(dir_.File("vol"), "f1");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("packs/"), std::string::npos) << b.status().message();
  EXPECT_TRUE(Objects("manifests/").empty());
  EXPECT_TRUE(Objects("index/").empty());
}

TEST_F(V2PipelineTest, CancelledRestoreStops) {
  const std::string image = MixedImage(24, 10);
  WriteFile(dir_.File("vol"), image);
  ASSERT_TRUE(Backup(dir_.File("vol"), "c2").ok());
  auto dev = FileBlockDevice::Open(dir_.File("vol"), AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok());
  NewTarget(dir_.File("t"), static_cast<int64_t>(image.size()));
  auto target = FileBlockDevice::Open(dir_.File("t"), AccessMode::kReadWrite);
  ASSERT_TRUE(target.ok());
  std::atomic<int> calls{0};
  V2RestoreSpec spec;
  spec.store = store_.get();
  spec.container = "p1/backups";
  spec.backup_id = "c2";
  spec.target = target->get();
  spec.target_is_zeroed = true;
  spec.progress = [&](const PipelineProgress&) { ++calls; };
  spec.cancelled = [&] { return calls.load() >= 10; };
  auto r = RunV2Restore(spec);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().message();
}

TEST_F(V2PipelineTest, MemoryIsBoundedByTheQueuesNotTheVolume) {
  const std::string image = MixedImage(160, 8);  // 40 MiB: two segments, many packs
  WriteFile(dir_.File("vol"), image);
  auto dev = FileBlockDevice::Open(dir_.File("vol"), AccessMode::kReadOnly);
  ASSERT_TRUE(dev.ok());
  V2BackupSpec spec;
  spec.source = dev->get();
  spec.store = store_.get();
  spec.container = "p1/backups";
  spec.header.backup_id = "m1";
  spec.header.project_id = "p1";
  spec.header.volume_id = "vol";
  spec.pack_target = 1 << 20;
  spec.read_queue = 2;
  spec.workers = 2;
  spec.max_puts = 2;
  auto b = RunV2Backup(spec);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_GE(b->packs, 10);
  // Read spans alive: at most one per queue slot, one per worker, one being pushed.
  EXPECT_LE(b->stats.peak_batch_bytes,
            static_cast<int64_t>(spec.read_queue + 2 + 1) * spec.read_size);
  EXPECT_GT(b->stats.peak_batch_bytes, 0);
  EXPECT_LE(b->stats.peak_packs_in_memory, spec.max_puts + 1);
  EXPECT_LE(b->stats.peak_open_segments, 2u);
  ranged_ = false;  // whole packs through the bounded cache
  auto r = Restore("m1", dir_.File("r"), static_cast<int64_t>(image.size()));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_LE(r->peak_window, 16u);
  EXPECT_EQ(r->ranged_reads, 0);
  EXPECT_GE(r->packs_fetched, b->packs);
  EXPECT_EQ(ReadFile(dir_.File("r")), image);
}

}  // namespace
}  // namespace bb::v2
