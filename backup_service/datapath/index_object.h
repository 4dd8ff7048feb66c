// IndexObject: the container index of format v2 (README.md "Format v2", section "Index"): which
// blobs are in which pack. One index object per backup, written after its packs and before its
// manifest; the collector merges them. A cache of the packs' trailers: it can always be rebuilt
// from them.
//
//   "BBI1" | version u8 = 1 | reserved 3 B = 0 | pack count u32 |
//   per pack: SHA-256 of the pack object 32 B | entry count u32 | entries (48 B, pack_format.h) |
//   SHA-256 of everything before it, 32 B
//
// Named index/<h>, h = SHA-256 of the object's bytes. Integers little-endian.
// Thread-safety: pure functions over values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/pack_format.h"

namespace bb {

struct IndexedPack {
  BlobId pack_hash{};  // the pack object is packs/<hex[0:2]>/<hex>
  std::vector<PackEntry> entries;

  bool operator==(const IndexedPack&) const = default;
};

std::string EncodeIndexObject(const std::vector<IndexedPack>& packs);

// The packs of an index object named `name`. DataLoss naming it when anything is off: magic,
// reserved bytes, checksum, counts that do not fit, unknown entry fields; Unimplemented for a
// later version.
Result<std::vector<IndexedPack>> DecodeIndexObject(std::string_view object,
                                                   const std::string& name);

// "index/<h>" for the hex SHA-256 h of the object's bytes.
std::string IndexObjectName(std::string_view object);

}  // namespace bb
