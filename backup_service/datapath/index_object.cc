// IndexObject encode/decode (index_object.h).
#include "backup_service/datapath/index_object.h"

#include <cstring>

namespace bb {
namespace {

constexpr char kIndexMagic[4] = {'B', 'B', 'I', '1'};
constexpr uint8_t kIndexVersion = 1;
constexpr size_t kIndexHeaderSize = 12;
constexpr size_t kPackRecordHeaderSize = 36;  // pack hash + entry count
constexpr size_t kChecksumSize = 32;

Status Bad(const std::string& name, const std::string& what) {
  return Status::DataLoss("index " + name + ": " + what);
}

}  // namespace

std::string EncodeIndexObject(const std::vector<IndexedPack>& packs) {
  size_t size = kIndexHeaderSize + kChecksumSize;
  for (const IndexedPack& p : packs)
    size += kPackRecordHeaderSize + p.entries.size() * kPackEntrySize;
  std::string out(size, '\0');
  char* w = out.data();
  std::memcpy(w, kIndexMagic, sizeof(kIndexMagic));
  w[4] = static_cast<char>(kIndexVersion);
  PutU32Le(static_cast<uint32_t>(packs.size()), w + 8);
  w += kIndexHeaderSize;
  for (const IndexedPack& p : packs) {
    std::memcpy(w, p.pack_hash.data(), p.pack_hash.size());
    PutU32Le(static_cast<uint32_t>(p.entries.size()), w + 32);
    w += kPackRecordHeaderSize;
    for (const PackEntry& e : p.entries) {
      EncodePackEntry(e, w);
      w += kPackEntrySize;
    }
  }
  BlobId sum = Sha256Id(std::string_view(out.data(), size - kChecksumSize));
  std::memcpy(w, sum.data(), sum.size());
  return out;
}

Result<std::vector<IndexedPack>> DecodeIndexObject(std::string_view object,
                                                   const std::string& name) {
  if (object.size() < kIndexHeaderSize + kChecksumSize) {
    return Bad(name, "object of " + std::to_string(object.size()) + " bytes is too short");
  }
  if (std::memcmp(object.data(), kIndexMagic, sizeof(kIndexMagic)) != 0) {
    return Bad(name, "bad magic (not a BBI1 index)");
  }
  if (static_cast<uint8_t>(object[4]) != kIndexVersion) {
    return Status::Unimplemented("index " + name + ": version " +
                                 std::to_string(static_cast<uint8_t>(object[4])) +
                                 " not supported; this build reads version 1");
  }
  if (object[5] != 0 || object[6] != 0 || object[7] != 0) {
    return Bad(name, "non-zero reserved header bytes");
  }
  const size_t body_end = object.size() - kChecksumSize;
  BlobId sum = Sha256Id(object.substr(0, body_end));
  if (std::memcmp(sum.data(), object.data() + body_end, sum.size()) != 0) {
    return Bad(name, "checksum mismatch");
  }
  const uint64_t pack_count = GetU32Le(object.data() + 8);
  std::vector<IndexedPack> packs;
  size_t at = kIndexHeaderSize;
  for (uint64_t i = 0; i < pack_count; ++i) {
    if (at + kPackRecordHeaderSize > body_end) {
      return Bad(name, "pack record " + std::to_string(i) + " runs past the end");
    }
    IndexedPack p;
    std::memcpy(p.pack_hash.data(), object.data() + at, p.pack_hash.size());
    const uint64_t count = GetU32Le(object.data() + at + 32);
    at += kPackRecordHeaderSize;
    if (count == 0 || count > (body_end - at) / kPackEntrySize) {
      return Bad(name, "pack " + BlobIdHex(p.pack_hash) + ": " + std::to_string(count) +
                           " entries do not fit");
    }
    p.entries.resize(count);
    for (uint64_t j = 0; j < count; ++j, at += kPackEntrySize) {
      if (!DecodePackEntry(object.data() + at, &p.entries[j])) {
        return Bad(name, "pack " + BlobIdHex(p.pack_hash) + " entry " + std::to_string(j) + ": " +
                             PackEntryFault(object.data() + at));
      }
    }
    packs.push_back(std::move(p));
  }
  if (at != body_end) {
    return Bad(name, std::to_string(body_end - at) + " bytes after the last pack record");
  }
  return packs;
}

std::string IndexObjectName(std::string_view object) {
  return "index/" + BlobIdHex(Sha256Id(object));
}

}  // namespace bb
