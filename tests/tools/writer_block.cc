// WriterBlock: encoding, checksum and checking of odirect_writer's self-describing blocks.
#include "tests/tools/writer_block.h"

#include <algorithm>
#include <cstring>

namespace bb::tools {
namespace {

constexpr char kMagic[8] = {'B', 'B', 'O', 'D', 'W', 'R', '0', '1'};
constexpr size_t kHeaderSize = 48;
constexpr size_t kChecksumOffset = 40;

uint64_t Fnv1a(const unsigned char* data, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

template <typename T>
void Put(unsigned char* block, size_t at, T v) {
  std::memcpy(block + at, &v, sizeof v);
}
template <typename T>
T Get(const unsigned char* block, size_t at) {
  T v;
  std::memcpy(&v, block + at, sizeof v);
  return v;
}

}  // namespace

uint64_t Checksum(const unsigned char* block, size_t size) {
  // FNV-1a over the block with the checksum field taken as zero.
  uint64_t h = Fnv1a(block, kChecksumOffset);
  static constexpr unsigned char kZero[8] = {};
  for (unsigned char c : kZero) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  const unsigned char* rest = block + kChecksumOffset + 8;
  for (size_t i = 0; i < size - kChecksumOffset - 8; ++i) {
    h ^= rest[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

void FillBlock(unsigned char* block, size_t size, const Header& h) {
  std::memcpy(block, kMagic, sizeof kMagic);
  Put<uint64_t>(block, 8, h.run_id);
  Put<uint64_t>(block, 16, h.seq);
  Put<uint64_t>(block, 24, h.offset);
  Put<uint32_t>(block, 32, h.block_size);
  Put<uint32_t>(block, 36, 0);
  Put<uint64_t>(block, kChecksumOffset, 0);
  uint64_t x = (h.run_id ^ (h.seq * 0x9e3779b97f4a7c15ULL)) | 1;
  for (size_t i = kHeaderSize; i < size; i += 8) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    uint64_t v = x * 0x2545f4914f6cdd1dULL;
    std::memcpy(block + i, &v, std::min<size_t>(8, size - i));
  }
  Put<uint64_t>(block, kChecksumOffset, Checksum(block, size));
}

bool AllZero(const unsigned char* block, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    if (block[i] != 0) return false;
  }
  return true;
}

std::string CheckBlock(const unsigned char* block, size_t size, uint64_t seq, uint64_t offset,
                       std::optional<uint64_t>& run_id) {
  if (std::memcmp(block, kMagic, sizeof kMagic) != 0) return "no writer magic (foreign data)";
  if (Get<uint32_t>(block, 32) != size) return "wrong block size field";
  if (Get<uint64_t>(block, kChecksumOffset) != Checksum(block, size)) return "bad checksum (torn)";
  if (Get<uint64_t>(block, 24) != offset) {
    return "holds the block for offset " + std::to_string(Get<uint64_t>(block, 24));
  }
  if (Get<uint64_t>(block, 16) != seq) {
    return "sequence number " + std::to_string(Get<uint64_t>(block, 16)) + ", expected " +
           std::to_string(seq);
  }
  const uint64_t id = Get<uint64_t>(block, 8);
  if (run_id && *run_id != id) return "block from another writer run";
  run_id = id;
  return "";
}

}  // namespace bb::tools
