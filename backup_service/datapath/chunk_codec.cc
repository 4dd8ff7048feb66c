// Chunk object format v1 encode/decode. Thread-safety: pure functions.
#include "backup_service/datapath/chunk_codec.h"

#include <cstring>

#include "backup_service/datapath/hasher.h"

namespace bb {
namespace {

constexpr char kMagic[4] = {'B', 'B', 'C', '1'};

void PutU64Le(uint64_t v, char* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t GetU64Le(const char* in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

std::string FrameChunk(Compression method, uint64_t plain_length, std::string_view payload) {
  std::string object(kChunkHeaderSize + payload.size(), '\0');
  std::memcpy(object.data(), kMagic, sizeof(kMagic));
  object[4] = static_cast<char>(method);
  PutU64Le(plain_length, object.data() + 8);
  std::memcpy(object.data() + kChunkHeaderSize, payload.data(), payload.size());
  return object;
}

Result<std::string> EncodeChunk(std::string_view plain, int level) {
  ASSIGN_OR_RETURN(CompressedData compressed, Compress(plain, level));
  return FrameChunk(compressed.method, plain.size(), compressed.data);
}

Result<std::string> DecodeChunk(std::string_view object, std::string_view expected_sha256_hex,
                                int64_t expected_length) {
  const std::string id(expected_sha256_hex);
  if (object.size() < kChunkHeaderSize) {
    return Status::DataLoss("chunk " + id + ": object of " + std::to_string(object.size()) +
                            " bytes is shorter than the header");
  }
  if (std::memcmp(object.data(), kMagic, sizeof(kMagic)) != 0) {
    return Status::DataLoss("chunk " + id + ": bad magic (not a BBC1 chunk object)");
  }
  auto method = static_cast<Compression>(static_cast<unsigned char>(object[4]));
  if (method != Compression::kNone && method != Compression::kZstd) {
    return Status::DataLoss("chunk " + id + ": unknown compression byte " +
                            std::to_string(static_cast<int>(method)));
  }
  if (object[5] != 0 || object[6] != 0 || object[7] != 0) {
    return Status::DataLoss("chunk " + id + ": reserved header bytes are not zero");
  }
  uint64_t length = GetU64Le(object.data() + 8);
  if (expected_length < 0 || expected_length > kMaxChunkSize ||
      length != static_cast<uint64_t>(expected_length)) {
    return Status::DataLoss("chunk " + id + ": header length " + std::to_string(length) +
                            ", manifest length " + std::to_string(expected_length));
  }
  auto plain = Decompress(method, object.substr(kChunkHeaderSize), length);
  if (!plain.ok()) return plain.status().WithContext("chunk " + id);
  std::string actual = Sha256Hex(*plain);
  if (actual != expected_sha256_hex) {
    return Status::DataLoss("chunk " + id + ": content hashes to " + actual);
  }
  return std::move(plain).value();
}

}  // namespace bb
