// ObjectStore conformance cases (see object_store_conformance.h). Every case uses real data and
// real assertions; a store that breaks the contract fails here.
#include "tests/conformance/object_store_conformance.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace bb {
namespace {

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Directories handed out by NewTempDirForTest, removed when the test binary exits.
struct TempDirs {
  std::mutex mu;
  std::vector<std::string> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
};
TempDirs& Dirs() {
  static TempDirs dirs;
  return dirs;
}

}  // namespace

std::string ObjectStoreFactoryName(const ::testing::TestParamInfo<ObjectStoreFactory>& info) {
  return info.param.name;
}

std::string NewTempDirForTest(const std::string& tag) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/bb-" + tag + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return "";
  std::lock_guard lock(Dirs().mu);
  Dirs().dirs.push_back(tmpl);
  return tmpl;
}

void ObjectStoreConformance::SetUp() {
  store_ = GetParam().make();
  ASSERT_NE(store_, nullptr);
  ASSERT_TRUE(store_->EnsureContainer(container_).ok());
  // Idempotent.
  ASSERT_TRUE(store_->EnsureContainer(container_).ok());
}

TEST_P(ObjectStoreConformance, PutGetExistsDeleteList) {
  EXPECT_FALSE(store_->Name().empty());
  ASSERT_TRUE(store_->Put(container_, "dir/obj", "payload").ok());
  auto got = store_->Get(container_, "dir/obj");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "payload");
  auto exists = store_->Exists(container_, "dir/obj");
  ASSERT_TRUE(exists.ok());
  EXPECT_TRUE(*exists);
  auto names = store_->List(container_, "");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"dir/obj"});
  ASSERT_TRUE(store_->Delete(container_, "dir/obj").ok());
  EXPECT_FALSE(*store_->Exists(container_, "dir/obj"));
  EXPECT_EQ(store_->Get(container_, "dir/obj").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->List(container_, "")->empty());
}

TEST_P(ObjectStoreConformance, EmptyObject) {
  ASSERT_TRUE(store_->Put(container_, "empty", "").ok());
  auto got = store_->Get(container_, "empty");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
  EXPECT_TRUE(*store_->Exists(container_, "empty"));
}

TEST_P(ObjectStoreConformance, OverwriteReplaces) {
  ASSERT_TRUE(store_->Put(container_, "o", std::string(1000, 'a')).ok());
  ASSERT_TRUE(store_->Put(container_, "o", "short").ok());
  EXPECT_EQ(*store_->Get(container_, "o"), "short");
  EXPECT_EQ(store_->List(container_, "")->size(), 1u);
}

