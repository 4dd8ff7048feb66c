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
// Block format (B bytes, host byte order):
//   0 magic "BBODWR01" | 8 run id (u64) | 16 sequence number (u64, from 1) | 24 absolute byte
//   offset (u64) | 32 block size (u32) | 36 zero (u32) | 40 FNV-1a 64 of the block with this field
//   zero (u64) | 48.. payload: xorshift64* stream seeded from run id and sequence number.
// Sequential synchronous writes mean any instant's image holds a prefix 1..S of the blocks.
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr char kMagic[8] = {'B', 'B', 'O', 'D', 'W', 'R', '0', '1'};
constexpr size_t kHeaderSize = 48;
constexpr size_t kChecksumOffset = 40;

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct Options {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t block = 4096;
  uint64_t interval_us = 0;
  uint64_t max_blocks = 0;  // 0: no limit
};

struct Header {
  uint64_t run_id;
  uint64_t seq;
  uint64_t offset;
  uint32_t block_size;
};

struct FreeDeleter {
  void operator()(unsigned char* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<unsigned char[], FreeDeleter>;

AlignedBuffer Allocate(size_t size) {
  void* p = nullptr;
  if (posix_memalign(&p, 4096, size) != 0) {
    std::fprintf(stderr, "out of memory\n");
    std::exit(1);
  }
  std::memset(p, 0, size);
  return AlignedBuffer(static_cast<unsigned char*>(p));
}

uint64_t Fnv1a(const unsigned char* data, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

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

// Why a block is not the writer's block `seq` at `offset` (empty when it is).
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

// Opens with O_DIRECT; falls back to buffered I/O (+ O_SYNC) where the file system refuses it.
int OpenDirect(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_DIRECT | O_CLOEXEC);
  if (fd < 0 && errno == EINVAL) {
    std::fprintf(stderr, "%s: O_DIRECT not supported, using buffered I/O\n", path.c_str());
    fd = open(path.c_str(), flags | O_CLOEXEC);
  }
  if (fd < 0) std::fprintf(stderr, "open %s: %s\n", path.c_str(), std::strerror(errno));
  return fd;
}

bool CheckRegion(int fd, const Options& o) {
  if (o.block < 512 || o.block % 512 != 0) {
    std::fprintf(stderr, "--block must be a multiple of 512\n");
    return false;
  }
  if (o.length == 0 || o.offset % o.block != 0 || o.length % o.block != 0) {
    std::fprintf(stderr, "--offset and --length must be multiples of --block, length > 0\n");
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &size) != 0) {
    std::fprintf(stderr, "BLKGETSIZE64: %s\n", std::strerror(errno));
    return false;
  }
  if (o.offset + o.length > size) {
    std::fprintf(stderr, "region [%llu, %llu) is beyond the end (%llu bytes)\n",
                 static_cast<unsigned long long>(o.offset),
                 static_cast<unsigned long long>(o.offset + o.length),
                 static_cast<unsigned long long>(size));
    return false;
  }
  return true;
}

uint64_t NewRunId() {
  uint64_t id = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, &id, sizeof id) != static_cast<ssize_t>(sizeof id)) id = 0;
    close(fd);
  }
  if (id == 0) {
    id = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
         (static_cast<uint64_t>(getpid()) << 32);
  }
  return id;
}

