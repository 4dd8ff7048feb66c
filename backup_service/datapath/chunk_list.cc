// ChunkList encode/decode (chunk_list.h).
#include "backup_service/datapath/chunk_list.h"

#include <cstring>

#include "backup_service/datapath/pack_format.h"

namespace bb {
namespace {

constexpr char kMagic[4] = {'B', 'B', 'L', '1'};
constexpr size_t kHeaderSize = 8;
constexpr size_t kRunHeaderSize = 3;

}  // namespace

Result<std::string> EncodeChunkList(const std::vector<ChunkRef>& chunks) {
  if (chunks.empty() || chunks.size() > kChunksPerList) {
    return Status::InvalidArgument("a chunk list holds 1 to " + std::to_string(kChunksPerList) +
                                   " chunks, got " + std::to_string(chunks.size()));
  }
  std::string out(kHeaderSize, '\0');
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  PutU16Le(static_cast<uint16_t>(chunks.size()), out.data() + 4);
  uint16_t runs = 0;
  size_t i = 0;
  while (i < chunks.size()) {
    size_t j = i;
    while (j < chunks.size() && chunks[j].zero == chunks[i].zero) ++j;
    char run[kRunHeaderSize];
    run[0] = static_cast<char>(chunks[i].zero ? 0 : 1);
    PutU16Le(static_cast<uint16_t>(j - i), run + 1);
    out.append(run, sizeof(run));
    if (!chunks[i].zero) {
      for (size_t k = i; k < j; ++k) out.append(BlobIdBytes(chunks[k].id));
    }
    ++runs;
    i = j;
  }
  PutU16Le(runs, out.data() + 6);
  return out;
}

Result<std::vector<ChunkRef>> DecodeChunkList(std::string_view plain, const std::string& what) {
  auto bad = [&](const std::string& m) { return Status::DataLoss(what + ": " + m); };
  if (plain.size() < kHeaderSize || std::memcmp(plain.data(), kMagic, sizeof(kMagic)) != 0) {
    return bad("not a BBL1 chunk list");
  }
  const uint32_t count = GetU16Le(plain.data() + 4);
  const uint32_t runs = GetU16Le(plain.data() + 6);
  if (count == 0 || count > kChunksPerList) {
    return bad("chunk count " + std::to_string(count) + " out of range");
  }
  std::vector<ChunkRef> chunks;
  chunks.reserve(count);
  size_t at = kHeaderSize;
  int last_kind = -1;
  for (uint32_t r = 0; r < runs; ++r) {
    if (at + kRunHeaderSize > plain.size()) return bad("run " + std::to_string(r) + " truncated");
    const int kind = static_cast<uint8_t>(plain[at]);
    const uint32_t length = GetU16Le(plain.data() + at + 1);
    at += kRunHeaderSize;
    if (kind > 1 || length == 0 || kind == last_kind || chunks.size() + length > count) {
      return bad("run " + std::to_string(r) + " (kind " + std::to_string(kind) + ", length " +
                 std::to_string(length) + ") is not valid here");
    }
    last_kind = kind;
    if (kind == 0) {
      chunks.resize(chunks.size() + length, ChunkRef{true, {}});
      continue;
    }
    if (plain.size() - at < size_t{length} * 32) {
      return bad("run " + std::to_string(r) + " truncated");
    }
    for (uint32_t k = 0; k < length; ++k, at += 32) {
      ChunkRef c;
      std::memcpy(c.id.data(), plain.data() + at, c.id.size());
      chunks.push_back(c);
    }
  }
  if (chunks.size() != count || at != plain.size()) {
    return bad("runs give " + std::to_string(chunks.size()) + " chunks in " + std::to_string(at) +
               " bytes; header says " + std::to_string(count) + " chunks in " +
               std::to_string(plain.size()) + " bytes");
  }
  return chunks;
}

}  // namespace bb
