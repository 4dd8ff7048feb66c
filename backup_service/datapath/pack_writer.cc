// PackWriter: header, blobs with their headers, trailer, footer (pack_format.h).
#include "backup_service/datapath/pack_writer.h"

#include <cstring>

namespace bb {

PackWriter::PackWriter(uint32_t key_generation) {
  bytes_.assign(kPackHeaderSize, '\0');
  std::memcpy(bytes_.data(), kPackMagic, sizeof(kPackMagic));
  bytes_[4] = static_cast<char>(kPackVersion);
  bytes_[5] = static_cast<char>(key_generation != 0 ? 1 : 0);
  PutU32Le(key_generation, bytes_.data() + 8);
}

Status PackWriter::Add(const BlobId& id, BlobType type, Compression compression,
                       uint32_t plain_length, std::string_view stored) {
  if (finished_) return Status::InvalidArgument("pack already finished");
  const std::string hex = BlobIdHex(id);
  if (plain_length == 0 || plain_length > kMaxBlobPlainLength) {
    return Status::InvalidArgument("blob " + hex + ": plain length " +
                                   std::to_string(plain_length) + " out of range");
  }
  if (!IsKnownCompression(static_cast<uint8_t>(compression))) {
    return Status::InvalidArgument(
        "blob " + hex + ": " +
        PackEntryFault(static_cast<uint8_t>(type), static_cast<uint8_t>(compression), 0));
  }
  const uint64_t after = bytes_.size() + kBlobHeaderSize + stored.size() +
                         (entries_.size() + 1) * kPackEntrySize + kPackFooterSize;
  if (after > kMaxPackSize) {
    return Status::InvalidArgument("blob " + hex + " would make the pack larger than " +
                                   std::to_string(kMaxPackSize) + " bytes");
  }
  if (!ids_.insert(std::string(BlobIdBytes(id))).second) {
    return Status::InvalidArgument("blob " + hex + " is already in this pack");
  }
  PackEntry e;
  e.id = id;
  e.type = type;
  e.compression = compression;
  e.offset = static_cast<uint32_t>(bytes_.size());
  e.stored_length = static_cast<uint32_t>(stored.size());
  e.plain_length = plain_length;
  char header[kBlobHeaderSize] = {};
  header[0] = static_cast<char>(type);
  header[1] = static_cast<char>(compression);
  PutU32Le(e.stored_length, header + 4);
  PutU32Le(plain_length, header + 8);
  std::memcpy(header + 12, id.data(), id.size());
  bytes_.append(header, sizeof(header));
  bytes_.append(stored);
  entries_.push_back(e);
  return Status::Ok();
}

Result<FinishedPack> PackWriter::Finish() {
  if (finished_) return Status::FailedPrecondition("pack already finished");
  if (entries_.empty()) return Status::FailedPrecondition("an empty pack is never written");
  finished_ = true;
  const size_t trailer_at = bytes_.size();
  bytes_.resize(trailer_at + entries_.size() * kPackEntrySize + kPackFooterSize, '\0');
  char* p = bytes_.data() + trailer_at;
  for (const PackEntry& e : entries_) {
    EncodePackEntry(e, p);
    p += kPackEntrySize;
  }
  // The footer's checksum covers the header and the trailer entries: what a reader trusts
  // before it looks at any blob.
  std::string covered(bytes_.data(), kPackHeaderSize);
  covered.append(bytes_.data() + trailer_at, entries_.size() * kPackEntrySize);
  BlobId sum = Sha256Id(covered);
  std::memcpy(p, sum.data(), sum.size());
  PutU32Le(static_cast<uint32_t>(entries_.size()), p + 32);
  std::memcpy(p + 44, kPackFooterMagic, sizeof(kPackFooterMagic));

  FinishedPack out;
  out.hash = Sha256Id(bytes_);
  out.name = PackObjectNameOf(out.hash);
  out.bytes = std::move(bytes_);
  out.entries = std::move(entries_);
  return out;
}

std::string PackObjectName(std::string_view pack_bytes) {
  return PackObjectNameOf(Sha256Id(pack_bytes));
}

}  // namespace bb
