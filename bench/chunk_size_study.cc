// bb_chunk_size_study BASE CHANGED [--level N]: what fixed, aligned chunk sizes would store.
//
// For each chunk size it splits BASE (the image of a full backup) and CHANGED (the same volume
// after the incremental's writes) into aligned chunks, and prints: chunks per GiB, the non-zero
// chunks of BASE and their zstd bytes (a full backup), the chunks of CHANGED whose SHA-256 is not
// among BASE's (what an incremental without changed-extent information must store) and their
// zstd bytes, and the CPU seconds of hashing + compressing BASE. Compression is the data path's
// own (zstd at the level, raw when that is not smaller). Per-blob overheads of the v2 format
// (GCM nonce + tag, index entry) are printed separately so the README's arithmetic can add them.
// Built with everything, run by hand (bench/README.md); never by tests/run.sh.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <unordered_set>
#include <vector>

#include "backup_service/datapath/compressor.h"
#include "backup_service/datapath/hasher.h"

namespace {

struct Totals {
  int64_t chunks = 0;
  int64_t nonzero = 0;
  int64_t nonzero_stored = 0;
  int64_t changed = 0;
  int64_t changed_stored = 0;
  double cpu_s = 0;
};

bool AllZero(const std::string& b) { return b.find_first_not_of('\0') == std::string::npos; }

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

bool ReadAt(int fd, std::string* buf, int64_t offset) {
  ssize_t n = pread(fd, buf->data(), buf->size(), offset);
  if (n < 0) return false;
  buf->resize(static_cast<size_t>(n));
  return true;
}

int64_t StoredSize(const std::string& plain, int level) {
  auto c = bb::Compress(plain, level);
  if (!c.ok()) {
    std::fprintf(stderr, "compress: %s\n", c.status().ToString().c_str());
    std::exit(1);
  }
  return static_cast<int64_t>(c->data.size());
}

Totals Study(int base_fd, int changed_fd, int64_t size, int64_t chunk, int level) {
  Totals t;
  std::unordered_set<std::string> base_ids;
  std::string buf;
  double c0 = CpuSeconds();
  for (int64_t off = 0; off < size; off += chunk) {
    buf.resize(static_cast<size_t>(chunk));
    if (!ReadAt(base_fd, &buf, off)) std::exit(1);
    ++t.chunks;
    if (AllZero(buf)) continue;
    ++t.nonzero;
    if (base_ids.insert(bb::Sha256Hex(buf)).second) t.nonzero_stored += StoredSize(buf, level);
  }
  t.cpu_s = CpuSeconds() - c0;
  for (int64_t off = 0; off < size; off += chunk) {
    buf.resize(static_cast<size_t>(chunk));
    if (!ReadAt(changed_fd, &buf, off)) std::exit(1);
    if (AllZero(buf)) continue;
    if (base_ids.insert(bb::Sha256Hex(buf)).second) {
      ++t.changed;
      t.changed_stored += StoredSize(buf, level);
    }
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BASE CHANGED [--level N]\n", argv[0]);
    return 2;
  }
  int level = 3;
  if (argc == 5 && std::strcmp(argv[3], "--level") == 0) level = std::atoi(argv[4]);
  int base = open(argv[1], O_RDONLY);
  int changed = open(argv[2], O_RDONLY);
  struct stat st {};
  if (base < 0 || changed < 0 || fstat(base, &st) != 0) {
    std::perror("open");
    return 1;
  }
  const int64_t size = st.st_size;
  const double gib = static_cast<double>(size) / (1 << 30);
  // Per blob in a v2 pack: 12 B nonce + 16 B GCM tag; 48 B trailer/index entry.
  constexpr int64_t kBlobOverhead = 12 + 16 + 48;
  std::printf(
      "| chunk | chunks/GiB | full: non-zero chunks | full stored MB | incr: new chunks | "
      "incr stored MB | incr + blob overhead MB | hash+zstd CPU s (full) |\n"
      "|---|---|---|---|---|---|---|---|\n");
  for (int64_t kib : {16, 32, 64, 128, 256, 1024, 4096}) {
    Totals t = Study(base, changed, size, kib << 10, level);
    std::printf("| %lld KiB | %.0f | %lld | %.1f | %lld | %.1f | %.1f | %.2f |\n",
                static_cast<long long>(kib), static_cast<double>(t.chunks) / gib,
                static_cast<long long>(t.nonzero), static_cast<double>(t.nonzero_stored) / 1e6,
                static_cast<long long>(t.changed), static_cast<double>(t.changed_stored) / 1e6,
                static_cast<double>(t.changed_stored + t.changed * kBlobOverhead) / 1e6, t.cpu_s);
    std::fflush(stdout);
  }
  close(base);
  close(changed);
  return 0;
}
