// WriterBlock: the self-describing block odirect_writer writes, so that any point-in-time image of
// its region can be checked for crash consistency.
//
// Block format (B bytes, host byte order):
//   0 magic "BBODWR01" | 8 run id (u64) | 16 sequence number (u64, from 1) | 24 absolute byte
//   offset (u64) | 32 block size (u32) | 36 zero (u32) | 40 FNV-1a 64 of the block with this field
//   zero (u64) | 48.. payload: xorshift64* stream seeded from run id and sequence number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace bb::tools {

struct Header {
  uint64_t run_id;
  uint64_t seq;
  uint64_t offset;
  uint32_t block_size;
};

// FNV-1a 64 over the block with the checksum field taken as zero.
uint64_t Checksum(const unsigned char* block, size_t size);

// Encodes the writer's block for h (header, payload, checksum) into block[0, size).
void FillBlock(unsigned char* block, size_t size, const Header& h);

bool AllZero(const unsigned char* block, size_t size);

// Why a block is not the writer's block `seq` at `offset` (empty when it is). run_id is the run
// seen so far: a block of another run is rejected; the first valid block sets it.
std::string CheckBlock(const unsigned char* block, size_t size, uint64_t seq, uint64_t offset,
                       std::optional<uint64_t>& run_id);

}  // namespace bb::tools
