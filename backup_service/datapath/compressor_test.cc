// Tests for the compressor: every codec round-trips and keeps random data raw, level 0 and none
// are raw, decompression checks sizes, damaged lz4 and unknown codec ids are DataLoss.
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

std::string Text() {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i % 100) + " of some text\n";
  return text;
}

TEST(CompressorTest, EveryCodecRoundTrips) {
  const std::string text = Text();
  for (Compression codec : {Compression::kZstd, Compression::kLz4, Compression::kNone}) {
    auto c = Compress(text, CompressionSetting{codec, 1});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->method, codec) << CompressionName(codec);
    if (codec != Compression::kNone) {
      EXPECT_LT(c->data.size(), text.size() / 4);
    }
    auto d = Decompress(c->method, c->data, text.size());
    ASSERT_TRUE(d.ok()) << CompressionName(codec) << ": " << d.status().ToString();
    EXPECT_EQ(*d, text);
  }
}

TEST(CompressorTest, IncompressibleStaysRawForEveryCodec) {
  const std::string random = testing_util::RandomBytes(32768, 4);
  for (Compression codec : {Compression::kZstd, Compression::kLz4, Compression::kNone}) {
    auto c = Compress(random, CompressionSetting{codec, 1});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->method, Compression::kNone) << CompressionName(codec);
    EXPECT_EQ(c->data, random);
  }
  // zstd level 0 is none whatever else is set.
  EXPECT_EQ((CompressionSetting{Compression::kZstd, 0}.Effective()), Compression::kNone);
  EXPECT_EQ((CompressionSetting{Compression::kLz4, 0}.Effective()), Compression::kLz4);
}

TEST(CompressorTest, DamagedLz4IsDataLoss) {
  const std::string text = Text();
  auto c = Compress(text, CompressionSetting{Compression::kLz4, 1});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->method, Compression::kLz4);
  EXPECT_EQ(Decompress(c->method, c->data, text.size() - 1).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Decompress(c->method, c->data, text.size() + 1).status().code(), StatusCode::kDataLoss);
  for (size_t len = 0; len < c->data.size(); ++len) {
    EXPECT_EQ(Decompress(c->method, c->data.substr(0, len), text.size()).status().code(),
              StatusCode::kDataLoss)
        << "truncated to " << len;
  }
  EXPECT_EQ(Decompress(Compression::kLz4, std::string(64, '\xff'), 4096).status().code(),
            StatusCode::kDataLoss);
}

TEST(CompressorTest, UnknownCodecIdIsRefused) {
  auto d = Decompress(static_cast<Compression>(3), "abc", 3);
  ASSERT_EQ(d.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(d.status().message().find("unknown compression id 3"), std::string::npos)
      << d.status().ToString();
  EXPECT_FALSE(IsKnownCompression(3));
  EXPECT_TRUE(IsKnownCompression(2));
  EXPECT_EQ(Compress("abc", CompressionSetting{static_cast<Compression>(9), 1}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CompressorTest, Names) {
  for (Compression codec : {Compression::kZstd, Compression::kLz4, Compression::kNone}) {
    EXPECT_EQ(CompressionFromName(CompressionName(codec)), codec);
  }
  EXPECT_EQ(CompressionFromName("gzip"), std::nullopt);
}

}  // namespace
}  // namespace bb
