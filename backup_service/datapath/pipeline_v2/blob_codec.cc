// BlobCodec: id, compression, sealing, and the checked way back.
#include "backup_service/datapath/pipeline_v2/blob_codec.h"

#include <cstring>

namespace bb::v2 {

std::string BlobHeaderBytes(BlobType type, Compression compression, uint32_t stored_length,
                            uint32_t plain_length, const BlobId& id) {
  std::string h(kBlobHeaderSize, '\0');
  h[0] = static_cast<char>(type);
  h[1] = static_cast<char>(compression);
  PutU32Le(stored_length, h.data() + 4);
  PutU32Le(plain_length, h.data() + 8);
  std::memcpy(h.data() + 12, id.data(), id.size());
  return h;
}

BlobId BlobCodec::IdOf(std::string_view plain) const {
  return keys_ ? KeyedBlobId(*keys_, plain) : Sha256Id(plain);
}

Result<EncodedBlob> BlobCodec::Encode(const BlobId& id, BlobType type,
                                      std::string_view plain) const {
  if (plain.empty() || plain.size() > kMaxBlobPlainLength) {
    return Status::InvalidArgument("blob " + BlobIdHex(id) + ": plain length out of range");
  }
  EncodedBlob out;
  out.id = id;
  out.type = type;
  out.plain_length = static_cast<uint32_t>(plain.size());
  ASSIGN_OR_RETURN(CompressedData c, Compress(plain, compression_));
  // Compression that saves under 1/32 is not worth a decompression on every restore, whichever
  // codec it is.
  if (c.method != Compression::kNone && c.data.size() > plain.size() - plain.size() / 32) {
    c.method = Compression::kNone;
  }
  out.compression = c.method;
  std::string_view payload = c.method == Compression::kNone ? plain : std::string_view(c.data);
  if (!keys_) {
    out.stored = c.method == Compression::kNone ? std::string(plain) : std::move(c.data);
    return out;
  }
  const uint32_t stored_len = static_cast<uint32_t>(payload.size() + kSealOverhead);
  const std::string aad = BlobHeaderBytes(type, out.compression, stored_len, out.plain_length, id);
  ASSIGN_OR_RETURN(out.stored, Seal(keys_->enc_key, payload, aad));
  return out;
}

Result<std::string> BlobCodec::Decode(std::string_view blob, const PackEntry& entry,
                                      const std::string& what) const {
  if (blob.size() != kBlobHeaderSize + entry.stored_length) {
    return Status::DataLoss(what + ": blob is " + std::to_string(blob.size()) +
                            " bytes, the index says " +
                            std::to_string(kBlobHeaderSize + entry.stored_length));
  }
  const std::string header = BlobHeaderBytes(entry.type, entry.compression, entry.stored_length,
                                             entry.plain_length, entry.id);
  if (blob.substr(0, kBlobHeaderSize) != header) {
    return Status::DataLoss(what + ": blob header does not match the index entry");
  }
  std::string_view stored = blob.substr(kBlobHeaderSize);
  std::string opened;
  if (keys_) {
    ASSIGN_OR_RETURN(opened, Open(keys_->enc_key, stored, header, what));
    stored = opened;
  }
  auto plain = Decompress(entry.compression, stored, entry.plain_length);
  if (!plain.ok()) return Status::DataLoss(what + ": " + plain.status().message());
  if (IdOf(*plain) != entry.id) {
    return Status::DataLoss(what + ": content does not hash to its id");
  }
  return std::move(plain).value();
}

Result<std::string> BlobCodec::SealObject(std::string_view plain, std::string_view aad) const {
  if (!keys_) return std::string(plain);
  return Seal(keys_->enc_key, plain, aad);
}

Result<std::string> BlobCodec::OpenObject(std::string_view stored, std::string_view aad,
                                          const std::string& what) const {
  if (!keys_) return std::string(stored);
  return Open(keys_->enc_key, stored, aad, what);
}

}  // namespace bb::v2
