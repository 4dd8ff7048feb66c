// Tests for the pack object format (pack_writer, pack_reader): exact layout, round trips,
// refusals, and that no single damaged byte or truncation can yield a wrong blob.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "backup_service/datapath/compressor.h"
#include "backup_service/datapath/datapath_test_util.h"
#include "backup_service/datapath/pack_reader.h"
#include "backup_service/datapath/pack_writer.h"

namespace bb {
namespace {

struct Blob {
  std::string plain;
  BlobType type;
};

std::vector<Blob> SampleBlobs() {
  return {{testing_util::RandomBytes(300, 1), BlobType::kData},
          {std::string(2000, 't') + "text-like tail", BlobType::kData},
          {testing_util::RandomBytes(96, 2), BlobType::kChunkList}};
}

FinishedPack WritePack(const std::vector<Blob>& blobs) {
  PackWriter w;
  for (const Blob& b : blobs) {
    auto c = Compress(b.plain, 3);
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE(
        w.Add(Sha256Id(b.plain), b.type, c->method, static_cast<uint32_t>(b.plain.size()), c->data)
            .ok());
  }
  auto p = w.Finish();
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return std::move(p).value();
}

// Reads every blob through the trailer; the plaintexts, or the first error.
Result<std::vector<std::string>> ReadAll(std::string_view object, const std::string& name) {
  ASSIGN_OR_RETURN(std::vector<PackEntry> entries, ReadPackTrailer(object, name));
  std::vector<std::string> out;
  for (const PackEntry& e : entries) {
    ASSIGN_OR_RETURN(std::string plain, ReadPackBlob(object, name, e));
    out.push_back(std::move(plain));
  }
  return out;
}

TEST(PackTest, RoundTripAndName) {
  std::vector<Blob> blobs = SampleBlobs();
  FinishedPack p = WritePack(blobs);
  EXPECT_EQ(p.name, PackObjectName(p.bytes));
  EXPECT_EQ(p.name.substr(0, 6), "packs/");
  EXPECT_EQ(p.name.substr(6, 2), p.name.substr(9, 2));
  EXPECT_TRUE(CheckPackName(p.bytes, p.name).ok());

  auto entries = ReadPackTrailer(p.bytes, p.name);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  EXPECT_EQ(*entries, p.entries);
  ASSERT_EQ(entries->size(), blobs.size());
  for (size_t i = 0; i < blobs.size(); ++i) {
    EXPECT_EQ((*entries)[i].type, blobs[i].type);
    auto plain = ReadPackBlob(p.bytes, p.name, (*entries)[i]);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    EXPECT_TRUE(*plain == blobs[i].plain);
  }
  // The text blob was compressed, the random ones kept raw.
  EXPECT_EQ((*entries)[0].compression, Compression::kNone);
  EXPECT_EQ((*entries)[1].compression, Compression::kZstd);
  EXPECT_LT((*entries)[1].stored_length, blobs[1].plain.size());
}

TEST(PackTest, Layout) {
  std::string plain = "abc";
  PackWriter w;
  ASSERT_TRUE(w.Add(Sha256Id(plain), BlobType::kData, Compression::kNone, 3, plain).ok());
  EXPECT_EQ(w.size(), kPackHeaderSize + kBlobHeaderSize + 3);
  auto p = w.Finish();
  ASSERT_TRUE(p.ok());
  const std::string& b = p->bytes;
  ASSERT_EQ(b.size(), kPackHeaderSize + kBlobHeaderSize + 3 + kPackEntrySize + kPackFooterSize);
  EXPECT_EQ(b.substr(0, 4), "BBPK");
  EXPECT_EQ(b[4], 1);                                        // version
  EXPECT_EQ(b.substr(5, 11), std::string(11, '\0'));         // flags, reserved, key generation 0
  EXPECT_EQ(b[16], 1);                                       // blob type data
  EXPECT_EQ(b.substr(20, 4), std::string("\x03\0\0\0", 4));  // stored length
  EXPECT_EQ(b.substr(24, 4), std::string("\x03\0\0\0", 4));  // plain length
  EXPECT_EQ(b.substr(28, 32), std::string(BlobIdBytes(Sha256Id(plain))));
  EXPECT_EQ(b.substr(60, 3), "abc");
  const size_t trailer = 63;
  EXPECT_EQ(b.substr(trailer, 32), b.substr(28, 32));                   // entry id
  EXPECT_EQ(b.substr(trailer + 36, 4), std::string("\x10\0\0\0", 4));   // offset 16
  EXPECT_EQ(b.substr(b.size() - 16, 4), std::string("\x01\0\0\0", 4));  // entry count
  EXPECT_EQ(b.substr(b.size() - 4), "BBPT");
  PackWriter encrypted(7);
  ASSERT_TRUE(encrypted.Add(Sha256Id(plain), BlobType::kData, Compression::kNone, 3, plain).ok());
  auto e = encrypted.Finish();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->bytes[5], 1);  // flags: encrypted
  EXPECT_EQ(e->bytes.substr(8, 4), std::string("\x07\0\0\0", 4));
  // This build has no decryptor: an encrypted pack is refused, not misread.
  EXPECT_EQ(ReadPackBlob(e->bytes, e->name, e->entries[0]).status().code(),
            StatusCode::kUnimplemented);
}

TEST(PackTest, Refusals) {
  PackWriter w;
  EXPECT_EQ(w.Finish().status().code(), StatusCode::kFailedPrecondition);  // empty
  PackWriter v;
  BlobId id = Sha256Id("x");
  ASSERT_TRUE(v.Add(id, BlobType::kData, Compression::kNone, 1, "x").ok());
  EXPECT_EQ(v.Add(id, BlobType::kData, Compression::kNone, 1, "x").code(),
            StatusCode::kInvalidArgument);  // same id twice
  EXPECT_EQ(v.Add(Sha256Id("y"), BlobType::kData, Compression::kNone, 0, "").code(),
            StatusCode::kInvalidArgument);  // empty blob
  EXPECT_EQ(v.Add(Sha256Id("z"), BlobType::kData, Compression::kNone, kMaxBlobPlainLength + 1, "z")
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(v.blob_count(), 1u);
  ASSERT_TRUE(v.Finish().ok());
  EXPECT_EQ(v.Finish().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(v.Add(Sha256Id("w"), BlobType::kData, Compression::kNone, 1, "w").code(),
            StatusCode::kInvalidArgument);
}

TEST(PackTest, EveryDamagedByteIsDetected) {
  FinishedPack p = WritePack(SampleBlobs());
  ASSERT_TRUE(ReadAll(p.bytes, p.name).ok());
  for (size_t i = 0; i < p.bytes.size(); ++i) {
    std::string bad = p.bytes;
    bad[i] ^= 0x20;
    auto all = ReadAll(bad, p.name);
    ASSERT_FALSE(all.ok()) << "a flipped byte at offset " << i << " went unnoticed";
    StatusCode code = all.status().code();
    // Only the version byte may say "not supported"; everything else is damage.
    EXPECT_EQ(code, i == 4 ? StatusCode::kUnimplemented : StatusCode::kDataLoss)
        << "offset " << i << ": " << all.status().ToString();
    EXPECT_NE(all.status().message().find(p.name), std::string::npos) << all.status().ToString();
    EXPECT_FALSE(CheckPackName(bad, p.name).ok());
  }
}

TEST(PackTest, EveryTruncationIsDetected) {
  FinishedPack p = WritePack(SampleBlobs());
  for (size_t len = 0; len < p.bytes.size(); ++len) {
    auto all = ReadAll(std::string_view(p.bytes).substr(0, len), p.name);
    ASSERT_FALSE(all.ok()) << "truncated to " << len;
    EXPECT_EQ(all.status().code(), StatusCode::kDataLoss) << all.status().ToString();
  }
}

TEST(PackTest, DamagedPayloadNamesPackAndBlob) {
  std::vector<Blob> blobs = SampleBlobs();
  FinishedPack p = WritePack(blobs);
  const PackEntry& e = p.entries[0];  // raw random bytes: the damage survives "decompression"
  std::string bad = p.bytes;
  bad[e.offset + kBlobHeaderSize + 10] ^= 1;
  auto r = ReadPackBlob(bad, p.name, e);
  ASSERT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find(p.name), std::string::npos);
  EXPECT_NE(r.status().message().find(BlobIdHex(e.id)), std::string::npos);
  EXPECT_NE(r.status().message().find("content hashes to"), std::string::npos);
  // The other blobs of the pack are still readable.
  auto other = ReadPackBlob(bad, p.name, p.entries[1]);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_TRUE(*other == blobs[1].plain);
}

TEST(PackTest, EntryThatDoesNotMatchTheBlobIsRefused) {
  FinishedPack p = WritePack(SampleBlobs());
  PackEntry wrong = p.entries[1];
  wrong.id = p.entries[0].id;  // an index pointing at the wrong place
  EXPECT_EQ(ReadPackBlob(p.bytes, p.name, wrong).status().code(), StatusCode::kDataLoss);
  wrong = p.entries[1];
  wrong.offset += 1;
  EXPECT_EQ(ReadPackBlob(p.bytes, p.name, wrong).status().code(), StatusCode::kDataLoss);
  wrong.offset = static_cast<uint32_t>(p.bytes.size());
  EXPECT_EQ(ReadPackBlob(p.bytes, p.name, wrong).status().code(), StatusCode::kDataLoss);
}

TEST(PackTest, ScanRebuildsTheTrailer) {
  FinishedPack p = WritePack(SampleBlobs());
  std::string bad = p.bytes;
  bad[bad.size() - kPackFooterSize - 3] ^= 1;  // inside the trailer
  ASSERT_EQ(ReadPackTrailer(bad, p.name).status().code(), StatusCode::kDataLoss);
  auto scanned = ScanPackBlobs(bad, p.name);
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  EXPECT_EQ(*scanned, p.entries);
  for (const PackEntry& e : *scanned) EXPECT_TRUE(ReadPackBlob(bad, p.name, e).ok());
}

TEST(PackTest, MixedCodecsInOnePack) {
  // A pack written by a job that switched codecs, or repacked from packs of several jobs: each
  // blob's compression byte says how to read it.
  const std::string text = std::string(3000, 'a') + "some text that repeats, some text";
  PackWriter w;
  std::vector<std::string> plains;
  for (Compression codec : {Compression::kZstd, Compression::kLz4, Compression::kNone}) {
    std::string plain = text + CompressionName(codec);
    auto c = Compress(plain, CompressionSetting{codec, 3});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_EQ(c->method, codec);
    ASSERT_TRUE(w.Add(Sha256Id(plain), BlobType::kData, c->method,
                      static_cast<uint32_t>(plain.size()), c->data)
                    .ok());
    plains.push_back(plain);
  }
  auto p = w.Finish();
  ASSERT_TRUE(p.ok());
  auto all = ReadAll(p->bytes, p->name);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, plains);
  EXPECT_EQ(p->entries[1].compression, Compression::kLz4);
}

TEST(PackTest, UnknownCompressionIdIsRefusedByName) {
  FinishedPack p = WritePack(SampleBlobs());
  // Entry 1 (zstd) claims codec 7 in its blob header and its trailer entry; the footer checksum
  // is recomputed so that only the codec check can catch it.
  std::string bad = p.bytes;
  const size_t trailer_at = bad.size() - kPackFooterSize - p.entries.size() * kPackEntrySize;
  bad[p.entries[1].offset + 1] = 7;
  bad[trailer_at + kPackEntrySize + 33] = 7;
  std::string covered =
      bad.substr(0, kPackHeaderSize) + bad.substr(trailer_at, p.entries.size() * kPackEntrySize);
  BlobId sum = Sha256Id(covered);
  std::memcpy(bad.data() + bad.size() - kPackFooterSize, sum.data(), sum.size());

  auto trailer = ReadPackTrailer(bad, p.name);
  ASSERT_EQ(trailer.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(trailer.status().message().find("unknown compression id 7"), std::string::npos)
      << trailer.status().ToString();
  // Reading the blob through an index that has the same entry fails the same way, and a scan
  // (rebuilding a trailer) stops before it.
  PackEntry forged = p.entries[1];
  forged.compression = static_cast<Compression>(7);
  auto blob = ReadPackBlob(bad, p.name, forged);
  ASSERT_EQ(blob.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(blob.status().message().find("unknown compression id 7"), std::string::npos)
      << blob.status().ToString();
  auto scanned = ScanPackBlobs(bad, p.name);
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(scanned->size(), 1u);
  // Nor can a writer produce one.
  PackWriter w;
  EXPECT_EQ(w.Add(Sha256Id("x"), BlobType::kData, static_cast<Compression>(7), 1, "x").code(),
            StatusCode::kInvalidArgument);
}

TEST(PackTest, BlobIdHexRoundTrip) {
  BlobId id = Sha256Id("abc");
  EXPECT_EQ(BlobIdHex(id), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ParseBlobIdHex(BlobIdHex(id)), id);
  EXPECT_FALSE(ParseBlobIdHex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
  EXPECT_FALSE(ParseBlobIdHex("abc"));
}

}  // namespace
}  // namespace bb
