// PackReader: footer -> trailer -> blobs, each step checked (pack_format.h).
#include "backup_service/datapath/pack_reader.h"

#include <algorithm>
#include <cstring>

namespace bb {
namespace {

Status Bad(const std::string& name, const std::string& what) {
  return Status::DataLoss("pack " + name + ": " + what);
}

bool KnownType(uint8_t t) {
  return t == static_cast<uint8_t>(BlobType::kData) ||
         t == static_cast<uint8_t>(BlobType::kChunkList);
}

Status CheckHeader(std::string_view object, const std::string& name) {
  if (object.size() < kPackHeaderSize + kPackFooterSize) {
    return Bad(name, "object of " + std::to_string(object.size()) +
                         " bytes is shorter than header and footer");
  }
  if (std::memcmp(object.data(), kPackMagic, sizeof(kPackMagic)) != 0) {
    return Bad(name, "bad magic (not a BBPK pack)");
  }
  if (static_cast<uint8_t>(object[4]) != kPackVersion) {
    return Status::Unimplemented("pack " + name + ": version " +
                                 std::to_string(static_cast<uint8_t>(object[4])) +
                                 " not supported; this build reads version 1");
  }
  uint8_t flags = static_cast<uint8_t>(object[5]);
  if ((flags & ~1u) != 0 || object[6] != 0 || object[7] != 0 || GetU32Le(object.data() + 12)) {
    return Bad(name, "unknown flags or non-zero reserved header bytes");
  }
  return Status::Ok();
}

// Parses one 44-byte blob header at `offset` into `e` (offset set); checks fields only.
Status ParseBlobHeader(std::string_view object, const std::string& name, size_t offset,
                       size_t blob_area_end, PackEntry* e) {
  if (offset + kBlobHeaderSize > blob_area_end) {
    return Bad(name, "blob header at offset " + std::to_string(offset) + " runs past the blobs");
  }
  const char* h = object.data() + offset;
  uint8_t type = static_cast<uint8_t>(h[0]), comp = static_cast<uint8_t>(h[1]);
  if (!KnownType(type) || !IsKnownCompression(comp) || h[2] != 0 || h[3] != 0) {
    return Bad(name, "blob header at offset " + std::to_string(offset) + ": " +
                         PackEntryFault(type, comp, GetU16Le(h + 2)));
  }
  e->type = static_cast<BlobType>(type);
  e->compression = static_cast<Compression>(comp);
  e->offset = static_cast<uint32_t>(offset);
  e->stored_length = GetU32Le(h + 4);
  e->plain_length = GetU32Le(h + 8);
  std::memcpy(e->id.data(), h + 12, e->id.size());
  if (offset + kBlobHeaderSize + e->stored_length > blob_area_end) {
    return Bad(name, "blob " + BlobIdHex(e->id) + " at offset " + std::to_string(offset) +
                         " runs past the blobs");
  }
  if (e->plain_length == 0 || e->plain_length > kMaxBlobPlainLength) {
    return Bad(name, "blob " + BlobIdHex(e->id) + ": plain length " +
                         std::to_string(e->plain_length) + " out of range");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<PackEntry>> ReadPackTrailer(std::string_view object, const std::string& name) {
  RETURN_IF_ERROR(CheckHeader(object, name));
  const char* footer = object.data() + object.size() - kPackFooterSize;
  if (std::memcmp(footer + 44, kPackFooterMagic, sizeof(kPackFooterMagic)) != 0) {
    return Bad(name, "bad footer magic (truncated or not a pack)");
  }
  if (GetU32Le(footer + 36) != 0 || GetU32Le(footer + 40) != 0) {
    return Bad(name, "non-zero reserved footer bytes");
  }
  const uint64_t count = GetU32Le(footer + 32);
  const uint64_t trailer_bytes = count * kPackEntrySize;
  if (count == 0 || kPackHeaderSize + trailer_bytes + kPackFooterSize > object.size()) {
    return Bad(name, "footer says " + std::to_string(count) + " blobs, which do not fit in " +
                         std::to_string(object.size()) + " bytes");
  }
  const size_t trailer_at = object.size() - kPackFooterSize - trailer_bytes;
  std::string covered(object.substr(0, kPackHeaderSize));
  covered.append(object.substr(trailer_at, trailer_bytes));
  BlobId sum = Sha256Id(covered);
  if (std::memcmp(sum.data(), footer, sum.size()) != 0) {
    return Bad(name, "trailer checksum mismatch");
  }
  std::vector<PackEntry> entries(count);
  size_t expected_offset = kPackHeaderSize;
  for (uint64_t i = 0; i < count; ++i) {
    const char* p = object.data() + trailer_at + i * kPackEntrySize;
    PackEntry& e = entries[i];
    if (!DecodePackEntry(p, &e)) {
      return Bad(name, "trailer entry " + std::to_string(i) + ": " + PackEntryFault(p));
    }
    // Blobs are written back to back: each entry must start where the previous one ended, and
    // the last must end where the trailer begins.
    const uint64_t end = uint64_t{e.offset} + kBlobHeaderSize + e.stored_length;
    if (e.offset != expected_offset || end > trailer_at) {
      return Bad(name, "trailer entry " + std::to_string(i) + " (blob " + BlobIdHex(e.id) +
                           ") at offset " + std::to_string(e.offset) + " does not tile the pack");
    }
    expected_offset = static_cast<size_t>(end);
  }
  if (expected_offset != trailer_at) {
    return Bad(name, "trailer entries end at " + std::to_string(expected_offset) +
                         ", blobs end at " + std::to_string(trailer_at));
  }
  return entries;
}

Result<std::string> ReadPackBlob(std::string_view object, const std::string& name,
                                 const PackEntry& entry) {
  RETURN_IF_ERROR(CheckHeader(object, name));
  if (object[5] & 1) {
    return Status::Unimplemented("pack " + name + " is encrypted; this build has no decryptor");
  }
  const std::string hex = BlobIdHex(entry.id);
  PackEntry found;
  RETURN_IF_ERROR(
      ParseBlobHeader(object, name, entry.offset, object.size() - kPackFooterSize, &found));
  if (!(found == entry)) {
    return Bad(name, "blob " + hex + " at offset " + std::to_string(entry.offset) +
                         ": its header does not match the index entry");
  }
  std::string_view stored =
      object.substr(size_t{entry.offset} + kBlobHeaderSize, entry.stored_length);
  auto plain = Decompress(entry.compression, stored, entry.plain_length);
  if (!plain.ok()) {
    return Bad(name, "blob " + hex + " at offset " + std::to_string(entry.offset) + ": " +
                         plain.status().message());
  }
  BlobId actual = Sha256Id(*plain);
  if (actual != entry.id) {
    return Bad(name, "blob " + hex + " at offset " + std::to_string(entry.offset) +
                         ": content hashes to " + BlobIdHex(actual));
  }
  return std::move(plain).value();
}

Status CheckPackName(std::string_view object, const std::string& name) {
  BlobId h = Sha256Id(object);
  if (name != PackObjectNameOf(h)) {
    return Bad(name, "content hashes to " + BlobIdHex(h) + " (object damaged or misnamed)");
  }
  return Status::Ok();
}

Result<std::vector<PackEntry>> ScanPackBlobs(std::string_view object, const std::string& name) {
  RETURN_IF_ERROR(CheckHeader(object, name));
  std::vector<PackEntry> out;
  size_t offset = kPackHeaderSize;
  // Without a trustworthy footer the blob area's end is unknown: walk until the bytes left
  // cannot hold another header, or a header does not parse (then the caller has the prefix).
  while (offset + kBlobHeaderSize <= object.size()) {
    PackEntry e;
    Status s = ParseBlobHeader(object, name, offset, object.size(), &e);
    if (!s.ok()) {
      if (!out.empty()) break;  // most likely the trailer: stop with what was found
      return s;
    }
    out.push_back(e);
    offset += kBlobHeaderSize + e.stored_length;
  }
  return out;
}

}  // namespace bb
