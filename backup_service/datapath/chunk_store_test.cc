// Tests for ChunkStore: naming, dedup via the known set and via Exists, exact new/reused counts
// under concurrency, verified Get.
#include "backup_service/datapath/chunk_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "backup_service/datapath/hasher.h"
#include "backup_service/object_stores/memory_store.h"

namespace bb {
namespace {

const std::string kContainer = "p/backups";

TEST(ChunkStoreTest, ObjectNames) {
  std::string id = Sha256Hex("a");
  EXPECT_EQ(ChunkObjectName(id), "chunks/" + id.substr(0, 2) + "/" + id);
  EXPECT_EQ(ChunkIdFromObjectName(ChunkObjectName(id)), id);
  EXPECT_EQ(ChunkIdFromObjectName("chunks/zz/" + id), "");
  EXPECT_EQ(ChunkIdFromObjectName("manifests/x.json"), "");
  EXPECT_EQ(ChunkIdFromObjectName("chunks/" + id.substr(0, 2) + "/" + id + "x"), "");
}

TEST(ChunkStoreTest, PutOnceThenReuse) {
  MemoryStore mem;
  ASSERT_TRUE(mem.EnsureContainer(kContainer).ok());
  std::string data(100000, 'z');
  std::string id = Sha256Hex(data);
  {
    ChunkStore cs(&mem, kContainer);
    auto first = cs.Put(id, data, 3);
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(first->is_new);
    EXPECT_GT(first->stored_bytes, 0);
    EXPECT_LT(first->stored_bytes, 1000);  // compressed
    auto second = cs.Put(id, data, 3);     // known set
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second->is_new);
    EXPECT_EQ(second->stored_bytes, 0);
  }
  ChunkStore fresh(&mem, kContainer);  // no known set: Exists finds it
  auto third = fresh.Put(id, data, 3);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->is_new);
  EXPECT_EQ(mem.put_count(), 1);
  auto got = fresh.Get(id, data.size());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, data);
}

TEST(ChunkStoreTest, KnownSetSkipsUploadEvenIfAbsent) {
  MemoryStore mem;
  ASSERT_TRUE(mem.EnsureContainer(kContainer).ok());
  std::string id = Sha256Hex("parent chunk");
  ChunkStore cs(&mem, kContainer, {id});
  auto r = cs.Put(id, "parent chunk", 3);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->is_new);
  EXPECT_EQ(mem.put_count(), 0);
}

TEST(ChunkStoreTest, ConcurrentSameChunkCountsOneNew) {
  MemoryStore mem;
  ASSERT_TRUE(mem.EnsureContainer(kContainer).ok());
  ChunkStore cs(&mem, kContainer);
  std::string data(1 << 16, 'k');
  std::string id = Sha256Hex(data);
  std::atomic<int> news{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = cs.Put(id, data, 1);
      ASSERT_TRUE(r.ok());
      news += r->is_new ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(news.load(), 1);
  EXPECT_EQ(mem.put_count(), 1);
}

TEST(ChunkStoreTest, GetMissingAndCorrupt) {
  MemoryStore mem;
  ASSERT_TRUE(mem.EnsureContainer(kContainer).ok());
  ChunkStore cs(&mem, kContainer);
  std::string id = Sha256Hex("data");
  EXPECT_EQ(cs.Get(id, 4).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(cs.Put(id, "data", 0).ok());
  auto obj = mem.Get(kContainer, ChunkObjectName(id));
  ASSERT_TRUE(obj.ok());
  std::string bad = *obj;
  bad.back() ^= 1;
  mem.SetRawForTest(kContainer, ChunkObjectName(id), bad);
  EXPECT_EQ(cs.Get(id, 4).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace bb
