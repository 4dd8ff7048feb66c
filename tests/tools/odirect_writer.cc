// odirect_writer: a writer whose output can be checked for crash consistency, and its checker.
//
//   odirect_writer write DEVICE --offset O --length L [--block B] [--interval-us N] [--max-blocks
//   N]
//     Writes blocks 1, 2, 3, ... sequentially from O with O_DIRECT|O_SYNC, each waiting for the
//     previous to be durable, until SIGTERM/SIGINT, the region [O, O+L) is full (never wraps) or
//     N blocks are written. Prints "started" after block 1 and "written=S" at the end.
//   odirect_writer verify IMAGE --offset O --length L [--block B]
//     Checks a point-in-time copy of such a region: block i (0-based) is either all-zero or the
//     writer's block with sequence number i+1, for this offset, with a valid checksum, all from
//     one run; and the written blocks are exactly 1..S (no block after a hole). Prints S; exit 0
//     when consistent, 1 when not.
//   odirect_writer selftest FILE
//     Exercises write + verify on a scratch file, including corruptions verify must catch.
// Sizes take K, M, G suffixes (binary). B defaults to 4096 and must be a multiple of 512.
//
// Block format: see writer_block.h. Sequential synchronous writes mean any instant's image holds a
// prefix 1..S of the blocks. The write loop is in region_writer.h, the check in region_verifier.h.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "tests/tools/region.h"
#include "tests/tools/region_verifier.h"
#include "tests/tools/region_writer.h"

namespace {

using bb::tools::AlignedBuffer;
using bb::tools::Allocate;
using bb::tools::Options;
using bb::tools::Verify;
using bb::tools::Write;

std::optional<uint64_t> ParseSize(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string str(s);
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(str.c_str(), &end, 10);
  if (errno != 0 || end == str.c_str()) return std::nullopt;
  std::string_view suffix(end);
  uint64_t mult = 1;
  if (suffix == "K" || suffix == "KiB") {
    mult = 1ULL << 10;
  } else if (suffix == "M" || suffix == "MiB") {
    mult = 1ULL << 20;
  } else if (suffix == "G" || suffix == "GiB") {
    mult = 1ULL << 30;
  } else if (!suffix.empty()) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(v) * mult;
}

bool PatchFile(const std::string& path, uint64_t at, const unsigned char* data, size_t n) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = pwrite(fd, data, n, static_cast<off_t>(at)) == static_cast<ssize_t>(n);
  close(fd);
  return ok;
}

bool ReadFile(const std::string& path, uint64_t at, unsigned char* data, size_t n) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = pread(fd, data, n, static_cast<off_t>(at)) == static_cast<ssize_t>(n);
  close(fd);
  return ok;
}

int SelfTest(const std::string& path) {
  constexpr uint64_t kBlock = 4096;
  Options o;
  o.path = path;
  o.offset = 2 * kBlock;
  o.length = 64 * kBlock;
  o.block = kBlock;
  o.max_blocks = 20;
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(o.offset + o.length + 2 * kBlock)) != 0) {
    std::fprintf(stderr, "selftest: cannot create %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  close(fd);
  int failures = 0;
  auto expect = [&](bool cond, const char* what) {
    std::printf("selftest: %-58s %s\n", what, cond ? "ok" : "FAILED");
    if (!cond) ++failures;
  };
  auto block_at = [&](uint64_t index) { return o.offset + index * kBlock; };
  AlignedBuffer saved = Allocate(kBlock);
  AlignedBuffer zero = Allocate(kBlock);

  expect(Write(o, true) == 20, "writer stops after --max-blocks 20");
  expect(Verify(o, true) == 20, "verify finds the prefix 1..20");

  ReadFile(path, block_at(5), saved.get(), kBlock);
  unsigned char flipped = saved[1000] ^ 0x40;
  PatchFile(path, block_at(5) + 1000, &flipped, 1);
  expect(Verify(o, true) < 0, "a flipped payload byte is caught");
  PatchFile(path, block_at(5), saved.get(), kBlock);
  expect(Verify(o, true) == 20, "restoring the block makes it consistent again");

  PatchFile(path, block_at(3), zero.get(), kBlock);
  expect(Verify(o, true) < 0, "a hole inside the prefix is caught");
  PatchFile(path, block_at(3), saved.get(), kBlock);  // block 5's content at block 3
  expect(Verify(o, true) < 0, "a block at the wrong offset is caught");

  expect(Write(o, true) == 20, "a second run rewrites blocks 1..20");
  PatchFile(path, block_at(19), zero.get(), kBlock);
  PatchFile(path, block_at(18), zero.get(), kBlock);
  expect(Verify(o, true) == 18, "trailing never-written blocks shorten the prefix");

  Options other = o;
  other.max_blocks = 19;
  Write(other, true);  // a new run: blocks 1..19 with another run id
  AlignedBuffer b19 = Allocate(kBlock);
  ReadFile(path, block_at(18), b19.get(), kBlock);
  Write(o, true);  // back to one run of 20, then plant block 19 of the other run
  PatchFile(path, block_at(18), b19.get(), kBlock);
  expect(Verify(o, true) < 0, "a block of another writer run is caught");

  unlink(path.c_str());
  std::printf("selftest: %s\n", failures == 0 ? "PASS" : "FAIL");
  return failures == 0 ? 0 : 1;
}

int Usage() {
  std::fprintf(stderr,
               "usage: odirect_writer write DEVICE --offset O --length L [--block B] "
               "[--interval-us N] [--max-blocks N]\n"
               "       odirect_writer verify IMAGE --offset O --length L [--block B]\n"
               "       odirect_writer selftest FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string_view cmd = argv[1];
  if (cmd == "selftest") return SelfTest(argv[2]);
  if (cmd != "write" && cmd != "verify") return Usage();
  Options o;
  o.path = argv[2];
  bool have_offset = false;
  bool have_length = false;
  for (int i = 3; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::optional<uint64_t> v = ParseSize(argv[++i]);
    if (!v) {
      std::fprintf(stderr, "bad value for %s: %s\n", argv[i - 1], argv[i]);
      return 2;
    }
    if (flag == "--offset") {
      o.offset = *v;
      have_offset = true;
    } else if (flag == "--length") {
      o.length = *v;
      have_length = true;
    } else if (flag == "--block") {
      o.block = *v;
    } else if (flag == "--interval-us" && cmd == "write") {
      o.interval_us = *v;
    } else if (flag == "--max-blocks" && cmd == "write") {
      o.max_blocks = *v;
    } else {
      return Usage();
    }
  }
  if (!have_offset || !have_length) return Usage();
  if (cmd == "write") {
    bb::tools::InstallStopHandlers();
    return Write(o, false) < 0 ? 1 : 0;
  }
  return Verify(o, false) < 0 ? 1 : 0;
}
