// bb_v2_stage_cost IMAGE [--chunk-kib N]: CPU seconds per stage of the format v2 pipeline on one
// thread, using the v2 units themselves (blob_id, blob_cipher, pack_writer) and the data path's
// compressor: zero detection, SHA-256 ids, HMAC ids, zstd at levels 1 and 3, AES-256-GCM seal of
// the compressed payloads, and pack assembly. The budget behind README "Format v2" (throughput
// plan; encryption on vs off <= 15%). Built with everything, run by hand; never by tests/run.sh.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "backup_service/datapath/blob_cipher.h"
#include "backup_service/datapath/compressor.h"
#include "backup_service/datapath/pack_writer.h"

namespace {

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double Time(const std::function<void()>& fn) {
  double t0 = CpuSeconds();
  fn();
  return CpuSeconds() - t0;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: bb_v2_stage_cost IMAGE [--chunk-kib N]");
  size_t chunk = 32 << 10;
  if (argc == 4 && std::strcmp(argv[2], "--chunk-kib") == 0) {
    chunk = static_cast<size_t>(std::atoi(argv[3])) << 10;
  }
  int fd = open(argv[1], O_RDONLY);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) Die("cannot open image");
  std::string image(static_cast<size_t>(st.st_size), '\0');
  if (pread(fd, image.data(), image.size(), 0) != st.st_size) Die("short read");
  close(fd);
  const double gib = static_cast<double>(image.size()) / (1 << 30);

  std::vector<std::string_view> chunks;
  double zero_s = Time([&] {
    for (size_t off = 0; off < image.size(); off += chunk) {
      std::string_view c = std::string_view(image).substr(off, chunk);
      if (c.find_first_not_of('\0') != std::string_view::npos) chunks.push_back(c);
    }
  });
  bb::ContainerKeys keys = bb::DeriveContainerKeys(*bb::RandomKey());
  std::vector<bb::BlobId> ids(chunks.size());
  double sha_s = Time([&] {
    for (size_t i = 0; i < chunks.size(); ++i) ids[i] = bb::Sha256Id(chunks[i]);
  });
  double hmac_s = Time([&] {
    for (size_t i = 0; i < chunks.size(); ++i) ids[i] = bb::KeyedBlobId(keys, chunks[i]);
  });
  std::vector<bb::CompressedData> z1(chunks.size()), z3(chunks.size());
  double zstd1_s = Time([&] {
    for (size_t i = 0; i < chunks.size(); ++i)
      z1[i] = std::move(bb::Compress(chunks[i], 1).value());
  });
  double zstd3_s = Time([&] {
    for (size_t i = 0; i < chunks.size(); ++i)
      z3[i] = std::move(bb::Compress(chunks[i], 3).value());
  });
  size_t stored1 = 0, stored3 = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    stored1 += z1[i].data.size();
    stored3 += z3[i].data.size();
  }
  std::vector<std::string> sealed(chunks.size());
  double seal_s = Time([&] {
    for (size_t i = 0; i < chunks.size(); ++i) {
      sealed[i] = bb::Seal(keys.enc_key, z1[i].data, bb::BlobIdBytes(ids[i])).value();
    }
  });
  size_t packs = 0;
  double pack_s = Time([&] {
    bb::PackWriter w(1);
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (!w.Add(ids[i], bb::BlobType::kData, z1[i].method, static_cast<uint32_t>(chunks[i].size()),
                 sealed[i])
               .ok()) {
        Die("pack add failed");
      }
      if (w.size() >= (32u << 20)) {
        if (!w.Finish().ok()) Die("pack finish failed");
        ++packs;
        w = bb::PackWriter(1);
      }
    }
    if (w.blob_count() > 0) {
      if (!w.Finish().ok()) Die("pack finish failed");
      ++packs;
    }
  });

  std::printf(
      "image %.2f GiB, %zu KiB chunks: %zu non-zero; zstd-1 %.1f MB, zstd-3 %.1f MB; "
      "%zu packs of <= 32 MiB\n",
      gib, chunk >> 10, chunks.size(), stored1 / 1e6, stored3 / 1e6, packs);
  std::printf("| stage (one thread) | CPU s per GiB of image |\n|---|---|\n");
  std::printf("| zero detection | %.3f |\n", zero_s / gib);
  std::printf("| SHA-256 ids | %.3f |\n", sha_s / gib);
  std::printf("| HMAC-SHA-256 ids | %.3f |\n", hmac_s / gib);
  std::printf("| zstd level 1 | %.3f |\n", zstd1_s / gib);
  std::printf("| zstd level 3 | %.3f |\n", zstd3_s / gib);
  std::printf("| AES-256-GCM seal of the zstd-1 payloads | %.3f |\n", seal_s / gib);
  std::printf("| pack assembly (copy, trailer, SHA-256 of each pack) | %.3f |\n", pack_s / gib);
  const double plain = zero_s + sha_s + zstd1_s + pack_s;
  const double encrypted = zero_s + hmac_s + zstd1_s + seal_s + pack_s;
  std::printf("| pipeline, zstd-1, unencrypted | %.3f |\n", plain / gib);
  std::printf("| pipeline, zstd-1, encrypted (HMAC ids + GCM) | %.3f (+%.1f%%) |\n",
              encrypted / gib, 100.0 * (encrypted - plain) / plain);
  return 0;
}
