// Tests for the chunk object format v1: exact header bytes, round trips, and DataLoss on every
// kind of corruption.
#include "backup_service/datapath/chunk_codec.h"

#include <gtest/gtest.h>

#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/hasher.h"

namespace bb {
namespace {

TEST(ChunkCodecTest, HeaderLayout) {
  std::string obj = FrameChunk(Compression::kZstd, 0x0102030405060708ull, "pp");
  ASSERT_EQ(obj.size(), kChunkHeaderSize + 2);
  EXPECT_EQ(obj.substr(0, 4), "BBC1");
  EXPECT_EQ(obj[4], 1);
  EXPECT_EQ(obj.substr(5, 3), std::string(3, '\0'));
  EXPECT_EQ(obj.substr(8, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  EXPECT_EQ(obj.substr(16), "pp");
}

TEST(ChunkCodecTest, RoundTripCompressedAndRaw) {
  std::string text(1 << 20, 'x');
  std::string random = testing_util::RandomBytes(1 << 20, 5);
  for (const std::string* plain : {&text, &random}) {
    auto obj = EncodeChunk(*plain, 3);
    ASSERT_TRUE(obj.ok());
    EXPECT_EQ((*obj)[4], plain == &text ? 1 : 0);
    EXPECT_LE(obj->size(), plain->size() + kChunkHeaderSize);
    auto back = DecodeChunk(*obj, Sha256Hex(*plain), plain->size());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == *plain);
  }
}

TEST(ChunkCodecTest, CorruptionIsDataLoss) {
  std::string plain = testing_util::RandomBytes(4096, 9) + std::string(4096, 'a');
  auto obj = EncodeChunk(plain, 3);
  ASSERT_TRUE(obj.ok());
  const std::string id = Sha256Hex(plain);
  auto code = [&](const std::string& o, int64_t len = -1) {
    return DecodeChunk(o, id, len < 0 ? static_cast<int64_t>(plain.size()) : len).status().code();
  };
  ASSERT_EQ(code(*obj), StatusCode::kOk);
  std::string bad = *obj;
  bad[0] = 'X';
  EXPECT_EQ(code(bad), StatusCode::kDataLoss);  // magic
  bad = *obj;
  bad[4] = 7;
  EXPECT_EQ(code(bad), StatusCode::kDataLoss);  // compression byte
  bad = *obj;
  bad[6] = 1;
  EXPECT_EQ(code(bad), StatusCode::kDataLoss);  // reserved
  bad = *obj;
  bad[8] ^= 1;
  EXPECT_EQ(code(bad), StatusCode::kDataLoss);                     // header length
  EXPECT_EQ(code(*obj, plain.size() + 1), StatusCode::kDataLoss);  // manifest length
  bad = *obj;
  bad[bad.size() / 2] ^= 0x40;
  EXPECT_EQ(code(bad), StatusCode::kDataLoss);                              // payload
  EXPECT_EQ(code(obj->substr(0, 10)), StatusCode::kDataLoss);               // truncated header
  EXPECT_EQ(code(obj->substr(0, obj->size() - 1)), StatusCode::kDataLoss);  // truncated payload
  EXPECT_EQ(DecodeChunk(*obj, Sha256Hex("other"), plain.size()).status().code(),
            StatusCode::kDataLoss);  // wrong id
}

TEST(ChunkCodecTest, RawPayloadCorruptionCaughtByHash) {
  std::string plain = testing_util::RandomBytes(8192, 3);
  auto obj = EncodeChunk(plain, 0);
  ASSERT_TRUE(obj.ok());
  ASSERT_EQ((*obj)[4], 0);
  std::string bad = *obj;
  bad[100] ^= 1;
  auto r = DecodeChunk(bad, Sha256Hex(plain), plain.size());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("hashes to"), std::string::npos);
}

}  // namespace
}  // namespace bb
