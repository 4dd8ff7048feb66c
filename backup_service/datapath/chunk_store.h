// ChunkStore: content-addressed chunk objects in one container ("chunks/<h[0:2]>/<h>").
// Put skips the upload when the chunk is in the known set (e.g. the parent backup's chunks, or
// one this job already stored) or when the store says it exists; otherwise it encodes and uploads
// it. Each chunk id is claimed in the known set before its upload, so two workers meeting the
// same content in one job upload it once and the new/reused counts are exact.
// Thread-safety: safe for concurrent use (the known set is mutex-guarded).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "backup_service/common/result.h"
#include "backup_service/object_stores/object_store.h"

namespace bb {

// "chunks/ab/abcdef..." for chunk id "abcdef...".
std::string ChunkObjectName(std::string_view sha256_hex);
// Inverse of ChunkObjectName; empty when `object_name` is not a chunk object name.
std::string ChunkIdFromObjectName(std::string_view object_name);

class ChunkStore {
 public:
  ChunkStore(ObjectStore* store, std::string container, std::unordered_set<std::string> known = {});

  struct PutResult {
    bool is_new = false;       // this call uploaded the object
    int64_t stored_bytes = 0;  // object bytes uploaded (0 when reused)
  };
  // `sha256_hex` must be Sha256Hex(plain) (the caller already hashed it).
  Result<PutResult> Put(const std::string& sha256_hex, std::string_view plain,
                        int compression_level);
  // Fetches, decodes and verifies a chunk: DataLoss when the object is corrupt, NotFound when
  // it is missing.
  Result<std::string> Get(const std::string& sha256_hex, int64_t expected_length);

 private:
  ObjectStore* store_;
  const std::string container_;
  std::mutex mu_;
  std::unordered_set<std::string> known_;  // guarded by mu_
};

}  // namespace bb
