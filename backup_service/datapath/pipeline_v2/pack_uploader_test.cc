// PackUploader against a real posix store in a temp dir.
#include "backup_service/datapath/pipeline_v2/pack_uploader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/pack_reader.h"

namespace bb::v2 {
namespace {

std::unique_ptr<ObjectStore> Posix(const std::string& root) {
  auto s = CreateObjectStore("posix", {{"path", root}});
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

EncodedBlob Blob(uint32_t seed, size_t n) {
  BlobCodec codec(std::nullopt);
  std::string plain = testing_util::RandomBytes(n, seed);
  auto b = codec.Encode(codec.IdOf(plain), BlobType::kData, plain);
  EXPECT_TRUE(b.ok());
  return std::move(b).value();
}

TEST(PackUploaderTest, FillsPacksToTargetAndPutsThemAll) {
  testing_util::TempDir dir;
  auto store = Posix(dir.path());
  ASSERT_TRUE(store->EnsureContainer("c").ok());
  FirstError error;
  PackUploader up(*store, "c", PackUploaderOptions{1 << 20, 2, 0}, error);
  std::vector<EncodedBlob> blobs;
  for (uint32_t i = 0; i < 100; ++i) blobs.push_back(Blob(i, 32768));  // 3.2 MiB
  for (const auto& b : blobs) ASSERT_TRUE(up.Add(b).ok());
  auto done = up.Finish();
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->packs.size(), 4u);  // 3 full packs of 32 blobs + the last 4 blobs
  EXPECT_LE(up.peak_packs_in_memory(), 3);
  auto listed = store->List("c", "packs/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 4u);
  size_t entries = 0;
  int64_t bytes = 0;
  for (const IndexedPack& p : done->packs) {
    auto obj = store->Get("c", PackObjectNameOf(p.pack_hash));
    ASSERT_TRUE(obj.ok());
    bytes += static_cast<int64_t>(obj->size());
    EXPECT_TRUE(CheckPackName(*obj, PackObjectNameOf(p.pack_hash)).ok());
    auto trailer = ReadPackTrailer(*obj, "p");
    ASSERT_TRUE(trailer.ok());
    EXPECT_EQ(*trailer, p.entries);
    for (const PackEntry& e : p.entries) EXPECT_TRUE(ReadPackBlob(*obj, "p", e).ok());
    entries += p.entries.size();
  }
  EXPECT_EQ(entries, blobs.size());
  EXPECT_EQ(done->stored_bytes, bytes);
}

TEST(PackUploaderTest, AFailedPutIsTheJobsError) {
  testing_util::TempDir dir;
  auto store = Posix(dir.path());
  ASSERT_TRUE(store->EnsureContainer("c").ok());
  // A regular file where the packs/ directory must go: every Put of a pack fails.
  testing_util::WriteFile(dir.File("c/packs"), "not a directory");
  FirstError error;
  PackUploader up(*store, "c", PackUploaderOptions{1 << 20, 2, 0}, error);
  Status last = Status::Ok();
  for (uint32_t i = 0; i < 200 && last.ok(); ++i) last = up.Add(Blob(i, 32768));
  auto done = up.Finish();
  ASSERT_FALSE(done.ok());
  EXPECT_TRUE(error.failed());
  EXPECT_NE(done.status().message().find("packs/"), std::string::npos) << done.status().message();
}

}  // namespace
}  // namespace bb::v2