TEST_P(ObjectStoreConformance, MissingObjectNotFound) {
  EXPECT_EQ(store_->Get(container_, "missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Get(container_, "no/such/dir").status().code(), StatusCode::kNotFound);
  auto exists = store_->Exists(container_, "missing");
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
}

TEST_P(ObjectStoreConformance, DeleteMissingIsOk) {
  EXPECT_TRUE(store_->Delete(container_, "missing").ok());
  EXPECT_TRUE(store_->Delete(container_, "no/such/dir").ok());
  ASSERT_TRUE(store_->Put(container_, "x", "1").ok());
  EXPECT_TRUE(store_->Delete(container_, "x").ok());
  EXPECT_TRUE(store_->Delete(container_, "x").ok());
}

TEST_P(ObjectStoreConformance, ContainersAreSeparate) {
  ASSERT_TRUE(store_->EnsureContainer("project2/backups").ok());
  ASSERT_TRUE(store_->Put(container_, "same", "one").ok());
  ASSERT_TRUE(store_->Put("project2/backups", "same", "two").ok());
  EXPECT_EQ(*store_->Get(container_, "same"), "one");
  EXPECT_EQ(*store_->Get("project2/backups", "same"), "two");
  ASSERT_TRUE(store_->Delete("project2/backups", "same").ok());
  EXPECT_EQ(*store_->Get(container_, "same"), "one");
}

// Optional capability: the containers of the "<project>/<container>" scheme (depth 2).
TEST_P(ObjectStoreConformance, ListContainersByDepth) {
  auto listed = store_->ListContainers(2);
  if (listed.status().code() == StatusCode::kUnimplemented) GTEST_SKIP() << "no ListContainers";
  ASSERT_TRUE(store_->EnsureContainer("project2/backups").ok());
  ASSERT_TRUE(store_->EnsureContainer("project2/other").ok());
  ASSERT_TRUE(store_->Put("project2/other", "keys/1.key", "k").ok());
  listed = store_->ListContainers(2);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> expected = {container_, "project2/backups", "project2/other"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*listed, expected);
}

TEST_P(ObjectStoreConformance, ListPrefixThousandsSorted) {
  constexpr int kKeys = 2000;
  std::vector<std::string> expected;
  std::mt19937 rng(7);
  std::vector<int> order(kKeys);
  for (int i = 0; i < kKeys; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);  // insertion order must not matter
  for (int i : order) {
    char name[64];
    std::snprintf(name, sizeof(name), "chunks/%02x/key-%05d", i % 256, i);
    ASSERT_TRUE(store_->Put(container_, name, std::to_string(i)).ok()) << name;
    expected.push_back(name);
  }
  ASSERT_TRUE(store_->Put(container_, "manifests/b1.json", "{}").ok());
  ASSERT_TRUE(store_->Put(container_, "chunksx", "not under chunks/").ok());
  std::sort(expected.begin(), expected.end());

  auto chunks = store_->List(container_, "chunks/");
  ASSERT_TRUE(chunks.ok()) << chunks.status().ToString();
  EXPECT_EQ(*chunks, expected);

  auto one_dir = store_->List(container_, "chunks/0a/");
  ASSERT_TRUE(one_dir.ok());
  std::vector<std::string> expected_dir;
  for (auto& n : expected) {
    if (n.starts_with("chunks/0a/")) expected_dir.push_back(n);
  }
  EXPECT_EQ(*one_dir, expected_dir);
  EXPECT_FALSE(expected_dir.empty());

  auto partial = store_->List(container_, "chunks/0a/key-0001");
  ASSERT_TRUE(partial.ok());
  for (auto& n : *partial) EXPECT_TRUE(n.starts_with("chunks/0a/key-0001")) << n;

  auto all = store_->List(container_, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kKeys + 2));
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end()));
  EXPECT_EQ(*store_->List(container_, "manifests/"), std::vector<std::string>{"manifests/b1.json"});
}

TEST_P(ObjectStoreConformance, LargeObjectRoundTrip) {
  std::string big = RandomBytes(16 << 20, 42);
  ASSERT_TRUE(store_->Put(container_, "big/object", big).ok());
  auto got = store_->Get(container_, "big/object");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), big.size());
  EXPECT_TRUE(*got == big);
}

TEST_P(ObjectStoreConformance, ConcurrentWritersSameNameSameContent) {
  // Two backups that find the same new chunk upload it at the same time; the result must be one
  // complete, correct object.
  const std::string data = RandomBytes(1 << 20, 9);
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<Status> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 4 && results[t].ok(); ++round) {
        results[t] = store_->Put(container_, "chunks/ff/same", data);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  auto got = store_->Get(container_, "chunks/ff/same");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == data);
  EXPECT_EQ(*store_->List(container_, ""), std::vector<std::string>{"chunks/ff/same"});
}

TEST_P(ObjectStoreConformance, ConcurrentReadersSeeWholeObjects) {
  const std::string a(256 << 10, 'a');
  const std::string b(512 << 10, 'b');
  ASSERT_TRUE(store_->Put(container_, "flip", a).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!stop) {
      auto got = store_->Get(container_, "flip");
      if (!got.ok() || (*got != a && *got != b)) ++torn;
    }
  });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store_->Put(container_, "flip", i % 2 ? a : b).ok());
  stop = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

TEST_P(ObjectStoreConformance, InvalidNamesRejected) {
  for (const std::string& bad :
       std::vector<std::string>{"", "/abs", "a//b", "a/", "..", "a/../b", "../escape", "./x",
                                std::string("nul\0byte", 8)}) {
    EXPECT_EQ(store_->Put(container_, bad, "x").code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Get(container_, bad).status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Exists(container_, bad).status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Delete(container_, bad).code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->EnsureContainer(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(store_->EnsureContainer("a/b/c").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("../other", "x", "1").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->List(container_, "")->empty());
}

}  // namespace bb