// Returns the number of blocks written, or -1 on an I/O error.
int64_t Write(const Options& o, bool quiet) {
  int fd = OpenDirect(o.path, O_WRONLY | O_SYNC);
  if (fd < 0) return -1;
  if (!CheckRegion(fd, o)) {
    close(fd);
    return -1;
  }
  const uint64_t nblocks = o.length / o.block;
  const uint64_t run_id = NewRunId();
  AlignedBuffer buf = Allocate(o.block);
  uint64_t written = 0;
  const char* why = "region full";
  for (uint64_t i = 0; i < nblocks; ++i) {
    if (g_stop) {
      why = "stopped by signal";
      break;
    }
    if (o.max_blocks != 0 && written == o.max_blocks) {
      why = "max blocks reached";
      break;
    }
    const uint64_t off = o.offset + i * o.block;
    FillBlock(buf.get(), o.block, Header{run_id, i + 1, off, static_cast<uint32_t>(o.block)});
    ssize_t n = pwrite(fd, buf.get(), o.block, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) {
      --i;  // rewrite the same block; the loop checks g_stop first
      continue;
    }
    if (n != static_cast<ssize_t>(o.block)) {
      std::fprintf(stderr, "pwrite at %llu: %s\n", static_cast<unsigned long long>(off),
                   n < 0 ? std::strerror(errno) : "short write");
      std::printf("written=%llu\n", static_cast<unsigned long long>(written));
      close(fd);
      return -1;
    }
    ++written;
    if (written == 1 && !quiet) {
      std::printf("started run=%016llx\n", static_cast<unsigned long long>(run_id));
      std::fflush(stdout);
    }
    if (o.interval_us != 0) std::this_thread::sleep_for(std::chrono::microseconds(o.interval_us));
  }
  close(fd);
  if (!quiet) {
    std::printf("written=%llu (%s)\n", static_cast<unsigned long long>(written), why);
    std::fflush(stdout);
  }
  return static_cast<int64_t>(written);
}

// Returns S (blocks 1..S present, the rest zero), or -1 when the region is inconsistent.
int64_t Verify(const Options& o, bool quiet) {
  int fd = OpenDirect(o.path, O_RDONLY);
  if (fd < 0) return -1;
  if (!CheckRegion(fd, o)) {
    close(fd);
    return -1;
  }
  const uint64_t nblocks = o.length / o.block;
  const uint64_t per_read = std::max<uint64_t>(1, (1ULL << 20) / o.block);
  AlignedBuffer buf = Allocate(per_read * o.block);
  std::optional<uint64_t> run_id;
  uint64_t prefix = 0;
  bool hole_seen = false;
  int64_t result = -1;
  for (uint64_t i = 0; i < nblocks;) {
    const uint64_t count = std::min(per_read, nblocks - i);
    const uint64_t off = o.offset + i * o.block;
    ssize_t n = pread(fd, buf.get(), count * o.block, static_cast<off_t>(off));
    if (n != static_cast<ssize_t>(count * o.block)) {
      std::fprintf(stderr, "pread at %llu: %s\n", static_cast<unsigned long long>(off),
                   n < 0 ? std::strerror(errno) : "short read");
      close(fd);
      return -1;
    }
    for (uint64_t j = 0; j < count; ++j, ++i) {
      const unsigned char* b = buf.get() + j * o.block;
      const uint64_t boff = o.offset + i * o.block;
      if (AllZero(b, o.block)) {
        hole_seen = true;
        continue;
      }
      std::string why = CheckBlock(b, o.block, i + 1, boff, run_id);
      if (why.empty() && hole_seen) {
        why = "written block after a never-written one (not a prefix)";
      }
      if (!why.empty()) {
        std::fprintf(stderr, "verify: block %llu at offset %llu: %s\n",
                     static_cast<unsigned long long>(i), static_cast<unsigned long long>(boff),
                     why.c_str());
        close(fd);
        return -1;
      }
      prefix = i + 1;
    }
  }
  close(fd);
  result = static_cast<int64_t>(prefix);
  if (!quiet) {
    std::fprintf(stderr, "verify: consistent: blocks 1..%llu written, %llu never written\n",
                 static_cast<unsigned long long>(prefix),
                 static_cast<unsigned long long>(nblocks - prefix));
    std::printf("%llu\n", static_cast<unsigned long long>(prefix));
  }
  return result;
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
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    return Write(o, false) < 0 ? 1 : 0;
  }
  return Verify(o, false) < 0 ? 1 : 0;
}
