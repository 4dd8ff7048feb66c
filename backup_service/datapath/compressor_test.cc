// Tests for the zstd compressor: shrinking data compresses, random data stays raw, level 0 is
// raw, decompression checks sizes.
#include "backup_service/datapath/compressor.h"

#include <gtest/gtest.h>

#include "backup_service/datapath/datapath_test_util.h"

namespace bb {
namespace {

TEST(CompressorTest, CompressibleRoundTrip) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i % 100) + " of some text\n";
  auto c = Compress(text, 3);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, Compression::kZstd);
  EXPECT_LT(c->data.size(), text.size() / 5);
  auto d = Decompress(c->method, c->data, text.size());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, text);
}

TEST(CompressorTest, IncompressibleStaysRaw) {
  std::string random = testing_util::RandomBytes(1 << 20, 1);
  auto c = Compress(random, 3);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, Compression::kNone);
  EXPECT_EQ(c->data, random);
}

TEST(CompressorTest, LevelZeroIsRaw) {
  std::string zeros(4096, 'a');
  auto c = Compress(zeros, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, Compression::kNone);
  EXPECT_EQ(c->data, zeros);
}

TEST(CompressorTest, InvalidLevel) {
  EXPECT_EQ(Compress("x", -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Compress("x", 1000).status().code(), StatusCode::kInvalidArgument);
}

TEST(CompressorTest, DecompressChecksSizes) {
  std::string text(100000, 'q');
  auto c = Compress(text, 1);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->method, Compression::kZstd);
  EXPECT_EQ(Decompress(c->method, c->data, text.size() - 1).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Decompress(c->method, c->data, text.size() + 1).status().code(), StatusCode::kDataLoss);
  std::string truncated = c->data.substr(0, c->data.size() / 2);
  EXPECT_EQ(Decompress(c->method, truncated, text.size()).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Decompress(Compression::kZstd, "garbage!", 8).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Decompress(Compression::kNone, "abc", 4).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace bb
