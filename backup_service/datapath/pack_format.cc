// The pack entry layout shared by trailers and indexes (pack_format.h).
#include "backup_service/datapath/pack_format.h"

#include <cstring>

namespace bb {

std::string PackObjectNameOf(const BlobId& pack_hash) {
  std::string h = BlobIdHex(pack_hash);
  return "packs/" + h.substr(0, 2) + "/" + h;
}

void EncodePackEntry(const PackEntry& e, char* out) {
  std::memcpy(out, e.id.data(), e.id.size());
  out[32] = static_cast<char>(e.type);
  out[33] = static_cast<char>(e.compression);
  out[34] = 0;
  out[35] = 0;
  PutU32Le(e.offset, out + 36);
  PutU32Le(e.stored_length, out + 40);
  PutU32Le(e.plain_length, out + 44);
}

bool DecodePackEntry(const char* in, PackEntry* out) {
  const auto type = static_cast<uint8_t>(in[32]);
  const auto comp = static_cast<uint8_t>(in[33]);
  const bool known_type = type == static_cast<uint8_t>(BlobType::kData) ||
                          type == static_cast<uint8_t>(BlobType::kChunkList);
  if (!known_type || !IsKnownCompression(comp) || in[34] != 0 || in[35] != 0) return false;
  std::memcpy(out->id.data(), in, out->id.size());
  out->type = static_cast<BlobType>(type);
  out->compression = static_cast<Compression>(comp);
  out->offset = GetU32Le(in + 36);
  out->stored_length = GetU32Le(in + 40);
  out->plain_length = GetU32Le(in + 44);
  return true;
}

std::string PackEntryFault(uint8_t type, uint8_t compression, uint16_t reserved) {
  if (type != static_cast<uint8_t>(BlobType::kData) &&
      type != static_cast<uint8_t>(BlobType::kChunkList)) {
    return "unknown blob type " + std::to_string(type);
  }
  if (!IsKnownCompression(compression)) {
    return "unknown compression id " + std::to_string(compression) +
           " (this build reads 0 = none, 1 = zstd, 2 = lz4)";
  }
  if (reserved != 0) return "non-zero reserved bytes";
  return "valid";
}

std::string PackEntryFault(const char* entry) {
  return PackEntryFault(static_cast<uint8_t>(entry[32]), static_cast<uint8_t>(entry[33]),
                        GetU16Le(entry + 34));
}

}  // namespace bb
