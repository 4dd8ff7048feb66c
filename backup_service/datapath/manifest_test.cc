// Tests for manifest v1: round trip, exact JSON field names, and rejection of documents a restore
// could not trust (bad tiling, unknown version, wrong types, bad ids).
#include "backup_service/datapath/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backup_service/datapath/hasher.h"
#include "backup_service/object_stores/memory_store.h"

namespace bb {
namespace {

using nlohmann::json;

Manifest Sample() {
  Manifest m;
  m.backup_id = "b1";
  m.volume_id = "v1";
  m.parent_id = "b0";
  m.created_at_us = 1700000000000000;
  m.size_bytes = 10;
  m.chunk_size = 4;
  m.chunks = {{0, 4, false, Sha256Hex("a")}, {4, 4, true, ""}, {8, 2, false, Sha256Hex("b")}};
  return m;
}

StatusCode ParseCode(const json& j) { return ParseManifest(j.dump()).status().code(); }

TEST(ManifestTest, RoundTrip) {
  Manifest m = Sample();
  auto back = ParseManifest(SerializeManifest(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->backup_id, "b1");
  EXPECT_EQ(back->volume_id, "v1");
  EXPECT_EQ(back->parent_id, "b0");
  EXPECT_EQ(back->created_at_us, m.created_at_us);
  EXPECT_EQ(back->size_bytes, 10);
  EXPECT_EQ(back->chunk_size, 4);
  ASSERT_EQ(back->chunks.size(), 3u);
  EXPECT_EQ(back->chunks[0].hash, m.chunks[0].hash);
  EXPECT_TRUE(back->chunks[1].zero);
  EXPECT_EQ(back->chunks[2].length, 2);
  EXPECT_EQ(ManifestObjectName("b1"), "manifests/b1.json");
}

TEST(ManifestTest, JsonFieldNames) {
  json j = json::parse(SerializeManifest(Sample()));
  EXPECT_EQ(j["format"], "bb-backup-manifest");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["hash"], "sha256");
  EXPECT_EQ(j["compression"], "zstd");
  EXPECT_EQ(j["chunks"][0]["o"], 0);
  EXPECT_EQ(j["chunks"][0]["l"], 4);
  EXPECT_TRUE(j["chunks"][0].contains("h"));
  EXPECT_EQ(j["chunks"][1]["z"], true);
  EXPECT_FALSE(j["chunks"][1].contains("h"));
}

TEST(ManifestTest, RejectsNonTilingChunks) {
  json good = json::parse(SerializeManifest(Sample()));
  ASSERT_EQ(ParseCode(good), StatusCode::kOk);
  json gap = good;
  gap["chunks"][1]["o"] = 5;  // gap/overlap
  EXPECT_EQ(ParseCode(gap), StatusCode::kDataLoss);
  json short_cover = good;
  short_cover["chunks"].erase(2);  // does not reach size_bytes
  EXPECT_EQ(ParseCode(short_cover), StatusCode::kDataLoss);
  json beyond = good;
  beyond["size_bytes"] = 9;  // chunks run past the end
  EXPECT_EQ(ParseCode(beyond), StatusCode::kDataLoss);
  json too_long = good;
  too_long["chunk_size"] = 3;  // chunk longer than chunk_size
  EXPECT_EQ(ParseCode(too_long), StatusCode::kDataLoss);
  json empty_chunk = good;
  empty_chunk["chunks"][2]["l"] = 0;
  empty_chunk["size_bytes"] = 8;
  EXPECT_EQ(ParseCode(empty_chunk), StatusCode::kDataLoss);
  json swapped = good;
  std::swap(swapped["chunks"][0], swapped["chunks"][1]);
  EXPECT_EQ(ParseCode(swapped), StatusCode::kDataLoss);
  auto msg = ParseManifest(gap.dump()).status().message();
  EXPECT_NE(msg.find("tile"), std::string::npos) << msg;
}

TEST(ManifestTest, RejectsUnknownVersionClearly) {
  json j = json::parse(SerializeManifest(Sample()));
  j["version"] = 2;
  auto r = ParseManifest(j.dump());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("version 2 not supported"), std::string::npos)
      << r.status().message();
}

TEST(ManifestTest, RejectsBadFields) {
  json good = json::parse(SerializeManifest(Sample()));
  EXPECT_EQ(ParseManifest("not json").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseManifest("[]").status().code(), StatusCode::kDataLoss);
  json j = good;
  j["format"] = "other";
  EXPECT_EQ(ParseCode(j), StatusCode::kDataLoss);
  j = good;
  j["size_bytes"] = "10";
  EXPECT_EQ(ParseCode(j), StatusCode::kDataLoss);
  j = good;
  j.erase("volume_id");
  EXPECT_EQ(ParseCode(j), StatusCode::kDataLoss);
  j = good;
  j["hash"] = "md5";
  EXPECT_EQ(ParseCode(j), StatusCode::kDataLoss);
  j = good;
  j["chunks"][0]["h"] = "../../etc/passwd";
  EXPECT_EQ(ParseCode(j), StatusCode::kDataLoss);
  j = good;
  j["chunks"][0].erase("h");  // non-zero chunk without id
  EXPECT_EQ(ParseCode(j), StatusCode::kDataLoss);
  j = good;
  j["chunks"][1]["h"] = Sha256Hex("x");  // zero chunk with id
  EXPECT_EQ(ParseCode(j), StatusCode::kDataLoss);
  j = good;
  j["backup_id"] = "a/b";
  EXPECT_EQ(ParseCode(j), StatusCode::kDataLoss);
  j = good;
  j.erase("version");
  EXPECT_EQ(ParseCode(j), StatusCode::kDataLoss);
}

TEST(ManifestTest, EmptyVolume) {
  Manifest m = Sample();
  m.size_bytes = 0;
  m.chunks.clear();
  EXPECT_TRUE(ParseManifest(SerializeManifest(m)).ok());
}

TEST(ManifestTest, LoadFromStore) {
  MemoryStore mem;
  ASSERT_TRUE(mem.EnsureContainer("p/backups").ok());
  EXPECT_EQ(LoadManifest(mem, "p/backups", "manifests/b1.json").status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(mem.Put("p/backups", "manifests/b1.json", SerializeManifest(Sample())).ok());
  auto m = LoadManifest(mem, "p/backups", "manifests/b1.json");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->chunks.size(), 3u);
}

}  // namespace
}  // namespace bb
