// PackWriter: builds one pack object (pack_format.h) from blobs whose payloads are already
// compressed (and, with encryption, sealed): the uploader stage appends blobs until the pack
// reaches its target size, then finishes it and puts the bytes under the returned name.
// A pack is named by the SHA-256 of its bytes (packs/<h[0:2]>/<h>), so a retried upload writes
// the same name and `backup verify` can check a whole pack without a key.
// Thread-safety: not thread-safe; one writer per uploader.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/pack_format.h"

namespace bb {

struct FinishedPack {
  BlobId hash{};                   // SHA-256 of bytes
  std::string name;                // "packs/<h[0:2]>/<h>"
  std::string bytes;               // the whole object
  std::vector<PackEntry> entries;  // what the trailer says, for the container index
};

class PackWriter {
 public:
  // `key_generation` is 0 for an unencrypted container; with encryption, the generation of the
  // container key that sealed the payloads (flags bit 0 is set then).
  explicit PackWriter(uint32_t key_generation = 0);

  // Appends a blob. InvalidArgument (nothing appended) for an id already in this pack, a plain
  // length of 0 or above kMaxBlobPlainLength, a pack that would pass kMaxPackSize, or a call
  // after Finish.
  Status Add(const BlobId& id, BlobType type, Compression compression, uint32_t plain_length,
             std::string_view stored);

  // Reserves room for a pack of about `bytes` (target + a blob + the trailer), so that a pack is
  // built in one buffer instead of a string that doubles and copies itself as it grows.
  void Reserve(size_t bytes) { bytes_.reserve(bytes); }

  // Bytes the pack would have without its trailer: compare with the target size.
  size_t size() const { return bytes_.size(); }
  size_t blob_count() const { return entries_.size(); }

  // Appends trailer and footer and hands the pack over; the writer is spent afterwards.
  // FailedPrecondition for an empty pack (never upload one) or a second call.
  Result<FinishedPack> Finish();

 private:
  std::string bytes_;
  std::vector<PackEntry> entries_;
  std::unordered_set<std::string> ids_;
  bool finished_ = false;
};

// "packs/<h[0:2]>/<h>" for the hex SHA-256 h of a pack's bytes.
std::string PackObjectName(std::string_view pack_bytes);

}  // namespace bb
