// Tests for the v2 index object: it round-trips what pack writers produced, names itself by its
// content, and refuses every damaged byte and truncation with DataLoss naming the object.
#include "backup_service/datapath/index_object.h"

#include <gtest/gtest.h>

#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/pack_reader.h"
#include "backup_service/datapath/pack_writer.h"

namespace bb {
namespace {

FinishedPack MakePack(int blobs, uint64_t seed) {
  PackWriter w;
  for (int i = 0; i < blobs; ++i) {
    std::string plain = testing_util::RandomBytes(100 + i, seed + i);
    EXPECT_TRUE(w.Add(Sha256Id(plain), i % 2 ? BlobType::kChunkList : BlobType::kData,
                      Compression::kNone, static_cast<uint32_t>(plain.size()), plain)
                    .ok());
  }
  auto p = w.Finish();
  EXPECT_TRUE(p.ok());
  return std::move(p).value();
}

std::vector<IndexedPack> SampleIndex(std::vector<FinishedPack>* packs_out = nullptr) {
  std::vector<FinishedPack> packs = {MakePack(3, 10), MakePack(1, 20)};
  std::vector<IndexedPack> index;
  for (const FinishedPack& p : packs) index.push_back({p.hash, p.entries});
  if (packs_out) *packs_out = std::move(packs);
  return index;
}

TEST(IndexObjectTest, RoundTripFindsEveryBlobInItsPack) {
  std::vector<FinishedPack> packs;
  std::vector<IndexedPack> index = SampleIndex(&packs);
  std::string obj = EncodeIndexObject(index);
  const std::string name = IndexObjectName(obj);
  EXPECT_EQ(name.substr(0, 6), "index/");
  EXPECT_EQ(name.size(), 6u + 64u);
  EXPECT_EQ(obj.substr(0, 5), std::string("BBI1\x01", 5));
  auto back = DecodeIndexObject(obj, name);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(*back, index);
  // What the index says is enough to read each blob from the pack it names.
  for (size_t i = 0; i < back->size(); ++i) {
    EXPECT_EQ(PackObjectNameOf((*back)[i].pack_hash), packs[i].name);
    for (const PackEntry& e : (*back)[i].entries) {
      EXPECT_TRUE(ReadPackBlob(packs[i].bytes, packs[i].name, e).ok());
    }
  }
}

TEST(IndexObjectTest, EmptyIndexRoundTrips) {
  std::string obj = EncodeIndexObject({});
  auto back = DecodeIndexObject(obj, IndexObjectName(obj));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->empty());
}

TEST(IndexObjectTest, EveryDamagedByteAndTruncationIsRefused) {
  std::string obj = EncodeIndexObject(SampleIndex());
  const std::string name = IndexObjectName(obj);
  for (size_t i = 0; i < obj.size(); ++i) {
    std::string bad = obj;
    bad[i] ^= 0x10;
    auto r = DecodeIndexObject(bad, name);
    ASSERT_FALSE(r.ok()) << "flipped byte " << i << " went unnoticed";
    EXPECT_EQ(r.status().code(), i == 4 ? StatusCode::kUnimplemented : StatusCode::kDataLoss)
        << i << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(name), std::string::npos);
  }
  for (size_t len = 0; len < obj.size(); ++len) {
    EXPECT_EQ(DecodeIndexObject(obj.substr(0, len), name).status().code(), StatusCode::kDataLoss)
        << "truncated to " << len;
  }
}

}  // namespace
}  // namespace bb
