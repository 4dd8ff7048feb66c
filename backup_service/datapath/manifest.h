// Manifest: the versioned JSON document that makes a backup restorable on its own (format in
// README.md). It lists every chunk of the volume in order; zero chunks carry no object.
// ParseManifest validates everything a restore relies on: format name, version (unknown versions
// are Unimplemented), field types, chunk ids, and that the chunks tile [0, size_bytes) exactly.
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/object_stores/object_store.h"

namespace bb {

inline constexpr std::string_view kManifestFormat = "bb-backup-manifest";
inline constexpr int kManifestVersion = 1;

struct ManifestChunk {
  int64_t offset = 0;
  int64_t length = 0;
  bool zero = false;  // all-zero: no object, `hash` empty
  std::string hash;   // SHA-256 hex of the plaintext
};

struct Manifest {
  int version = kManifestVersion;
  std::string backup_id;
  std::string volume_id;
  std::string parent_id;  // empty for a full backup
  int64_t created_at_us = 0;
  int64_t size_bytes = 0;
  int64_t chunk_size = 0;
  std::string hash = "sha256";
  std::string compression = "zstd";  // "zstd" or "none"
  std::vector<ManifestChunk> chunks;
};

// "manifests/<backup_id>.json".
std::string ManifestObjectName(std::string_view backup_id);

// Checks the invariants ParseManifest guarantees (also used before writing one).
Status ValidateManifest(const Manifest& m);
std::string SerializeManifest(const Manifest& m);
Result<Manifest> ParseManifest(std::string_view json);

// Get + Parse, with the object name in error messages.
Result<Manifest> LoadManifest(ObjectStore& store, const std::string& container,
                              const std::string& object);

}  // namespace bb
