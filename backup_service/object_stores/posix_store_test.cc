// PosixStore specifics not covered by the shared conformance suite: on-disk layout, temp files
// invisible to List, containers with a '/'.
#include "backup_service/object_stores/posix_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace bb {
namespace {

class PosixStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/bb-posix-store-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(PosixStoreTest, MapsNamesToDirectories) {
  PosixStore store(dir_ + "/root/");  // trailing slash tolerated; root created on demand
  ASSERT_TRUE(store.EnsureContainer("proj/backups").ok());
  ASSERT_TRUE(store.Put("proj/backups", "chunks/ab/abcd", "hello").ok());
  std::ifstream in(dir_ + "/root/proj/backups/chunks/ab/abcd");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "hello");
}

TEST_F(PosixStoreTest, TempFilesAreInvisibleAndLeaveNoTrace) {
  PosixStore store(dir_);
  ASSERT_TRUE(store.EnsureContainer("c").ok());
  ASSERT_TRUE(store.Put("c", "a/b", "x").ok());
  // A crashed Put leaves a temp file behind: List must not report it.
  std::ofstream(dir_ + "/c/a/.bbtmp-crashed") << "partial";
  auto names = store.List("c", "");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"a/b"});
  // A successful Put leaves only the object.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir_ + "/c/a")) {
    files += e.path().filename().string().starts_with(".bbtmp") ? 0 : 1;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(PosixStoreTest, MissingContainer) {
  PosixStore store(dir_);
  EXPECT_EQ(store.Put("nope", "x", "1").code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Get("nope", "x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.List("nope", "").status().code(), StatusCode::kNotFound);
  auto exists = store.Exists("nope", "x");
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
}

TEST_F(PosixStoreTest, DirectoryIsNotAnObject) {
  PosixStore store(dir_);
  ASSERT_TRUE(store.EnsureContainer("c").ok());
  ASSERT_TRUE(store.Put("c", "a/b", "x").ok());
  EXPECT_EQ(store.Get("c", "a").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(*store.Exists("c", "a"));
  EXPECT_TRUE(store.Delete("c", "a").ok());
  EXPECT_TRUE(*store.Exists("c", "a/b"));
}

TEST_F(PosixStoreTest, ListPrefixInsideDirectory) {
  PosixStore store(dir_);
  ASSERT_TRUE(store.EnsureContainer("c").ok());
  for (auto n : {"m/a1", "m/a2", "m/b1", "n/a1", "m/a3/x"}) ASSERT_TRUE(store.Put("c", n, n).ok());
  auto names = store.List("c", "m/a");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"m/a1", "m/a2", "m/a3/x"}));
  auto none = store.List("c", "zz/");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(store.List("c", "../").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PosixStoreTest, GetRangeReadsPartOfAnObject) {
  PosixStore store(dir_);
  ASSERT_TRUE(store.EnsureContainer("c").ok());
  ASSERT_TRUE(store.Put("c", "packs/ab/x", "0123456789").ok());
  auto mid = store.GetRange("c", "packs/ab/x", 3, 4);
  ASSERT_TRUE(mid.ok()) << mid.status().message();
  EXPECT_EQ(*mid, "3456");
  auto whole = store.GetRange("c", "packs/ab/x", 0, 10);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, "0123456789");
  EXPECT_EQ(store.GetRange("c", "packs/ab/x", 8, 3).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(store.GetRange("c", "packs/ab/x", -1, 3).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(store.GetRange("c", "packs/ab/missing", 0, 1).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace bb
