// ManifestV2: the per-backup manifest of format v2 (README.md "Format v2", "Manifest v2"),
// manifests/<backup_id>.bbm. It carries every field of the backup's database row (so the catalog
// can be rebuilt from the store alone) and describes the volume as segments of kChunksPerList
// chunks: a run of all-zero segments, or the id of a chunk-list blob (chunk_list.h). A 100 GiB
// volume is 3,200 segments, so the manifest stays a few KiB to ~110 KiB whatever the data.
//
//   "BBM2" | version u8 = 2 | reserved 3 B = 0 | header length u32 | header JSON |
//   segment count u32 | segments: kind u8 (0 zero run: count u32; 1 chunk list: id 32 B) |
//   SHA-256 of everything before it, 32 B
//
// Integers little-endian. When the container is encrypted the whole object is sealed with the
// container key (blob_cipher.h) around these bytes.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/blob_id.h"

namespace bb {

inline constexpr int kManifestV2Version = 2;

struct ManifestV2Header {
  std::string backup_id;
  std::string project_id;
  std::string volume_id;
  std::string parent_id;  // empty for a full backup
  std::string name;
  std::string description;
  int64_t created_at_us = 0;
  int64_t data_timestamp_us = 0;
  int64_t size_bytes = 0;
  int64_t chunk_size = 32 << 10;
  std::string chunk_id = "sha256";   // or "hmac-sha256" (encrypted container)
  std::string compression = "zstd";  // "zstd", "lz4" or "none": the job's setting
  uint32_t key_generation = 0;       // 0 exactly when chunk_id is "sha256"
  int64_t object_count = 0;
  int64_t stored_bytes = 0;

  bool operator==(const ManifestV2Header&) const = default;
};

struct ManifestSegment {
  bool zero = false;        // a run of `zero_count` all-zero segments
  uint32_t zero_count = 0;  // >= 1 when zero
  BlobId list_id{};         // the chunk-list blob, when not zero

  bool operator==(const ManifestSegment&) const = default;
};

struct ManifestV2 {
  ManifestV2Header header;
  std::vector<ManifestSegment> segments;  // zero runs count as zero_count segments
};

// Segments a volume of the header's size has: ceil(size / (chunk_size * kChunksPerList)).
int64_t SegmentCount(const ManifestV2Header& h);
// Chunks in segment `index` (the last may be short).
uint32_t ChunksInSegment(const ManifestV2Header& h, int64_t index);

// InvalidArgument for anything DecodeManifestV2 would refuse (checked before writing).
Status ValidateManifestV2(const ManifestV2& m);
Result<std::string> EncodeManifestV2(const ManifestV2& m);

// DataLoss naming `name` for any damage or invariant broken (checksum, lengths, JSON fields,
// segments that do not cover the volume exactly, adjacent zero runs); Unimplemented for another
// version, naming the versions this build reads.
Result<ManifestV2> DecodeManifestV2(std::string_view object, const std::string& name);

// "manifests/<backup_id>.bbm".
std::string ManifestV2ObjectName(std::string_view backup_id);

}  // namespace bb
