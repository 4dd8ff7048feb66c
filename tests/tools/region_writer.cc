// RegionWriter: the O_DIRECT|O_SYNC sequential write loop of odirect_writer.
#include "tests/tools/region_writer.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "tests/tools/writer_block.h"

namespace bb::tools {
namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

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

}  // namespace

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

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

}  // namespace bb::tools
